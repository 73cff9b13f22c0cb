#!/usr/bin/env bash
# etcd requests per task of Stoker on etcd: W1 (enqueue, drain, end to end) of one `stoker serve
# --store etcd` on a fresh 3-member etcd (as bench/etcd.sh starts it), and the gRPC calls the members
# answered (grpc_server_handled_total, summed over the members, by method) and the writes they
# committed (etcd_server_proposals_committed_total), per task over the three phases. Unlike a rate
# or CPU, these barely move with the machine's other load: what a change to the store's round trips
# does, measured. Txn counts write and read transactions; Txn - proposals is about the reads.
# $STOKER is the launcher (default ./stoker); $TASKS (3000) the tasks per phase.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STOKER=${STOKER:-$root/stoker}
TASKS=${TASKS:-3000}
. "$root/bench/etcd-temp.sh" stoker-etcd-calls
"$STOKER" --version >/dev/null
start_stoker stoker-etcd --store etcd --etcd "$ETCD_ENDPOINTS" --etcd-prefix /bench
calls() { # method=count ... proposals=N, over every member
  local e
  for e in ${ETCD_ENDPOINTS//,/ }; do curl -s "$e/metrics"; done | awk '
    /^grpc_server_handled_total/ && /grpc_code="OK"/ {
      match($0, /grpc_method="[A-Za-z]+"/); c[substr($0, RSTART + 13, RLENGTH - 14)] += $2 }
    /^etcd_server_proposals_committed_total/ { if ($2 > p) p = $2 }
    END { for (m in c) printf "%s=%d ", m, c[m]; printf "proposals=%d\n", p }'
}
before=$(calls)
cd "$root"
"$STOKER" bench --server "$url" --tasks "$TASKS" --workloads w1 2>&1 | grep -E ' w1 [a-z-]+: [0-9]+ tasks' || true
after=$(calls)
python3 - "$before" "$after" "$((TASKS * 3))" <<'PY'
import sys
def parse(s): return {k: int(v) for k, v in (x.split('=') for x in s.split())}
before, after, n = parse(sys.argv[1]), parse(sys.argv[2]), int(sys.argv[3])
for k in ('Range', 'Txn', 'proposals'):
    print('%s per task: %.3f' % (k, (after.get(k, 0) - before.get(k, 0)) / n))
PY
