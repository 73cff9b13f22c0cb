package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.ProblemException;
import dev.stoker.client.Task;
import dev.stoker.client.TaskContext;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases: a dead worker's task is taken over; a worker that loses a lease stops and reports
 * nothing.
 */
class WorkerLeaseTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  @Test
  void
      a_task_whose_worker_stopped_heartbeating_is_taken_over_after_its_lease_and_the_stale_token_is_refused()
          throws Exception {
    Task t = server.client().enqueue("takeover", TaskRequest.of("slow").params("payload"));
    // A worker claims with a short lease, then blocks and never heartbeats: it is as good as dead.
    Task dead =
        server.client().claim("takeover", "dead-worker", 1, Duration.ofMillis(500), null).get(0);
    assertThat(dead.id()).isEqualTo(t.id());
    String staleToken = dead.lease().token();

    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    AtomicReference<TaskContext> seen = new AtomicReference<>();
    try (Worker worker =
        Worker.builder(server.client())
            .queue("takeover")
            .worker("live-worker")
            .lease(Duration.ofSeconds(30))
            .pollWait(Duration.ofSeconds(1))
            .handler(
                "slow",
                ctx -> {
                  seen.set(ctx);
                  started.countDown();
                  if (!proceed.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the handler finish");
                  }
                  return "taken over by " + ctx.task().lease().owner();
                })
            .build()
            .start()) {
      assertThat(worker.isRunning()).isTrue();
      // The waiting claim of the live worker is woken by the expiry of the dead worker's lease.
      assertThat(started.await(20, TimeUnit.SECONDS))
          .as("the live worker took the task over")
          .isTrue();
      assertThat(seen.get().id()).isEqualTo(t.id());
      assertThat(seen.get().attempt()).isEqualTo(2);
      assertThat(seen.get().params(String.class)).isEqualTo("payload");
      assertThat(server.client().task(t.id()).orElseThrow().lease().owner())
          .isEqualTo("live-worker");

      ProblemException beat =
          catchThrowableOfType(
              ProblemException.class, () -> server.client().heartbeat(t.id(), staleToken, null));
      assertThat(beat.isLeaseLost()).isTrue();
      assertThat(beat.status()).isEqualTo(409);
      assertThat(beat.state()).isEqualTo(TaskState.WORKING);
      assertThat(
              catchThrowableOfType(
                      ProblemException.class,
                      () -> server.client().fail(t.id(), staleToken, "too late", false, null))
                  .isLeaseLost())
          .isTrue();

      proceed.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> server.client().task(t.id()).orElseThrow().state() == TaskState.DONE);
    }
    Task done = server.client().task(t.id()).orElseThrow();
    assertThat(done.result().asText()).isEqualTo("taken over by live-worker");
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(seen.get().leaseLost()).isFalse();
  }

  @Test
  void a_worker_whose_heartbeat_is_refused_interrupts_the_handler_and_reports_nothing()
      throws Exception {
    Task t = server.client().enqueue("lost", TaskRequest.of("long"));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch returned = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicReference<TaskContext> seen = new AtomicReference<>();
    try (Worker worker =
        Worker.builder(server.client())
            .queue("lost")
            .worker("loser")
            .lease(Duration.ofMillis(900)) // heartbeats every 300 ms
            .pollWait(Duration.ofSeconds(1))
            .handler(
                "long",
                ctx -> {
                  seen.set(ctx);
                  started.countDown();
                  try {
                    Thread.sleep(30_000);
                  } catch (InterruptedException e) {
                    interrupted.set(true);
                  }
                  returned.countDown();
                  return "must not be reported"; // a completion would be accepted: the worker must
                  // not send it
                })
            .build()
            .start()) {
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.isRunning()).isTrue();
      // Someone else ends the loser's claim and takes the task: the loser's next heartbeat is
      // refused.
      server.client().release(t.id(), seen.get().task().lease().token(), null);
      List<Task> taken = server.client().claim("lost", "winner", 1, Duration.ofMinutes(5), null);
      assertThat(taken).extracting(Task::id).containsExactly(t.id());

      assertThat(returned.await(10, TimeUnit.SECONDS)).as("the handler was stopped").isTrue();
      assertThat(interrupted).isTrue();
      assertThat(seen.get().leaseLost()).isTrue();
    } // close() returns once the handler's run is over, outcome (not) reported
    Task after = server.client().task(t.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(TaskState.WORKING);
    assertThat(after.lease().owner()).isEqualTo("winner");
    assertThat(after.result()).isNull();
    assertThat(after.lastError()).isNull();
  }
}
