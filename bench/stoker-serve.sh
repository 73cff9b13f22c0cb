# Sourced by the bench scripts: starts `stoker serve` processes on free loopback ports.
# Needs $root (the repository) and $work (a scratch directory for the logs); records each pid in the
# array stoker_pids, for the caller's cleanup to stop.
stoker_pids=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_stoker NAME ARGS...: `stoker serve ARGS` on a free loopback port, its log in $work/NAME.log;
# returns once it is healthy, with $url and $port set.
start_stoker() {
  local name=$1
  shift
  port=$(free_port)
  "${STOKER:-$root/stoker}" serve --listen "127.0.0.1:$port" "$@" >"$work/$name.log" 2>&1 &
  stoker_pids+=($!)
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/$name.log" >&2; exit 1; }
  echo "bench: $name on :$port" >&2
  url="http://127.0.0.1:$port"
}
