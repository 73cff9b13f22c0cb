package dev.stoker.examples;

import dev.stoker.client.QueueSettings;
import dev.stoker.client.SettingsUpdate;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A task provider: enqueues one batch with priorities, a delayed task, a long task and a task that
 * always fails. Run with {@code STOKER_URL} pointing at a server; the queue is the first argument.
 */
public final class Provider {
  public static void main(String[] args) {
    String queue = args.length > 0 ? args[0] : "examples-java";
    try (StokerClient client =
        StokerClient.builder()
            .baseUrl(System.getenv().getOrDefault("STOKER_URL", "http://127.0.0.1:7654"))
            .build()) {
      // Retry quickly and give up after two attempts, so the failing task shows the dead state
      // soon.
      QueueSettings settings =
          client.updateSettings(
              queue,
              SettingsUpdate.create()
                  .maxAttempts(2)
                  .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1)));
      System.out.println("queue " + queue + ": max_attempts " + settings.maxAttempts());

      // One batch, all or nothing: higher priority runs first; one task waits a second.
      List<Task> tasks =
          client.enqueueAll(
              queue,
              List.of(
                  TaskRequest.of("resize")
                      .params(Map.of("image", "cat.png", "width", 640))
                      .priority(10),
                  TaskRequest.of("resize")
                      .params(Map.of("image", "dog.png", "width", 640))
                      .priority(5),
                  TaskRequest.of("resize").params(Map.of("image", "bird.png", "width", 320)),
                  TaskRequest.of("report")
                      .params(Map.of("month", "2026-11"))
                      .delay(Duration.ofSeconds(1)),
                  TaskRequest.of("transcode").params(Map.of("video", "talk.mp4", "seconds", 3)),
                  TaskRequest.of("flaky")
                      .params(
                          Map.of("reason", "always fails, to show retries and the dead state"))));
      for (Task t : tasks) {
        System.out.println(
            "enqueued "
                + t.id()
                + " "
                + t.name()
                + " priority="
                + t.priority()
                + " run_at="
                + t.runAt());
      }
    }
  }
}
