package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The worker's builder, the lease it heartbeats by, its retry delays, and its ticker. */
class WorkerUnitTest {
  @Test
  void the_lease_is_read_on_the_servers_clock() {
    Instant updated = Instant.parse("2020-01-01T00:00:00Z");
    Task t =
        new Task(
            "id",
            "q",
            "n",
            null,
            0,
            updated,
            null,
            1,
            1,
            TaskState.WORKING,
            new Lease("w", "tok", updated.plusSeconds(45)),
            null,
            null,
            null,
            updated,
            updated,
            false,
            null);
    assertThat(Job.leaseMillis(t, null)).isEqualTo(45_000);
    assertThat(Job.leaseMillis(t, Duration.ofSeconds(9))).isEqualTo(9_000);
    assertThat(new Job(t, null, null, null).heartbeatEveryMs)
        .as("a third of the lease")
        .isEqualTo(15_000);
  }

  @Test
  void retry_delays_grow_to_five_seconds_with_jitter() {
    RetryDelay d = new RetryDelay();
    long first = d.next().toMillis();
    assertThat(first).isBetween(50L, 100L);
    for (int i = 0; i < 20; i++) {
      d.next();
    }
    assertThat(d.next().toMillis()).isBetween(2_500L, 5_000L);
    d.reset();
    assertThat(d.next().toMillis()).isBetween(50L, 100L);
  }

  @Test
  void the_builder_refuses_what_cannot_work() {
    StokerClient client = StokerClient.builder().build();
    assertThatThrownBy(() -> Worker.builder(client).handler("x", ctx -> null).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("queue");
    assertThatThrownBy(() -> Worker.builder(client).queue("q").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("handler");
    assertThatThrownBy(() -> Worker.builder(client).pollWait(Duration.ofSeconds(61)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Worker.builder(client).concurrency(0))
        .isInstanceOf(IllegalArgumentException.class);
    Worker w = Worker.builder(client).queue("q").defaultHandler(ctx -> null).build();
    w.close(); // before start: nothing to do
    assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void a_worker_whose_server_answers_503_waits_on_its_ticker_between_claims() throws Exception {
    AtomicInteger claims = new AtomicInteger();
    FakeTicker ticker = new FakeTicker();
    try (StubServer stub =
            new StubServer(
                r -> {
                  claims.incrementAndGet();
                  return new StubServer.Answer(
                      503,
                      "application/problem+json",
                      "{\"status\":503,\"title\":\"Store unavailable\"}");
                });
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      Worker worker =
          Worker.builder(client)
              .queue("q")
              .defaultHandler(ctx -> null)
              .ticker(ticker)
              .build()
              .start();
      ticker.awaitSleeps(10, Duration.ofSeconds(30));
      assertThat(worker.isRunning()).isTrue();
      worker.close();
    }
    assertThat(claims.get())
        .as("one claim, then one wait, and so on")
        .isBetween(ticker.sleeps.size(), ticker.sleeps.size() + 1);
    assertThat(ticker.sleeps.get(0).toMillis()).isBetween(50L, 100L);
    assertThat(ticker.sleeps.get(9).toMillis()).as("grown to the cap").isBetween(2_500L, 5_000L);
  }
}
