package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.Task;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code stoker work} stopped the way a terminal stops it: Ctrl-C (SIGINT) or SIGTERM sent to its
 * whole process group, so the commands it runs get the signal too. The tasks those commands were
 * running are given back (pending, the attempt not counted), never failed, and the user sees no
 * failures or JDK spawn-helper errors. A command that dies of a signal without a stop still fails.
 */
class WorkerStopSignalTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();
  @TempDir static Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void commands_stopped_by_the_groups_signal_give_their_tasks_back(String signal) throws Exception {
    String q = "stop-sleeping-" + signal;
    List<String> ids =
        server
            .client()
            .enqueueAll(
                q, IntStream.range(0, 8).mapToObj(i -> TaskRequest.of("sleep").params(i)).toList())
            .stream()
            .map(Task::id)
            .toList();
    Path started = Files.createDirectories(dir.resolve(q));
    // Each command says it runs, then sleeps well past the test: only the signal ends it.
    Group worker =
        Group.start(
            dir.resolve(q + ".log"),
            List.of(
                "work",
                "--queue",
                q,
                "--concurrency",
                "8",
                "--",
                "sh",
                "-c",
                "touch " + started + "/$STOKER_TASK_ID; sleep 120"));
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> list(started) == 8);
      worker.signal(signal);
      assertThat(worker.waitFor(Duration.ofSeconds(60)))
          .as("exit code, output:%n%s", worker.output())
          .isZero();
    } finally {
      worker.kill();
    }

    List<Task> tasks = server.client().allTasks(q, TaskQuery.create()).toList();
    assertThat(tasks).extracting(Task::id).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(tasks)
        .as("output:%n%s", worker.output())
        .allSatisfy(
            t -> {
              assertThat(t.state()).as("task %s", t.id()).isEqualTo(TaskState.PENDING);
              assertThat(t.attempt())
                  .as("the interrupted attempt of %s is not counted", t.id())
                  .isZero();
              assertThat(t.lastError()).as("%s was given back, not failed", t.id()).isNull();
            });
    assertThat(worker.output()).doesNotContain("failed on attempt");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void a_stop_while_commands_start_and_end_fails_nothing(String signal) throws Exception {
    // Short commands: the signal often finds one being spawned (the JDK's spawn helper gets it
    // too).
    String q = "stop-churning-" + signal;
    server
        .client()
        .enqueueAll(
            q, IntStream.range(0, 2_000).mapToObj(i -> TaskRequest.of("short").params(i)).toList());
    Group worker =
        Group.start(
            dir.resolve(q + ".log"),
            List.of("work", "--queue", q, "--concurrency", "8", "--", "sh", "-c", "sleep 0.02"));
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> server.client().queue(q).counts().done() >= 50);
      worker.signal(signal);
      assertThat(worker.waitFor(Duration.ofSeconds(60)))
          .as("exit code, output:%n%s", worker.output())
          .isZero();
    } finally {
      worker.kill();
    }

    QueueCounts c = server.client().queue(q).counts();
    assertThat(c.done() + c.pending())
        .as("every task is done or pending: %s%n%s", c, worker.output())
        .isEqualTo(2_000);
    try (Stream<Task> pending =
        server.client().allTasks(q, TaskQuery.create().state(TaskState.PENDING))) {
      assertThat(pending)
          .allSatisfy(
              t -> {
                assertThat(t.attempt()).as("task %s", t.id()).isZero();
                assertThat(t.lastError()).as("task %s", t.id()).isNull();
              });
    }
    assertThat(worker.output()).doesNotContain("failed on attempt").doesNotContain("spawn helper");
  }

  @Test
  void a_command_killed_by_a_signal_while_work_runs_on_fails_as_before() throws Exception {
    String q = "stop-not-ours";
    Task t = server.client().enqueue(q, TaskRequest.of("self-kill"));
    // The command dies of SIGTERM, but no stop signal reaches `stoker work`: a failure like any
    // other.
    Group worker =
        Group.start(
            dir.resolve(q + ".log"),
            List.of("work", "--queue", q, "--", "sh", "-c", "kill -TERM $$"));
    try {
      Task dead =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> server.client().task(t.id()).orElseThrow(),
                  x -> x.state() == TaskState.DEAD);
      assertThat(dead.lastError()).isEqualTo("exit 143");
      assertThat(dead.attempt()).isEqualTo(1);
    } finally {
      worker
          .kill(); // idle, its claim waits out a 30 s poll on close: no need to wait for that here
    }
  }

  private static long list(Path started) throws IOException {
    try (Stream<Path> files = Files.list(started)) {
      return files.count();
    }
  }

  /**
   * {@code stoker ARGS} in a process group of its own, as a shell runs a foreground job, with
   * SIGINT and SIGTERM at their defaults (a background job of a script inherits them ignored).
   */
  private record Group(Process process, Path log) {
    static Group start(Path log, List<String> args) throws IOException {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "perl",
                  "-e",
                  "$SIG{INT} = $SIG{TERM} = 'DEFAULT'; setpgrp(0, 0) or die $!; exec @ARGV or die $!"));
      cmd.addAll(Cli.builder(Map.of(), args).command());
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("STOKER_URL", server.url());
      return new Group(pb.start(), log);
    }

    /**
     * Sends SIGname to the whole group, as a terminal's Ctrl-C (INT) or {@code kill -TERM -PGID}
     * does.
     */
    void signal(String name) throws IOException, InterruptedException {
      Process k =
          new ProcessBuilder("kill", "-" + name, "--", "-" + process.pid())
              .redirectErrorStream(true)
              .start();
      String out = new String(k.getInputStream().readAllBytes());
      assertThat(k.waitFor()).as("kill -%s -- -%d: %s", name, process.pid(), out).isZero();
    }

    int waitFor(Duration within) throws InterruptedException {
      assertThat(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS))
          .as("stopped within %s", within)
          .isTrue();
      return process.exitValue();
    }

    String output() throws IOException {
      return Files.readString(log);
    }

    /** SIGKILL to what is left of the group (nothing, when the test passed). */
    void kill() throws IOException, InterruptedException {
      new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    }
  }
}
