package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the reporter sends, and how long it keeps trying, on a fake clock. */
class ReporterTest {
  private final FakeTicker ticker = new FakeTicker();
  private final StokerClient client =
      StokerClient.builder().build(); // never called: the ops below are stubs
  private final Reporter reporter =
      new Reporter(client, new Connectivity("test worker", "http://test"), "test worker", ticker);
  private final Job job = new Job(ClaimerTest.task("t1"), null, client, null);

  private static StokerUnavailableException unreachable() {
    return new StokerUnavailableException("connection refused", 0, null);
  }

  @Test
  void error_text_fits_the_servers_rules() {
    assertThat(Reporter.errorText(new IllegalStateException("boom"))).isEqualTo("boom");
    assertThat(Reporter.errorText(new IllegalStateException()))
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(Reporter.errorText(new RuntimeException("  ")))
        .isEqualTo("java.lang.RuntimeException");
    assertThat(Reporter.clip("a\u0000b\uD800c")).isEqualTo("a\uFFFDb\uFFFDc");
    String longText = "x".repeat(20_000);
    String clipped = Reporter.clip(longText);
    assertThat(clipped.codePointCount(0, clipped.length())).isEqualTo(Reporter.MAX_ERROR);
    assertThat(clipped).endsWith("…");
    String emoji = "\uD83D\uDE00".repeat(Reporter.MAX_ERROR + 5);
    String clippedEmoji = Reporter.clip(emoji);
    assertThat(clippedEmoji.codePointCount(0, clippedEmoji.length())).isEqualTo(Reporter.MAX_ERROR);
    assertThat(Reporter.clip("\uD83D\uDE00".repeat(3))).isEqualTo("\uD83D\uDE00".repeat(3));
  }

  @Test
  void durations_read_as_people_write_them() {
    assertThat(Reporter.format(Duration.ofMillis(400))).isEqualTo("400 ms");
    assertThat(Reporter.format(Duration.ofSeconds(2))).isEqualTo("2 s");
    assertThat(Reporter.format(Duration.ofMillis(1500))).isEqualTo("1.5 s");
    assertThat(Reporter.format(Duration.ofMinutes(3))).isEqualTo("3 min");
    assertThat(Reporter.timedOut(Duration.ofMillis(300))).isEqualTo("timed out after 300 ms");
  }

  @Test
  void a_running_worker_retries_an_unreachable_server_until_it_answers() {
    AtomicInteger calls = new AtomicInteger();
    String answer =
        reporter.call(
            job,
            Reporter.Report.FAILURE,
            () -> {
              if (calls.incrementAndGet() <= 30) {
                throw unreachable();
              }
              return "reported";
            });
    assertThat(answer).isEqualTo("reported");
    assertThat(ticker.sleeps).hasSize(30);
    assertThat(ticker.sleeps)
        .allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(50), Duration.ofSeconds(5)));
  }

  @Test
  void a_closing_worker_gives_up_at_its_deadline() {
    reporter.giveUpAt(ticker.nanoTime() + Duration.ofSeconds(12).toNanos());
    AtomicInteger calls = new AtomicInteger();
    String answer =
        reporter.call(
            job,
            Reporter.Report.RELEASE,
            () -> {
              calls.incrementAndGet();
              throw unreachable();
            });
    assertThat(answer).as("given up: the task runs again when its lease expires").isNull();
    assertThat(ticker.slept())
        .as("retried up to the deadline, not past it")
        .isEqualTo(Duration.ofSeconds(12));
    assertThat(calls.get()).isEqualTo(ticker.sleeps.size() + 1);
  }

  @Test
  void a_refusal_is_not_retried() {
    AtomicInteger calls = new AtomicInteger();
    String answer =
        reporter.call(
            job,
            Reporter.Report.FAILURE,
            () -> {
              calls.incrementAndGet();
              throw new ProblemException(
                  409,
                  "https://stoker.dev/problems/stale-token",
                  "Stale token",
                  "lease lost",
                  null,
                  TaskState.PENDING);
            });
    assertThat(answer).isNull();
    assertThat(calls).hasValue(1);
    assertThat(ticker.sleeps).isEmpty();
  }

  @Test
  void a_claim_part_the_server_refuses_is_dropped_and_the_failure_sent_without_it()
      throws Exception {
    try (StubServer stub =
            new StubServer(
                r ->
                    r.body().contains("\"claim\"")
                        ? new StubServer.Answer(
                            422,
                            "application/problem+json",
                            "{\"type\":\"https://stoker.dev/problems/invalid\",\"status\":422,"
                                + "\"title\":\"Invalid\",\"detail\":\"too many\",\"field\":\"claim.max\"}")
                        : new StubServer.Answer(
                            200,
                            "application/json",
                            WorkerCompleteAndClaimTest.task("t1", "pending")));
        StokerClient stubClient = StokerClient.builder().baseUrl(stub.url()).build()) {
      Reporter toStub =
          new Reporter(
              stubClient, new Connectivity("test worker", stub.url()), "test worker", ticker);
      List<Task> next =
          toStub.fail(
              new Job(ClaimerTest.task("t1"), null, stubClient, null),
              new IllegalStateException("boom"),
              NextClaim.of("w").max(1));
      assertThat(next).isEmpty();
      assertThat(stub.seen)
          .extracting(StubServer.Seen::path)
          .containsExactly("/v1/tasks/t1/fail", "/v1/tasks/t1/fail");
      assertThat(stub.seen.get(0).body()).contains("\"claim\"");
      assertThat(stub.seen.get(1).body()).doesNotContain("claim").contains("\"error\":\"boom\"");
    }
  }
}
