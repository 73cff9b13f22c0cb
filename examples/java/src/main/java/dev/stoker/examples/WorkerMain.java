package dev.stoker.examples;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Worker;
import java.time.Duration;
import java.util.Map;

/**
 * A worker: long-polls for tasks, heartbeats (automatically) through a task longer than its lease,
 * completes, and fails the task named "flaky" until it is dead. Its completions and failures claim
 * the next tasks in the same request (the Worker does it), so it long-polls only when the queue
 * runs dry. Stops once the queue has nothing left to run.
 */
public final class WorkerMain {
  public static void main(String[] args) throws InterruptedException {
    String queue = args.length > 0 ? args[0] : "examples-java";
    try (StokerClient client =
            StokerClient.builder()
                .baseUrl(System.getenv().getOrDefault("STOKER_URL", "http://127.0.0.1:7654"))
                .build();
        Worker worker =
            Worker.builder(client)
                .queue(queue)
                .concurrency(4)
                .pollWait(Duration.ofSeconds(2)) // an idle worker closes within this
                .lease(Duration.ofSeconds(2)) // short, so the 3 s transcode needs its heartbeats
                .handler(
                    "resize",
                    task -> {
                      Map<?, ?> p = task.params(Map.class);
                      System.out.println(
                          "done "
                              + task.id()
                              + " resize "
                              + p.get("image")
                              + " to "
                              + p.get("width"));
                      return Map.of("resized", p.get("image"));
                    })
                .handler(
                    "report",
                    task -> {
                      System.out.println(
                          "done " + task.id() + " report " + task.params().get("month").asText());
                      return Map.of("rows", 42);
                    })
                .handler(
                    "transcode",
                    task -> {
                      long seconds = task.params().get("seconds").asLong();
                      // The worker heartbeats every third of the lease while this runs; if the
                      // lease is
                      // lost anyway, the handler is interrupted and its result is not reported.
                      Thread.sleep(Duration.ofSeconds(seconds));
                      System.out.println(
                          "done " + task.id() + " transcode after " + seconds + " s of heartbeats");
                      return Map.of("transcoded", true);
                    })
                .handler(
                    "flaky",
                    task -> {
                      System.out.println(
                          "failing " + task.id() + " flaky on attempt " + task.attempt());
                      throw new IllegalStateException("flaky failed on attempt " + task.attempt());
                    })
                .build()
                .start()) {
      while (remaining(client.queue(queue).counts()) > 0) {
        Thread.sleep(200);
      }
      System.out.println("counts: " + client.queue(queue).counts());
    }
  }

  private static long remaining(QueueCounts c) {
    return c.pending() + c.scheduled() + c.working();
  }
}
