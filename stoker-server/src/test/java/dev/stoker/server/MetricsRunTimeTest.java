package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A task's run time is read from the token its completion presents, so it needs nothing from the
 * claim: the claim may have been handed out by another server (docs/observability.md).
 */
class MetricsRunTimeTest {
  private final ManualClock clock = new ManualClock();
  private final ModelStore store = new ModelStore(clock);

  @Test
  void a_completion_is_timed_from_the_claim_its_token_names_though_this_server_never_saw_it() {
    Metrics metrics = new Metrics();
    store.taskEnqueueMany("q", List.of(TaskSpec.of("t", "{}")));
    Task claimed = store.taskClaimMany(new ClaimParams("q", "w", 1, 60_000L, 0)).get(0);
    clock.advance(Duration.ofMillis(1_250));
    String token = claimed.lease().token();
    Outcome.Ok done = (Outcome.Ok) store.taskComplete(claimed.id(), token, null);

    metrics.settled(token, done.task());

    String scrape = metrics.scrape(store);
    assertThat(scrape).contains("stoker_task_run_seconds_count 1\n");
    assertThat(scrape).contains("stoker_task_run_seconds_sum 1.25");
  }

  @Test
  void a_completion_without_a_claims_token_is_not_timed() {
    Metrics metrics = new Metrics();
    Task pending = store.taskEnqueueMany("q", List.of(TaskSpec.of("t", "{}"))).get(0).task();

    metrics.settled(null, pending);
    metrics.settled("not a token", pending);

    assertThat(metrics.scrape(store)).contains("stoker_task_run_seconds_count 0\n");
  }
}
