package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.Task;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * close(): stop claiming, give back what was not started, let running handlers finish within the
 * grace.
 */
class WorkerShutdownTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  @Test
  void close_releases_unstarted_claims_at_once_and_lets_running_handlers_finish() throws Exception {
    String q = "graceful";
    server
        .client()
        .enqueueAll(
            q, IntStream.range(0, 6).mapToObj(i -> TaskRequest.of("slow").params(i)).toList());
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch proceed = new CountDownLatch(1);
    Set<String> ran = Collections.synchronizedSet(new HashSet<>());
    Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .concurrency(2)
            .prefetch(4) // claims a batch of 6: 2 run, 4 wait
            .pollWait(Duration.ofSeconds(1))
            .shutdownGrace(Duration.ofSeconds(20))
            .handler(
                "slow",
                ctx -> {
                  ran.add(ctx.id());
                  started.countDown();
                  proceed.await(20, TimeUnit.SECONDS);
                  return "finished";
                })
            .build()
            .start();
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.client().queue(q).counts().working() == 6);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close);
    // The 4 claimed-but-unstarted tasks go back while the 2 handlers are still running.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              QueueCounts c = server.client().queue(q).counts();
              assertThat(c.pending()).isEqualTo(4);
              assertThat(c.working()).isEqualTo(2);
            });
    assertThat(closing).as("close() waits for the running handlers").isNotDone();

    proceed.countDown();
    closing.get(20, TimeUnit.SECONDS);
    assertThat(worker.isRunning()).isFalse();
    assertThat(ran).hasSize(2);

    List<Task> tasks = server.client().allTasks(q, TaskQuery.create()).toList();
    assertThat(tasks)
        .filteredOn(t -> ran.contains(t.id()))
        .allSatisfy(
            t -> {
              assertThat(t.state()).isEqualTo(TaskState.DONE);
              assertThat(t.result().asText()).isEqualTo("finished");
            });
    assertThat(tasks)
        .filteredOn(t -> !ran.contains(t.id()))
        .hasSize(4)
        .allSatisfy(
            t -> {
              assertThat(t.state()).isEqualTo(TaskState.PENDING);
              assertThat(t.attempt()).as("a released claim does not count").isZero();
              assertThat(t.lastError()).isNull();
            });
  }

  @Test
  void a_handler_still_running_after_the_grace_is_interrupted_and_its_task_released_not_failed()
      throws Exception {
    String q = "impatient";
    Task t = server.client().enqueue(q, TaskRequest.of("forever"));
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .pollWait(Duration.ofSeconds(1))
            .shutdownGrace(Duration.ofMillis(300))
            .handler(
                "forever",
                ctx -> {
                  started.countDown();
                  try {
                    Thread.sleep(60_000);
                  } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                  }
                  return null;
                })
            .build()
            .start();
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    worker.close();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(interrupted).isTrue();
    assertThat(tookMs).as("close() took the grace, not the handler's minute").isLessThan(10_000);
    Task after = server.client().task(t.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(TaskState.PENDING);
    assertThat(after.attempt()).isZero();
    assertThat(after.lastError()).as("released, not failed").isNull();
  }

  @Test
  void closing_an_idle_worker_lets_its_waiting_claim_come_back_and_gives_back_what_it_brings()
      throws Exception {
    String q = "idle";
    Task warmup = server.client().enqueue(q, TaskRequest.of("any"));
    Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .pollWait(Duration.ofSeconds(20))
            .defaultHandler(ctx -> "ran")
            .build()
            .start();
    // Done means the worker's next claim is already waiting on the server (it overlaps the
    // completion).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.client().task(warmup.id()).orElseThrow().state() == TaskState.DONE);

    long t0 = System.nanoTime();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close);
    await().atMost(Duration.ofSeconds(5)).until(() -> !worker.isRunning());
    // The server hands this task to the waiting claim, the first in line; the closing worker gives
    // it back.
    Task late = server.client().enqueue(q, TaskRequest.of("late"));
    closing.get(15, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
        .as("well before the 20 s poll ends")
        .isLessThan(15_000);

    Task after = server.client().task(late.id()).orElseThrow();
    assertThat(after.state())
        .as("pending, not stuck under an abandoned claim")
        .isEqualTo(TaskState.PENDING);
    assertThat(after.attempt()).isZero();
    assertThat(after.updatedAt()).as("it was claimed and released").isAfter(after.createdAt());
    assertThat(after.result()).isNull();
    assertThat(server.client().claim(q, "other", 1, null, null))
        .extracting(Task::id)
        .containsExactly(late.id());
  }
}
