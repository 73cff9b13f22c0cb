package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.PermanentFailure;
import dev.stoker.client.ReleaseTask;
import dev.stoker.client.RetryLater;
import dev.stoker.client.SettingsUpdate;
import dev.stoker.client.Task;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a handler does becomes the task's outcome: a result, a failure, a timeout, a release. */
class WorkerOutcomesTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  record Order(String sku, int quantity) {}

  private static Task awaitState(String id, TaskState state) {
    return await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> server.client().task(id).orElseThrow(), t -> t.state() == state);
  }

  @Test
  void the_handler_gets_the_traceparent_the_task_was_enqueued_with() {
    String q = "traced-worker";
    String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    Task t = server.client().enqueue(q, TaskRequest.of("traced").traceparent(trace));
    try (Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .pollWait(Duration.ofSeconds(1))
            .handler("traced", ctx -> ctx.traceparent())
            .build()
            .start()) {
      assertThat(worker.isRunning()).isTrue();
      assertThat(awaitState(t.id(), TaskState.DONE).result().asText()).isEqualTo(trace);
    }
  }

  @Test
  void a_task_that_runs_past_its_timeout_is_interrupted_and_failed_with_the_timeout() {
    String q = "timeout";
    Task t = server.client().enqueue(q, TaskRequest.of("stuck").maxAttempts(1));
    AtomicBoolean interrupted = new AtomicBoolean();
    try (Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .taskTimeout(Duration.ofMillis(400))
            .pollWait(Duration.ofSeconds(1))
            .handler(
                "stuck",
                ctx -> {
                  try {
                    Thread.sleep(60_000);
                  } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                  }
                  return "never";
                })
            .build()
            .start()) {
      assertThat(worker.isRunning()).isTrue();
      Task dead = awaitState(t.id(), TaskState.DEAD);
      assertThat(dead.lastError()).isEqualTo("timed out after 400 ms");
      assertThat(dead.result()).isNull();
      await().atMost(Duration.ofSeconds(5)).untilTrue(interrupted);
    }
  }

  @Test
  void a_timed_out_task_with_attempts_left_is_retried() {
    String q = "timeout-retry";
    server
        .client()
        .updateSettings(
            q, SettingsUpdate.create().backoff(Duration.ofMillis(50), 1.0, Duration.ofMillis(50)));
    Task t = server.client().enqueue(q, TaskRequest.of("slow-then-fast").maxAttempts(3));
    try (Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .taskTimeout(Duration.ofMillis(300))
            .pollWait(Duration.ofSeconds(1))
            .handler(
                "slow-then-fast",
                ctx -> {
                  if (ctx.attempt() == 1) {
                    Thread.sleep(60_000);
                  }
                  return "attempt " + ctx.attempt();
                })
            .build()
            .start()) {
      assertThat(worker.isRunning()).isTrue();
      Task done = awaitState(t.id(), TaskState.DONE);
      assertThat(done.attempt()).isEqualTo(2);
      assertThat(done.lastError()).isEqualTo("timed out after 300 ms");
      assertThat(done.result().asText()).isEqualTo("attempt 2");
    }
  }

  @Test
  void results_failures_permanent_failures_retry_later_and_missing_handlers() {
    String q = "outcomes";
    server
        .client()
        .updateSettings(
            q, SettingsUpdate.create().backoff(Duration.ofHours(1), 2.0, Duration.ofHours(2)));
    Task ok = server.client().enqueue(q, TaskRequest.of("order").params(new Order("A-1", 3)));
    Task nothing = server.client().enqueue(q, TaskRequest.of("nothing"));
    Task boom = server.client().enqueue(q, TaskRequest.of("boom").maxAttempts(5));
    Task bad = server.client().enqueue(q, TaskRequest.of("bad"));
    Task later = server.client().enqueue(q, TaskRequest.of("later"));
    Task unknown = server.client().enqueue(q, TaskRequest.of("unknown"));
    Task silent = server.client().enqueue(q, TaskRequest.of("silent"));
    AtomicInteger runs = new AtomicInteger();
    Instant start = Instant.now();
    try (Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .concurrency(4)
            .pollWait(Duration.ofSeconds(1))
            .handler(
                "order",
                ctx -> {
                  runs.incrementAndGet();
                  Order o = ctx.params(Order.class);
                  return Map.of("sku", o.sku(), "total", o.quantity() * 10);
                })
            .handler(
                "nothing",
                ctx -> {
                  runs.incrementAndGet();
                  return null;
                })
            .handler(
                "boom",
                ctx -> {
                  runs.incrementAndGet();
                  throw new IllegalStateException("boom on attempt " + ctx.attempt());
                })
            .handler(
                "bad",
                ctx -> {
                  runs.incrementAndGet();
                  throw new PermanentFailure("bad input: no sku");
                })
            .handler(
                "later",
                ctx -> {
                  runs.incrementAndGet();
                  throw new RetryLater(Duration.ofMinutes(10), "rate limited");
                })
            .handler(
                "silent",
                ctx -> {
                  runs.incrementAndGet();
                  throw new IllegalStateException();
                })
            .build()
            .start()) {
      assertThat(worker.queue()).isEqualTo(q);
      Task done = awaitState(ok.id(), TaskState.DONE);
      assertThat(done.result().get("sku").asText()).isEqualTo("A-1");
      assertThat(done.result().get("total").asInt()).isEqualTo(30);
      assertThat(awaitState(nothing.id(), TaskState.DONE).result()).isNull();

      Task dead = awaitState(bad.id(), TaskState.DEAD);
      assertThat(dead.lastError()).isEqualTo("bad input: no sku");
      assertThat(dead.attempt()).isEqualTo(1);

      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                Task b = server.client().task(boom.id()).orElseThrow();
                assertThat(b.lastError()).isEqualTo("boom on attempt 1");
                assertThat(b.state()).isEqualTo(TaskState.PENDING);
                assertThat(b.runAt())
                    .as("after the queue's backoff")
                    .isAfter(start.plus(Duration.ofMinutes(40)));

                Task l = server.client().task(later.id()).orElseThrow();
                assertThat(l.lastError()).isEqualTo("rate limited");
                assertThat(l.state()).isEqualTo(TaskState.PENDING);
                assertThat(l.runAt())
                    .isCloseTo(start.plus(Duration.ofMinutes(10)), within(30, ChronoUnit.SECONDS));

                Task u = server.client().task(unknown.id()).orElseThrow();
                assertThat(u.lastError()).startsWith("no handler for task 'unknown'");
                assertThat(u.state()).isEqualTo(TaskState.PENDING);

                Task s = server.client().task(silent.id()).orElseThrow();
                assertThat(s.lastError())
                    .as("no message: the exception's class")
                    .isEqualTo("java.lang.IllegalStateException");
              });
    }
    assertThat(runs.get()).as("each ran once: the failures wait for their retries").isEqualTo(6);
  }

  @Test
  void a_task_given_back_runs_again_at_once_without_its_attempt_counted() {
    String q = "given-back";
    Task t = server.client().enqueue(q, TaskRequest.of("interrupted-once").maxAttempts(1));
    AtomicInteger runs = new AtomicInteger();
    try (Worker worker =
        Worker.builder(server.client())
            .queue(q)
            .pollWait(Duration.ofSeconds(1))
            .handler(
                "interrupted-once",
                ctx -> {
                  if (runs.incrementAndGet() == 1) {
                    throw new ReleaseTask("cut short by no fault of the task");
                  }
                  return "attempt " + ctx.attempt();
                })
            .build()
            .start()) {
      assertThat(worker.isRunning()).isTrue();
      Task done = awaitState(t.id(), TaskState.DONE);
      assertThat(runs.get()).isEqualTo(2);
      assertThat(done.result().asText())
          .as("its only attempt: the first was not counted")
          .isEqualTo("attempt 1");
      assertThat(done.lastError()).as("given back, not failed").isNull();
    }
  }
}
