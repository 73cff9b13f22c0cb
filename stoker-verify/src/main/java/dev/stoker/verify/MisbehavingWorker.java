package dev.stoker.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;

/**
 * A worker that misbehaves on purpose, as real ones do now and then. It claims up to the run's
 * batch size at a time under a short lease and heartbeats every task it holds at a third of the
 * lease. Per task it completes (90 %), fails it for a retry (5 %), releases it (3 %) or stalls (2
 * %: stops heartbeating that task for 1.3–2.2 leases, then heartbeats and completes it late with
 * its stale token). The completions of one claim go out at once in one request (complete many),
 * except that 3 % of the claims keep one task back and work on it for 0.8 of a lease, through two
 * heartbeats, before completing it alone. And 2 % of the claims end in a crash: the worker abandons
 * everything it holds, as a killed process would, and comes back as a new worker. In a run without
 * faults it neither crashes nor stalls; while draining it only completes.
 */
final class MisbehavingWorker implements Runnable {
  private static final int WAIT_MS = 500;

  /** A claim this worker holds. */
  private static final class Held {
    final String value;
    final String id;
    final String token;

    /** When the next heartbeat is due, on the history's clock. */
    long dueNs;

    boolean lost;

    Held(String value, String id, String token, long dueNs) {
      this.value = value;
      this.id = id;
      this.token = token;
      this.dueNs = dueNs;
    }

    Op.Item item() {
      return new Op.Item(value, id, token, null);
    }
  }

  private final int index;
  private final Workload w;
  private final RandomGenerator random;
  private final Endpoint api;
  private final Map<String, Held> held = new LinkedHashMap<>();
  private int incarnation;

  MisbehavingWorker(int index, Workload w, RandomGenerator random) {
    this.index = index;
    this.w = w;
    this.random = random;
    this.api = w.node(index);
  }

  private String process() {
    return "w" + index;
  }

  @Override
  public void run() {
    try {
      while (w.working()) {
        work(claim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private List<Held> claim() throws InterruptedException {
    Map<String, Object> body =
        Map.of(
            "worker",
            process() + "." + incarnation,
            "max",
            1 + random.nextInt(w.batch),
            "lease_ms",
            w.leaseMs,
            "wait_ms",
            WAIT_MS);
    long t0 = w.history.now();
    Endpoint.Reply reply =
        api.post(
            "/v1/queues/" + Workload.QUEUE + "/claim", body, Workload.TIMEOUT.plusMillis(WAIT_MS));
    List<Held> batch = new ArrayList<>();
    List<Op.Item> items = new ArrayList<>();
    if (reply.ok()) {
      for (JsonNode t : reply.body().get("tasks")) {
        Held h =
            new Held(
                t.at("/params/v").asText(),
                t.get("id").asText(),
                t.at("/lease/token").asText(),
                t0 + w.leaseMs * 1_000_000L / 3);
        batch.add(h);
        held.put(h.value, h);
        items.add(
            new Op.Item(
                h.value,
                h.id,
                h.token,
                t.get("state").asText(),
                t.hasNonNull("version") ? t.get("version").asText() : null));
      }
    }
    w.record(process(), Op.Fn.CLAIM, t0, w.leaseMs, items, reply);
    if (!reply.ok() && reply.status() == 0) {
      Thread.sleep(100); // the server is down or frozen: do not spin
    }
    return batch;
  }

  /**
   * Does what this worker decides for each task of one claim. The completions (in one request), the
   * fails and the releases (one request each) go out at once, side by side, so that a large claim
   * is done within about one round trip of its reply: one after the other, on a loaded machine, the
   * last of them would arrive after its lease had run out (and heartbeating a hundred tasks one by
   * one takes longer still). The task kept back for long work, if any, comes last.
   */
  private void work(List<Held> batch) throws InterruptedException {
    if (batch.isEmpty()) {
      return;
    }
    boolean drain = w.draining();
    if (w.misbehave && !drain && random.nextDouble() < 0.02) {
      crash();
      return;
    }
    List<Held> complete = new ArrayList<>(batch.size());
    List<Callable<Void>> requests = new ArrayList<>();
    for (Held h : batch) {
      double r = drain ? 0 : random.nextDouble();
      if (r < 0.90 || (r >= 0.98 && !w.misbehave)) {
        complete.add(h);
      } else if (r < 0.95) {
        held.remove(h.value);
        Map<String, Object> body =
            Map.of(
                "token",
                h.token,
                "error",
                "injected by verify",
                "retry_in_ms",
                random.nextInt(200));
        requests.add(() -> finish(h, Op.Fn.FAIL, body));
      } else if (r < 0.98) {
        held.remove(h.value);
        requests.add(() -> finish(h, Op.Fn.RELEASE, Map.of("token", h.token)));
      } else {
        stall(h);
      }
    }
    // Now and then one task needs work long enough for two heartbeats.
    Held slow =
        !drain && !complete.isEmpty() && random.nextDouble() < 0.03 ? complete.removeLast() : null;
    complete.forEach(h -> held.remove(h.value));
    requests.add(() -> completeAll(complete));
    try (ExecutorService side = Executors.newVirtualThreadPerTaskExecutor()) {
      side.invokeAll(requests);
    }
    if (slow != null) {
      sleepHeartbeating(w.leaseMs * 4 / 5);
      held.remove(slow.value);
      finish(slow, Op.Fn.COMPLETE, Map.of("token", slow.token, "result", Map.of("by", process())));
    }
  }

  /**
   * Completes {@code tasks} in one request (complete many, one durable write), or one alone through
   * its own endpoint. Each task's completion is an operation of its own in the history, with its
   * own outcome from the reply's results; when the request as a whole failed or its outcome is
   * unknown, so is each task's.
   */
  private Void completeAll(List<Held> tasks) throws InterruptedException {
    if (tasks.size() == 1) {
      Held h = tasks.getFirst();
      return finish(h, Op.Fn.COMPLETE, Map.of("token", h.token, "result", Map.of("by", process())));
    }
    if (tasks.isEmpty()) {
      return null;
    }
    List<Map<String, Object>> entries = new ArrayList<>(tasks.size());
    for (Held h : tasks) {
      entries.add(Map.of("id", h.id, "token", h.token, "result", Map.of("by", process())));
    }
    long t0 = w.history.now();
    Endpoint.Reply reply =
        api.post("/v1/tasks/complete", Map.of("tasks", entries), Workload.TIMEOUT);
    JsonNode results = reply.ok() ? reply.body().get("results") : null;
    for (int i = 0; i < tasks.size(); i++) {
      JsonNode result = results == null ? null : results.get(i);
      Endpoint.Reply outcome =
          !reply.ok()
              ? reply
              : result == null
                  ? new Endpoint.Reply(
                      Op.Type.INFO, reply.status(), null, "no result for this task in the reply")
                  : Endpoint.Reply.of(result.get("status").asInt(), result);
      w.record(process(), Op.Fn.COMPLETE, t0, 0, List.of(tasks.get(i).item()), outcome);
      if (outcome.ok()) {
        w.completed.incrementAndGet();
      }
    }
    return null;
  }

  /** Completes, fails or releases a task this worker no longer holds, whatever the outcome. */
  private Void finish(Held h, Op.Fn f, Map<String, Object> body) throws InterruptedException {
    long t0 = w.history.now();
    Endpoint.Reply reply =
        api.post("/v1/tasks/" + h.id + "/" + f.name().toLowerCase(), body, Workload.TIMEOUT);
    w.record(process(), f, t0, 0, List.of(h.item()), reply);
    if (f == Op.Fn.COMPLETE && reply.ok()) {
      w.completed.incrementAndGet();
    }
    return null;
  }

  /**
   * Abandons every claim this worker holds, as if its process had died, and starts over as a new
   * worker.
   */
  private void crash() {
    long t0 = w.history.now();
    w.event(
        process(),
        Op.Fn.CRASH,
        t0,
        held.values().stream().map(Held::item).toList(),
        "abandons its claims");
    held.clear();
    incarnation++;
  }

  /**
   * Stops heartbeating {@code h} for 1.3–2.2 leases, then heartbeats and completes it late with its
   * stale token. The stalled part runs on a thread of its own (a stalled worker process) so that
   * this worker carries on.
   */
  private void stall(Held h) {
    held.remove(h.value);
    long t0 = w.history.now();
    long ms = w.leaseMs * (13 + random.nextInt(10)) / 10;
    w.stalled(
        Thread.ofVirtual()
            .name(process() + "-stalled")
            .start(
                () -> {
                  try {
                    Thread.sleep(ms);
                    w.event(
                        process(),
                        Op.Fn.STALL,
                        t0,
                        List.of(h.item()),
                        "no heartbeat for " + ms + " ms");
                    heartbeat(h);
                    finish(
                        h,
                        Op.Fn.COMPLETE,
                        Map.of("token", h.token, "result", Map.of("by", process(), "late", true)));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
  }

  /**
   * Sleeps {@code ms}, heartbeating every held task whose last renewal is a third of a lease old.
   */
  private void sleepHeartbeating(long ms) throws InterruptedException {
    long until = System.nanoTime() + ms * 1_000_000L;
    while (true) {
      for (Held h : List.copyOf(held.values())) {
        if (!h.lost && w.history.now() >= h.dueNs) {
          heartbeat(h);
        }
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Thread.sleep(Duration.ofNanos(Math.min(left, 50_000_000L)));
    }
  }

  private void heartbeat(Held h) throws InterruptedException {
    long t0 = w.history.now();
    Endpoint.Reply reply =
        api.post(
            "/v1/tasks/" + h.id + "/heartbeat",
            Map.of("token", h.token, "lease_ms", w.leaseMs),
            Workload.TIMEOUT);
    w.record(process(), Op.Fn.HEARTBEAT, t0, w.leaseMs, List.of(h.item()), reply);
    if (reply.ok()) {
      h.dueNs = t0 + w.leaseMs * 1_000_000L / 3;
    } else if (reply.status() == 409) {
      h.lost = true; // the lease is gone; the work may still be completed late
    } else {
      h.dueNs =
          w.history.now() + 200_000_000L; // try again soon, without flooding a server that is down
    }
  }
}
