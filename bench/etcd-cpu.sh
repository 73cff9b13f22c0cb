#!/usr/bin/env bash
# CPU per task of Stoker on etcd and of the etcd recipe, W1 side by side on one 3-member etcd (as
# bench/etcd.sh starts it): after each phase, the CPU seconds (utime + stime, from /proc) that the
# three etcd members and the Stoker server used during it, per task. On a machine whose cores every
# process shares, a rate is about the inverse of this; it moves much less with other load than the
# rates do. The load generator's own CPU (for the recipe, its etcd client) is not counted. $STOKER is
# the launcher (default ./stoker); $TASKS (5000) the tasks per phase; RECIPE=no leaves the recipe out
# (Stoker alone: half the time, for A/B runs of two builds).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STOKER=${STOKER:-$root/stoker}
TASKS=${TASKS:-5000}
. "$root/bench/etcd-temp.sh" stoker-etcd-cpu
"$STOKER" --version >/dev/null
start_stoker stoker-etcd --store etcd --etcd "$ETCD_ENDPOINTS" --etcd-prefix /bench
members=$(cat "$work"/etcd/m*/pid)
cpu() { # utime + stime of the processes, in clock ticks
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}
per_task() { python3 -c "import os; print('%.2f' % (($2 - $1) * 1000 / os.sysconf('SC_CLK_TCK') / $TASKS))"; }
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
e0=$(cpu $members)
s0=$(cpu "${stoker_pids[0]}")
cd "$root"
peer=(--peer "etcd=${ETCD_ENDPOINTS%%,*}")
[ "${RECIPE:-yes}" = no ] && peer=()
"$STOKER" bench --server "$url" --tasks "$TASKS" --workloads w1 "${peer[@]}" 2>&1 |
  grep --line-buffered -E ' w1 [a-z-]+: [0-9]+ tasks' | while IFS= read -r line; do
    # shellcheck disable=SC2086
    e1=$(cpu $members)
    s1=$(cpu "${stoker_pids[0]}")
    case "$line" in
      stoker*) echo "$line | CPU ms per task: etcd $(per_task "$e0" "$e1"), Stoker server $(per_task "$s0" "$s1")" ;;
      *) echo "$line | CPU ms per task: etcd $(per_task "$e0" "$e1")" ;;
    esac
    e0=$e1
    s0=$s1
  done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
