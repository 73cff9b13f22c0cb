package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker rides out a server that is killed (SIGKILL) and restarted on the same data and port. */
class WorkerServerRestartTest {
  private static final int TASKS = 400;

  @TempDir Path data;

  @Test
  void the_worker_keeps_going_across_a_server_kill_and_restart_and_every_task_ends_done()
      throws Exception {
    StokerProcess first = StokerProcess.start(data);
    int port = first.port();
    Set<Integer> executed = ConcurrentHashMap.newKeySet();
    try (StokerClient client =
        StokerClient.builder().baseUrl(first.url()).requestTimeout(Duration.ofSeconds(5)).build()) {
      List<Task> tasks =
          client.enqueueAll(
              "restart",
              IntStream.range(0, TASKS)
                  .mapToObj(i -> TaskRequest.of("work").params(Map.of("i", i)))
                  .toList());
      Set<String> ids = tasks.stream().map(Task::id).collect(Collectors.toSet());

      StokerProcess second = null;
      // A short lease, so that a claim whose reply the crash swallowed comes back soon.
      try (Worker worker =
          Worker.builder(client)
              .queue("restart")
              .concurrency(8)
              .lease(Duration.ofSeconds(2))
              .pollWait(Duration.ofSeconds(1))
              .handler(
                  "work",
                  ctx -> {
                    Thread.sleep(50);
                    executed.add(ctx.params().get("i").asInt());
                    return ctx.attempt();
                  })
              .build()
              .start()) {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> client.queue("restart").counts().done() >= 50);
        first.kill();
        assertThat(first.isAlive()).isFalse();
        assertThat(executed.size()).as("killed mid-run").isLessThan(TASKS);
        second = StokerProcess.start(data, port);

        await()
            .atMost(Duration.ofSeconds(40))
            .pollInterval(Duration.ofMillis(250))
            .ignoreExceptions()
            .until(() -> client.queue("restart").counts().done() == TASKS);
        assertThat(worker.isRunning()).isTrue();

        List<Task> all = client.allTasks("restart", TaskQuery.create().limit(1000)).toList();
        assertThat(all).extracting(Task::id).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(all).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.DONE));
        assertThat(executed).hasSize(TASKS);
      } finally {
        if (second != null) {
          second.close();
        }
        first.close();
      }
    }
  }
}
