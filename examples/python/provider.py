#!/usr/bin/env python3
"""A task provider using only Python's standard library.

Enqueues one batch with priorities, a delayed task, a long task and a task that always fails.
Usage: STOKER_URL=http://127.0.0.1:7654 python3 provider.py [QUEUE]
"""
import json
import os
import sys
import urllib.request

URL = os.environ.get("STOKER_URL", "http://127.0.0.1:7654")


def call(method, path, body):
    request = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def main():
    queue = sys.argv[1] if len(sys.argv) > 1 else "examples-python"
    # Retry quickly and give up after two attempts, so the failing task shows the dead state soon.
    call("PUT", f"/v1/queues/{queue}",
         {"max_attempts": 2, "backoff": {"initial_ms": 200, "multiplier": 2.0, "max_ms": 1000}})
    batch = {"tasks": [
        {"name": "resize", "params": {"image": "cat.png", "width": 640}, "priority": 10},
        {"name": "resize", "params": {"image": "dog.png", "width": 640}, "priority": 5},
        {"name": "resize", "params": {"image": "bird.png", "width": 320}},
        {"name": "report", "params": {"month": "2026-11"}, "delay_ms": 1000},
        {"name": "transcode", "params": {"video": "talk.mp4", "seconds": 3}},
        {"name": "flaky", "params": {"reason": "always fails, to show retries and the dead state"}},
    ]}
    for task in call("POST", f"/v1/queues/{queue}/tasks", batch)["tasks"]:
        print(f"enqueued {task['id']} {task['name']} priority={task['priority']} run_at={task['run_at']}")


if __name__ == "__main__":
    main()
