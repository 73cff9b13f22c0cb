package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In a healthy run, a worker executes every task exactly once. */
class WorkerExactlyOnceTest {
  private static final int TASKS = 10_000;

  @TempDir Path data;

  @Test
  void a_worker_with_concurrency_16_runs_10000_tasks_each_exactly_once() throws Exception {
    try (StokerProcess server = StokerProcess.start(data);
        StokerClient client = StokerClient.builder().baseUrl(server.url()).build()) {
      List<TaskRequest> requests = new ArrayList<>(TASKS);
      for (int i = 0; i < TASKS; i++) {
        requests.add(TaskRequest.of("square").params(Map.of("n", i)));
      }
      List<Task> enqueued = client.enqueueAll("exactly-once", requests);
      assertThat(enqueued).hasSize(TASKS);

      Map<Integer, AtomicInteger> executions = new ConcurrentHashMap<>();
      AtomicInteger concurrent = new AtomicInteger();
      AtomicInteger maxConcurrent = new AtomicInteger();
      try (Worker worker =
          Worker.builder(client)
              .queue("exactly-once")
              .concurrency(16)
              .worker("w-exactly-once")
              .pollWait(Duration.ofSeconds(1)) // close() waits for an idle worker's poll
              .handler(
                  "square",
                  ctx -> {
                    int now = concurrent.incrementAndGet();
                    maxConcurrent.accumulateAndGet(now, Math::max);
                    try {
                      int n = ctx.params().get("n").asInt();
                      executions.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
                      return Map.of("square", (long) n * n);
                    } finally {
                      concurrent.decrementAndGet();
                    }
                  })
              .build()
              .start()) {
        assertThat(worker.name()).isEqualTo("w-exactly-once");
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> client.queue("exactly-once").counts().done() == TASKS);
      }

      assertThat(executions).hasSize(TASKS);
      assertThat(executions.entrySet())
          .allSatisfy(
              e ->
                  assertThat(e.getValue().get())
                      .as("executions of task %d", e.getKey())
                      .isEqualTo(1));
      assertThat(maxConcurrent.get()).isBetween(1, 16);
      QueueCounts counts = client.queue("exactly-once").counts();
      assertThat(counts.done()).isEqualTo(TASKS);
      assertThat(counts.live() + counts.dead() + counts.cancelled()).isZero();
      Task sample = client.task(enqueued.get(4_321).id()).orElseThrow();
      assertThat(sample.state()).isEqualTo(TaskState.DONE);
      assertThat(sample.attempt()).isEqualTo(1);
      assertThat(sample.result().get("square").asLong()).isEqualTo(4_321L * 4_321L);
    }
  }
}
