#!/usr/bin/env bash
# An AP cluster of three `stoker serve --cluster` nodes on this machine beside one plain node (the
# embedded store), in one `stoker bench` run: W1 (enqueue, drain, end to end) of both side by side,
# the cluster's end-to-end rate over the one node's, and for the cluster the replication lag under the
# workload (p50/p99), the bytes received per event and events per exchange, how long after the last
# completion every node held every task done, and the CPU per task of the three nodes against the one
# node's. Every node applies every event, so on one machine three nodes share the CPU one node has to
# itself. Starts everything on 127.0.0.1 and stops and deletes it afterwards. Extra
# arguments go to `stoker bench` (e.g. --json-out cluster.json). $STOKER is the launcher (default
# ./stoker); $TASKS (20000) is the tasks per phase; $WARMUP (10000; 0 for none) the tasks per phase of
# an untimed run first, against the same servers.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STOKER=${STOKER:-$root/stoker}
work=$(mktemp -d /tmp/stoker-cluster-bench.XXXXXX)
cleanup() {
  for pid in "${stoker_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$root/bench/stoker-serve.sh"
"$STOKER" --version >/dev/null # builds once, before the servers start
start_stoker stoker --data "$work/one"
server=$url

# The nodes start together (each waits to hear from its peers before it serves), then are awaited.
ports=("$(free_port)" "$(free_port)" "$(free_port)")
urls=()
for i in 1 2 3; do
  peers=()
  for j in 1 2 3; do
    [ "$j" = "$i" ] || peers+=("$j=http://127.0.0.1:${ports[j - 1]}")
  done
  "$STOKER" serve --listen "127.0.0.1:${ports[i - 1]}" --cluster --node-id "$i" \
    --peers "$(IFS=,; echo "${peers[*]}")" --data "$work/node$i" >"$work/node$i.log" 2>&1 &
  stoker_pids+=($!)
  urls+=("http://127.0.0.1:${ports[i - 1]}")
done
for i in 1 2 3; do
  for _ in $(seq 600); do
    curl -sf "${urls[i - 1]}/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "${urls[i - 1]}/readyz" >/dev/null || { cat "$work/node$i.log" >&2; exit 1; }
done
echo "bench: cluster nodes at ${urls[*]}" >&2

# CPU time (user + system) of processes, in clock ticks: on a shared machine the rates drift with
# the neighbours, the CPU each side spends on the same tasks much less.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
bench() {
  "$STOKER" bench --server "$server" --tasks "$1" --workloads w1 \
    --peer "stoker-cluster=$(IFS=,; echo "${urls[*]}")" "${@:2}"
}

cd "$root"
# A first, untimed run warms every JVM up (the JIT compiles for tens of seconds of CPU, three times
# over for three nodes: most of a short cold run's CPU), so the counted run measures steady state.
if [ "${WARMUP:-10000}" -gt 0 ]; then
  echo "bench: warm-up run of ${WARMUP:-10000} tasks per phase (log: untimed)" >&2
  bench "${WARMUP:-10000}" >"$work/warm-up.log" 2>&1 || { cat "$work/warm-up.log" >&2; exit 1; }
fi
one_before=$(cpu_ticks "${stoker_pids[0]}")
nodes_before=$(cpu_ticks "${stoker_pids[@]:1}")
bench "${TASKS:-20000}" "$@"

one_ms=$((($(cpu_ticks "${stoker_pids[0]}") - one_before) * 1000 / $(getconf CLK_TCK)))
nodes_ms=$((($(cpu_ticks "${stoker_pids[@]:1}") - nodes_before) * 1000 / $(getconf CLK_TCK)))
python3 - "$one_ms" "$nodes_ms" "$((3 * ${TASKS:-20000}))" <<'PY'
import sys
one, nodes, tasks = (int(a) for a in sys.argv[1:])
print(f"CPU per task over the three phases: the cluster's three nodes {nodes / tasks * 1000:.0f} us, "
      f"the one node {one / tasks * 1000:.0f} us: {nodes / max(one, 1):.1f}x the one node's")
PY
