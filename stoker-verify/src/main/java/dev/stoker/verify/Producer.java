package dev.stoker.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Enqueues tasks, each with a value unique to the run ({@code p3-17}: producer 3's 17th) in its
 * params, singly (30 %) or in batches of 2 up to the run's batch size (one durable write each,
 * which is what lets a run reach a million tasks), and records each enqueue with its outcome. Stops
 * when the run's task budget is spent.
 */
final class Producer implements Runnable {
  private final int index;
  private final Workload w;
  private final RandomGenerator random;
  private long counter;

  Producer(int index, Workload w, RandomGenerator random) {
    this.index = index;
    this.w = w;
    this.random = random;
  }

  @Override
  public void run() {
    String process = "p" + index;
    Endpoint api = w.node(index);
    while (w.producing() && !Thread.currentThread().isInterrupted()) {
      if (w.acknowledged.get() - w.completed.get() > Workload.MAX_BACKLOG) {
        Workload.pause(20);
        continue;
      }
      int n =
          w.take(w.batch == 1 || random.nextDouble() < 0.3 ? 1 : 2 + random.nextInt(w.batch - 1));
      if (n == 0) {
        return;
      }
      List<String> values = new ArrayList<>(n);
      List<Map<String, Object>> specs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String v = process + "-" + counter++;
        values.add(v);
        specs.add(Map.of("name", "verify", "params", Map.of("v", v)));
      }
      Object body = n == 1 ? specs.get(0) : Map.of("tasks", specs);
      long t0 = w.history.now();
      Endpoint.Reply reply;
      try {
        reply = api.post("/v1/queues/" + Workload.QUEUE + "/tasks", body, Workload.TIMEOUT);
      } catch (InterruptedException e) {
        return; // not sent, or its outcome is unknown: either way no acknowledgement to check
      }
      List<Op.Item> items = new ArrayList<>(n);
      JsonNode tasks = reply.ok() ? (n == 1 ? reply.body() : reply.body().get("tasks")) : null;
      for (int i = 0; i < n; i++) {
        String id = tasks == null ? null : (n == 1 ? tasks : tasks.get(i)).get("id").asText();
        items.add(new Op.Item(values.get(i), id, null, null));
      }
      w.record(process, Op.Fn.ENQUEUE, t0, 0, items, reply);
      if (reply.ok()) {
        w.acknowledged.addAndGet(n);
      } else if (reply.status() == 0) {
        Workload.pause(100); // the server is down or frozen: do not spin
      }
    }
  }
}
