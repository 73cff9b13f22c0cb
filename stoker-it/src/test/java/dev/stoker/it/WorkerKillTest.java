package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stoker.client.ProblemException;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process killed with SIGKILL in the middle of a task: the task is claimed again once the
 * lease runs out and completed by another worker, and the killed worker's token is refused.
 */
class WorkerKillTest {
  @TempDir Path data;

  @Test
  void a_task_of_a_worker_killed_mid_task_is_completed_by_another_after_the_lease()
      throws Exception {
    try (StokerProcess server = StokerProcess.start(data);
        StokerClient client = StokerClient.builder().baseUrl(server.url()).build()) {
      String id = client.enqueue("kill", "long", Map.of("n", 1)).id();
      Process doomed =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "-cp",
                  System.getProperty("java.class.path"),
                  HoldingWorkerMain.class.getName(),
                  server.url(),
                  "kill")
              .redirectErrorStream(true)
              .start();
      String[] holding;
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(doomed.getInputStream()));
        CompletableFuture<String[]> line =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    for (String l = out.readLine(); l != null; l = out.readLine()) {
                      if (l.startsWith("HOLDING ")) {
                        return l.split(" ");
                      }
                    }
                    throw new IllegalStateException("the worker exited without claiming");
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
        holding = line.get(60, TimeUnit.SECONDS);
      } finally {
        doomed.destroyForcibly(); // SIGKILL, mid-task
        doomed.waitFor(30, TimeUnit.SECONDS);
      }
      assertThat(holding[1]).isEqualTo(id);
      String deadToken = holding[2];
      assertThat(client.task(id).orElseThrow().state())
          .as("still held by the dead worker")
          .isEqualTo(TaskState.WORKING);

      AtomicInteger runs = new AtomicInteger();
      try (Worker survivor =
          Worker.builder(client)
              .queue("kill")
              .concurrency(1)
              .pollWait(Duration.ofSeconds(1))
              .defaultHandler(
                  task -> {
                    runs.incrementAndGet();
                    return Map.of("by", "survivor");
                  })
              .build()
              .start()) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> client.task(id).orElseThrow().state() == TaskState.DONE);
      }
      Task done = client.task(id).orElseThrow();
      assertThat(done.attempt()).as("claimed again after the lease").isEqualTo(2);
      assertThat(done.result().get("by").asText()).isEqualTo("survivor");
      assertThat(runs.get()).isEqualTo(1);

      ProblemException refused =
          catchThrowableOfType(ProblemException.class, () -> client.heartbeat(id, deadToken, null));
      assertThat(refused.status()).isEqualTo(409);
      assertThat(refused.state()).isEqualTo(TaskState.DONE);
      ProblemException failRefused =
          catchThrowableOfType(
              ProblemException.class, () -> client.fail(id, deadToken, "late", false, null));
      assertThat(failRefused.status()).isEqualTo(409);
    }
  }
}
