#!/usr/bin/env bash
# A task provider in plain shell: enqueues one batch with priorities, a delayed task, a long task
# and a task that always fails. Needs curl and jq.  Usage: STOKER_URL=http://127.0.0.1:7654 ./provider.sh [QUEUE]
set -euo pipefail
url=${STOKER_URL:-http://127.0.0.1:7654}
queue=${1:-examples-shell}

# Retry quickly and give up after two attempts, so the failing task shows the dead state soon.
curl -sf -X PUT "$url/v1/queues/$queue" -H 'Content-Type: application/json' \
  -d '{"max_attempts": 2, "backoff": {"initial_ms": 200, "multiplier": 2.0, "max_ms": 1000}}' >/dev/null

# One batch, all or nothing: higher priority runs first; one task waits 1 s before it can run.
curl -sf "$url/v1/queues/$queue/tasks" -H 'Content-Type: application/json' -d @- <<'JSON' |
{"tasks": [
  {"name": "resize", "params": {"image": "cat.png",  "width": 640}, "priority": 10},
  {"name": "resize", "params": {"image": "dog.png",  "width": 640}, "priority": 5},
  {"name": "resize", "params": {"image": "bird.png", "width": 320}},
  {"name": "report", "params": {"month": "2026-11"}, "delay_ms": 1000},
  {"name": "transcode", "params": {"video": "talk.mp4", "seconds": 3}},
  {"name": "flaky",  "params": {"reason": "always fails, to show retries and the dead state"}}
]}
JSON
  jq -r '.tasks[] | "enqueued \(.id) \(.name) priority=\(.priority) run_at=\(.run_at)"'
