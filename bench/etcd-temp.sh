# Sourced by bench/etcd.sh and bench/etcd-cpu.sh: a scratch directory $work (/tmp/NAME.XXXXXX, NAME
# the first argument) with a 3-member etcd cluster in it (bin/etcd-cluster, $ETCD_ENDPOINTS set), and
# bench/stoker-serve.sh's start_stoker; on exit every `stoker serve` it started and the cluster are
# stopped and the directory deleted. Needs $root.
work=$(mktemp -d "/tmp/$1.XXXXXX")
. "$root/bench/stoker-serve.sh"
cleanup() {
  for pid in "${stoker_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  "$root/bin/etcd-cluster" stop "$work/etcd" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
eval "$("$root/bin/etcd-cluster" start 3 "$work/etcd" | grep '^ETCD_')"
echo "bench: etcd at $ETCD_ENDPOINTS" >&2
