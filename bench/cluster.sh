#!/usr/bin/env bash
# An AP cluster of three `stoker serve --cluster` nodes on this machine beside one plain node (the
# embedded store), in one `stoker bench` run: W1 (enqueue, drain, end to end) of both side by side,
# the cluster's end-to-end rate over the one node's, and for the cluster the replication lag under the
# workload (p50/p99), the bytes received per event, and how long after the last completion every node
# held every task done. Every node applies every event, so on one machine three nodes share the CPU
# one node has to itself. Starts everything on 127.0.0.1 and stops and deletes it afterwards. Extra
# arguments go to `stoker bench` (e.g. --json-out cluster.json). $STOKER is the launcher (default
# ./stoker); $TASKS (20000) is the tasks per phase.
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

cd "$root"
"$STOKER" bench --server "$server" --tasks "${TASKS:-20000}" --workloads w1 \
  --peer "stoker-cluster=$(IFS=,; echo "${urls[*]}")" "$@"
