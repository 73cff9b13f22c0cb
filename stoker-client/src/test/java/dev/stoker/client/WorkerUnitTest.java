package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The worker's helpers, and that it backs off rather than spins when the server cannot serve. */
class WorkerUnitTest {
  @Test
  void error_text_fits_the_servers_rules() {
    assertThat(Worker.errorText(new IllegalStateException("boom"))).isEqualTo("boom");
    assertThat(Worker.errorText(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
    assertThat(Worker.errorText(new RuntimeException("  "))).isEqualTo("java.lang.RuntimeException");
    assertThat(Worker.clip("a\u0000b\uD800c")).isEqualTo("a\uFFFDb\uFFFDc");
    String longText = "x".repeat(20_000);
    String clipped = Worker.clip(longText);
    assertThat(clipped.codePointCount(0, clipped.length())).isEqualTo(Worker.MAX_ERROR);
    assertThat(clipped).endsWith("…");
    String emoji = "\uD83D\uDE00".repeat(Worker.MAX_ERROR + 5);
    String clippedEmoji = Worker.clip(emoji);
    assertThat(clippedEmoji.codePointCount(0, clippedEmoji.length())).isEqualTo(Worker.MAX_ERROR);
    assertThat(Worker.clip("\uD83D\uDE00".repeat(3))).isEqualTo("\uD83D\uDE00".repeat(3));
  }

  @Test
  void durations_read_as_people_write_them() {
    assertThat(Worker.format(Duration.ofMillis(400))).isEqualTo("400 ms");
    assertThat(Worker.format(Duration.ofSeconds(2))).isEqualTo("2 s");
    assertThat(Worker.format(Duration.ofMillis(1500))).isEqualTo("1.5 s");
    assertThat(Worker.format(Duration.ofMinutes(3))).isEqualTo("3 min");
  }

  @Test
  void the_lease_is_read_on_the_servers_clock() {
    Instant updated = Instant.parse("2020-01-01T00:00:00Z");
    Task t = new Task("id", "q", "n", null, 0, updated, null, 1, 1, TaskState.WORKING,
        new Lease("w", "tok", updated.plusSeconds(45)), null, null, updated, updated, false);
    assertThat(Worker.leaseMillis(t, null)).isEqualTo(45_000);
    assertThat(Worker.leaseMillis(t, Duration.ofSeconds(9))).isEqualTo(9_000);
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
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("queue");
    assertThatThrownBy(() -> Worker.builder(client).queue("q").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("handler");
    assertThatThrownBy(() -> Worker.builder(client).pollWait(Duration.ofSeconds(61)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Worker.builder(client).concurrency(0)).isInstanceOf(IllegalArgumentException.class);
    Worker w = Worker.builder(client).queue("q").defaultHandler(ctx -> null).build();
    w.close(); // before start: nothing to do
    assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void a_server_that_answers_claims_at_once_with_nothing_is_not_hammered() throws Exception {
    AtomicInteger claims = new AtomicInteger();
    try (StubServer stub = new StubServer(r -> {
      claims.incrementAndGet();
      return new StubServer.Answer(200, "application/json", "{\"tasks\":[]}"); // like a draining server
    });
         StokerClient client = StokerClient.builder().baseUrl(stub.url()).build();
         Worker worker = Worker.builder(client).queue("q").defaultHandler(ctx -> null).build().start()) {
      Thread.sleep(1_500);
      assertThat(worker.isRunning()).isTrue();
    }
    assertThat(claims.get()).as("backing off, 100 ms growing to 5 s").isBetween(2, 12);
  }

  @Test
  void a_server_that_answers_503_is_retried_with_backoff() throws Exception {
    AtomicInteger claims = new AtomicInteger();
    try (StubServer stub = new StubServer(r -> {
      claims.incrementAndGet();
      return new StubServer.Answer(503, "application/problem+json", "{\"status\":503,\"title\":\"Store unavailable\"}");
    });
         StokerClient client = StokerClient.builder().baseUrl(stub.url()).build();
         Worker worker = Worker.builder(client).queue("q").defaultHandler(ctx -> null).build().start()) {
      Thread.sleep(1_500);
      assertThat(worker.isRunning()).isTrue();
    }
    assertThat(claims.get()).isBetween(2, 12);
  }
}
