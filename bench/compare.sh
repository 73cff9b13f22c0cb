#!/usr/bin/env bash
# Runs `stoker bench` against Stoker (embedded store) and, in the same run, against every peer:
# beanstalkd -f 0, PostgreSQL SKIP LOCKED, RabbitMQ quorum queue, NATS JetStream, the etcd recipe,
# BullMQ on Redis (appendfsync always) and pg-boss (on the same PostgreSQL), and Stoker on that
# PostgreSQL too (--store postgres: one server, then three over one schema). Installs what is
# missing from Debian's packages and npm (bench/node/install), starts each peer on 127.0.0.1 with
# its data in a temporary directory (bench/peer-temp), prints one table with Stoker's rates over
# the best durable peer's, and stops everything afterwards; then the depth run (10 k, 1 M and 10 M
# pending, on a server of its own). Extra arguments go to `stoker bench`, e.g. --tasks 10000
# --json-out out.json, or --workloads w1,w2,latency,references to leave the depth run out (it takes
# 5–15 minutes). PEERS="beanstalkd postgres" runs only those peers
# (bullmq needs redis, pgboss needs postgres: name the backing systems). The PNG charts go to
# $CHARTS (default bench/results/).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS=${PEERS:-beanstalkd postgres rabbitmq nats etcd redis}
CHARTS=${CHARTS:-$root/bench/results}
# Under /tmp with mode 755: PostgreSQL and RabbitMQ's helpers run as their own users.
work=$(mktemp -d /tmp/stoker-compare.XXXXXX)
chmod 755 "$work"
started=()
stoker_pids=()
cleanup() {
  for pid in "${stoker_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  for k in "${started[@]}"; do "$root/bench/peer-temp" stop "$k" "$work/peers" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that the EXIT trap stops the peers on Ctrl-C or kill too

. "$root/bin/need.sh"
need curl python3

specs=()
for k in $PEERS; do
  spec=$("$root/bench/peer-temp" start "$k" "$work/peers")
  started+=("$k")
  case "$k" in
    redis) specs+=(--peer "bullmq=${spec#redis=}") ;;
    postgres)
      specs+=(--peer "$spec")
      # pg-boss on the same server: postgres://USER@HOST:PORT/DB from jdbc:postgresql://HOST:PORT/DB?user=USER
      jdbc=${spec#postgres=jdbc:postgresql://}
      pgboss="postgres://${jdbc##*user=}@${jdbc%%\?*}"
      ;;
    *) specs+=(--peer "$spec") ;;
  esac
  echo "compare: $spec" >&2
done
[ -n "${pgboss:-}" ] && specs+=(--peer "pgboss=$pgboss")
if [[ " ${specs[*]} " == *" bullmq="* || -n "${pgboss:-}" ]]; then
  "$root/bench/node/install"
fi

. "$root/bench/stoker-serve.sh"
"$root/stoker" --version >/dev/null # builds once, before the servers start side by side
start_stoker stoker --data "$work/stoker-data"
server=$url
if [ -n "${pgboss:-}" ]; then
  # Stoker on the peer's PostgreSQL, three servers over one schema: the first alone, then all three.
  pg=$(printf '%s\n' "${specs[@]}" | sed -n 's/^postgres=//p')
  urls=()
  for i in 1 2 3; do
    start_stoker "stoker-pg$i" --store postgres --pg-url "$pg" --pg-schema stoker_bench
    urls+=("$url")
  done
  specs+=(--peer "stoker-postgres=${urls[0]}" --peer "stoker-postgres=$(IFS=,; echo "${urls[*]}")")
fi

# From the repository root: the Node peers' script is found under bench/node.
cd "$root"
workloads=(--workloads w1,w2,latency,references,depth)
[[ " $* " == *" --workloads"* ]] && workloads=()
"$root/stoker" bench --server "$server" --charts "$CHARTS" "${specs[@]}" "${workloads[@]}" "$@"
