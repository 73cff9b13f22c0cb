package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker rides out a server that is killed (SIGKILL) and restarted on the same data and port. */
class WorkerServerRestartTest {
  /**
   * {@code stoker serve} on a given port. {@link StokerProcess} always passes {@code --listen
   * 127.0.0.1:0}, and picocli refuses a second {@code --listen}, so the restart is launched here, the
   * same way.
   */
  static final class SamePortServer implements AutoCloseable {
    private final Process process;

    private SamePortServer(Process process) {
      this.process = process;
    }

    static SamePortServer start(Path data, int port) throws Exception {
      List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"),
          "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"), "dev.stoker.cli.Main", "serve",
          "--listen", "127.0.0.1:" + port, "--data", data.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("STOKER_LOG_LEVEL", "INFO");
      Process p = pb.start();
      CompletableFuture<Void> listening = new CompletableFuture<>();
      List<String> lines = Collections.synchronizedList(new ArrayList<>());
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            lines.add(line);
            if (line.contains("listening on http://127.0.0.1:" + port)) {
              listening.complete(null);
            }
          }
        } catch (IOException e) {
          // the process is gone
        }
        listening.completeExceptionally(new IllegalStateException("stoker exited before listening:\n"
            + String.join("\n", lines)));
      }, "stoker-output");
      reader.setDaemon(true);
      reader.start();
      try {
        listening.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
        throw new IllegalStateException("stoker did not start on port " + port + ": " + e.getMessage(), e);
      }
      return new SamePortServer(p);
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final int TASKS = 400;

  @TempDir
  Path data;

  @Test
  void the_worker_keeps_going_across_a_server_kill_and_restart_and_every_task_ends_done() throws Exception {
    StokerProcess first = StokerProcess.start(data);
    int port = first.port();
    Set<Integer> executed = ConcurrentHashMap.newKeySet();
    try (StokerClient client = StokerClient.builder().baseUrl(first.url()).requestTimeout(Duration.ofSeconds(5))
        .build()) {
      List<Task> tasks = client.enqueueAll("restart",
          IntStream.range(0, TASKS).mapToObj(i -> TaskRequest.of("work").params(Map.of("i", i))).toList());
      Set<String> ids = tasks.stream().map(Task::id).collect(Collectors.toSet());

      SamePortServer second = null;
      // A short lease, so that a claim whose reply the crash swallowed comes back soon.
      try (Worker worker = Worker.builder(client).queue("restart").concurrency(8).lease(Duration.ofSeconds(2))
          .pollWait(Duration.ofSeconds(1))
          .handler("work", ctx -> {
            Thread.sleep(50);
            executed.add(ctx.params().get("i").asInt());
            return ctx.attempt();
          })
          .build().start()) {
        await().atMost(Duration.ofSeconds(20)).until(() -> client.queue("restart").counts().done() >= 50);
        first.kill();
        assertThat(first.isAlive()).isFalse();
        assertThat(executed.size()).as("killed mid-run").isLessThan(TASKS);
        second = SamePortServer.start(data, port);

        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
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
