#!/usr/bin/env bash
# Stoker on etcd beside the etcd recipe, against the same 3-member etcd cluster, in one `stoker bench`
# run: W1 (enqueue, drain, end to end) of both at 10,000 tasks per phase (the recipe's cap), and the
# depth run of Stoker on that cluster at 10 k and 1 M pending. Starts the cluster with bin/etcd-cluster
# (auto-compaction on, as docs/backends/etcd.md asks; an 8 GiB quota for the million tasks), a Stoker
# server on the embedded store (every bench run measures one) and one over etcd, and stops and deletes
# everything afterwards. Extra arguments go to `stoker bench` (e.g. --json-out etcd.json). $STOKER is
# the launcher (default ./stoker); $TASKS (10000) and $DEPTHS (10000,1000000) change the sizes, and
# $WORKLOADS (w1,depth) what runs (e.g. WORKLOADS=w1: the side-by-side run alone, a few minutes).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STOKER=${STOKER:-$root/stoker}
export ETCD_EXTRA_ARGS="--auto-compaction-mode=revision --auto-compaction-retention=10000 \
--quota-backend-bytes=8589934592 ${ETCD_EXTRA_ARGS:-}"
. "$root/bench/etcd-temp.sh" stoker-etcd-bench

"$STOKER" --version >/dev/null # builds once, before the servers start
start_stoker stoker --data "$work/stoker-data"
server=$url
start_stoker stoker-etcd --store etcd --etcd "$ETCD_ENDPOINTS" --etcd-prefix /bench
cd "$root"
"$STOKER" bench --server "$server" --tasks "${TASKS:-10000}" --workloads "${WORKLOADS:-w1,depth}" --peer "etcd=${ETCD_ENDPOINTS%%,*}" \
  --peer "stoker-etcd=$url" --depths "${DEPTHS:-10000,1000000}" --depth-etcd "$ETCD_ENDPOINTS" "$@"
