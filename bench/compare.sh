#!/usr/bin/env bash
# Runs `stoker bench` against Stoker (embedded store) and, in the same run, against the peers built
# so far: beanstalkd with an fsync on every write (-f 0). Installs beanstalkd from Debian's packages
# when it is missing, starts everything on 127.0.0.1 with data in a temporary directory, and stops
# it all afterwards. Extra arguments go to `stoker bench`, e.g. --tasks 10000 --json-out out.json
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/stoker-compare.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

. "$root/bin/need.sh"
# Debian starts a system beanstalkd on install; ours runs on its own port and binlog.
need beanstalkd

bport=$(free_port)
mkdir -p "$work/binlog"
beanstalkd -l 127.0.0.1 -p "$bport" -b "$work/binlog" -f 0 &
pids+=($!)

sport=$(free_port)
"$root/stoker" serve --listen "127.0.0.1:$sport" --data "$work/stoker-data" >"$work/stoker.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null || { cat "$work/stoker.log" >&2; exit 1; }

echo "compare: beanstalkd $(beanstalkd -v 2>&1 | head -1) -f 0 on :$bport; stoker on :$sport" >&2
"$root/stoker" bench --server "http://127.0.0.1:$sport" --beanstalkd "127.0.0.1:$bport" "$@"
