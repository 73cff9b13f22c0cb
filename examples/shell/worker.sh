#!/usr/bin/env bash
# A worker in plain shell: claims with a long poll, heartbeats during a long task, completes, and
# fails the task named "flaky" (which is retried, then dead), each finish claiming the next task. Exits once the queue has nothing left
# to do. Needs curl and jq.  Usage: STOKER_URL=http://127.0.0.1:7654 ./worker.sh [QUEUE]
set -euo pipefail
url=${STOKER_URL:-http://127.0.0.1:7654}
queue=${1:-examples-shell}
me="shell-worker-$$"

post() { # post PATH JSON: prints the reply body, fails on a non-2xx status except 409
  local reply status
  reply=$(curl -s -w '\n%{http_code}' "$url$1" -H 'Content-Type: application/json' -d "$2")
  status=${reply##*$'\n'}
  [ "$status" -lt 300 ] || [ "$status" -eq 409 ] || { echo "POST $1 -> $status: ${reply%$'\n'*}" >&2; return 1; }
  printf '%s' "${reply%$'\n'*}"
}

remaining() { # tasks still to run: pending + scheduled + working
  curl -sf "$url/v1/queues/$queue" | jq '.counts.pending + .counts.scheduled + .counts.working'
}

# Each finish (complete, fail) claims the next task in the same request ("claim"), so a busy worker
# makes one request per task; it claims on its own, with a long poll, only when that finds nothing.
claim="{\"worker\": \"$me\", \"lease_ms\": 2000}"
task=""
while [ -n "$task" ] || [ "$(remaining)" -gt 0 ]; do
  if [ -z "$task" ]; then
    # Long poll: the server answers as soon as a task is claimable, or with nothing after 5 s.
    task=$(post "/v1/queues/$queue/claim" "{\"worker\": \"$me\", \"lease_ms\": 2000, \"wait_ms\": 5000}" | jq -c '.tasks[0] // empty')
    [ -n "$task" ] || continue
  fi
  id=$(jq -r .id <<<"$task"); name=$(jq -r .name <<<"$task"); token=$(jq -r .lease.token <<<"$task")
  attempt=$(jq -r .attempt <<<"$task")
  case "$name" in
    transcode)
      # Longer than the 2 s lease: heartbeat every 0.5 s so the lease never runs out.
      seconds=$(jq -r .params.seconds <<<"$task")
      end=$(( $(date +%s) + seconds ))
      while [ "$(date +%s)" -lt "$end" ]; do
        sleep 0.5
        state=$(post "/v1/tasks/$id/heartbeat" "{\"token\": \"$token\"}" | jq -r '.state')
        [ "$state" = working ] || { echo "lost the lease of $id ($state); stopping it" >&2; task=""; continue 2; }
      done
      finished=$(post "/v1/tasks/$id/complete" "{\"token\": \"$token\", \"result\": {\"transcoded\": true}, \"claim\": $claim}")
      echo "done $id $name after $seconds s of heartbeats";;
    flaky)
      finished=$(post "/v1/tasks/$id/fail" "{\"token\": \"$token\", \"error\": \"flaky failed on attempt $attempt\", \"claim\": $claim}")
      echo "failed $id $name attempt $attempt -> $(jq -r .state <<<"$finished")";;
    *)
      finished=$(post "/v1/tasks/$id/complete" "{\"token\": \"$token\", \"result\": {\"ok\": true, \"by\": \"$me\"}, \"claim\": $claim}")
      echo "done $id $name $(jq -c .params <<<"$task")";;
  esac
  # the next task, claimed by the finish; none when the queue had nothing ready (or the finish got 409)
  task=$(jq -c '.next.tasks[0] // empty' <<<"$finished")
done
curl -sf "$url/v1/queues/$queue" | jq -c '{queue: .name, counts: .counts}'
