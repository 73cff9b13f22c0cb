#!/usr/bin/env python3
"""A worker using only Python's standard library.

Claims with a long poll, heartbeats during a long task, completes, and fails the task named
"flaky" (which is retried, then dead). Each finish claims the next task in the same request, so a
busy worker makes one request per task. Exits once the queue has nothing left to do.
Usage: STOKER_URL=http://127.0.0.1:7654 python3 worker.py [QUEUE]
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

URL = os.environ.get("STOKER_URL", "http://127.0.0.1:7654")
WORKER = f"python-worker-{os.getpid()}"


class LeaseLost(Exception):
    """The server answered 409: our claim is no longer current (or the task is finished)."""


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(URL + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.load(reply)
    except urllib.error.HTTPError as e:
        problem = json.load(e)
        if e.code == 409:
            raise LeaseLost(f"{problem['detail']} (state: {problem.get('state')})") from None
        raise RuntimeError(f"{method} {path} -> {e.code}: {problem['detail']}") from None


def remaining(queue):
    counts = call("GET", f"/v1/queues/{queue}")["counts"]
    return counts["pending"] + counts["scheduled"] + counts["working"]


def transcode(task):
    """Runs longer than the 2 s lease, so it heartbeats every 0.5 s to keep it."""
    end = time.monotonic() + task["params"]["seconds"]
    while time.monotonic() < end:
        time.sleep(0.5)
        call("POST", f"/v1/tasks/{task['id']}/heartbeat", {"token": task["lease"]["token"]})
    return {"transcoded": True}


def run(task):
    """Runs one task and finishes it; the finish claims the next task in the same request."""
    token = task["lease"]["token"]
    claim = {"worker": WORKER, "lease_ms": 2000}
    try:
        if task["name"] == "flaky":
            raise RuntimeError(f"flaky failed on attempt {task['attempt']}")
        result = transcode(task) if task["name"] == "transcode" else {"ok": True, "by": WORKER}
        finished = call("POST", f"/v1/tasks/{task['id']}/complete", {"token": token, "result": result, "claim": claim})
        print(f"done {task['id']} {task['name']} {json.dumps(task['params'])}")
    except LeaseLost as e:
        print(f"lost the lease of {task['id']}: {e}; dropping it", file=sys.stderr)
        return None
    except RuntimeError as e:
        finished = call("POST", f"/v1/tasks/{task['id']}/fail", {"token": token, "error": str(e), "claim": claim})
        print(f"failed {task['id']} {task['name']} attempt {task['attempt']} -> {finished['state']}")
    # The next task, or None when nothing was ready: then the loop long-polls.
    return next(iter(finished["next"]["tasks"]), None)


def main():
    queue = sys.argv[1] if len(sys.argv) > 1 else "examples-python"
    task = None
    while task or remaining(queue) > 0:
        if task is None:
            # Long poll: the server answers as soon as a task is claimable, or with nothing after 5 s.
            claimed = call("POST", f"/v1/queues/{queue}/claim",
                           {"worker": WORKER, "lease_ms": 2000, "wait_ms": 5000})["tasks"]
            if not claimed:
                continue
            task = claimed[0]
        task = run(task)
    print(json.dumps({"queue": queue, "counts": call("GET", f"/v1/queues/{queue}")["counts"]}))


if __name__ == "__main__":
    main()
