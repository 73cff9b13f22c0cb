package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskFail}. */
public abstract class TaskFailContract extends StoreFixture {
  protected TaskFailContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void a_failure_is_retried_after_the_queues_backoff() {
    store.queueUpdate(QUEUE, new SettingsPatch(null, null, 10_000L, 3.0, 15_000L, null, null));
    Task t = put("flaky");
    Task c = claimOne("w-1");

    Task failed =
        ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "boom 💥", false, null)));

    assertThat(failed.state()).isEqualTo(TaskState.PENDING);
    assertThat(failed.lastError()).isEqualTo("boom 💥");
    assertThat(failed.attempt()).isEqualTo(1);
    assertThat(failed.lease()).isNull();
    assertThat(failed.runAt() - START).isBetween(8_000L, 12_000L); // 10 s ± 20 %
    assertThat(get(t.id())).isEqualTo(failed);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 1, 0, 0, 0, 0));
    assertThat(claim("w-1", 1)).isEmpty();

    advanceTo(failed.runAt());
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    Task retry = claimOne("w-1");
    assertThat(retry.attempt()).isEqualTo(2);

    Task again =
        ok(store.taskFail(new FailParams(t.id(), retry.lease().token(), "boom", false, null)));
    assertThat(again.runAt() - clock.millis())
        .isBetween(12_000L, 18_000L); // 30 s capped at 15 s, ± 20 %
  }

  @Test
  void the_default_backoff_starts_at_about_a_second() {
    put("flaky");
    Task c = claimOne("w-1");

    Task failed =
        ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "boom", false, null)));

    assertThat(failed.runAt() - START).isBetween(800L, 1_200L);
  }

  @Test
  void retry_in_ms_replaces_the_backoff() {
    put("flaky");
    Task c = claimOne("w-1");
    clock.advanceMillis(100);

    Task failed =
        ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "later", false, 5_000L)));

    assertThat(failed.runAt()).isEqualTo(START + 100 + 5_000);
    advance(4_999);
    assertThat(claim("w-1", 1)).isEmpty();
    advance(1);
    assertThat(claimOne("w-1").attempt()).isEqualTo(2);
  }

  @Test
  void retry_in_ms_of_zero_makes_the_task_claimable_at_once() {
    put("flaky");
    Task c = claimOne("w-1");

    ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "again", false, 0L)));

    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    assertThat(claimOne("w-2").id()).isEqualTo(c.id());
  }

  @Test
  void a_failure_of_the_last_attempt_is_dead() {
    Task t = put(attempts("fragile", 2));
    Task first = claimOne("w-1");
    assertThat(
            ok(store.taskFail(new FailParams(t.id(), first.lease().token(), "one", false, 0L)))
                .state())
        .isEqualTo(TaskState.PENDING);
    Task second = claimOne("w-1");
    assertThat(second.attempt()).isEqualTo(2);

    Task dead =
        ok(store.taskFail(new FailParams(t.id(), second.lease().token(), "two", false, 0L)));

    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.lastError()).isEqualTo("two");
    assertThat(dead.attempt()).isEqualTo(2);
    assertThat(dead.lease()).isNull();
    assertThat(get(t.id())).isEqualTo(dead);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
    assertThat(claim("w-1", 1)).isEmpty();
  }

  @Test
  void a_permanent_failure_is_dead_at_once() {
    Task t = put("doomed");
    Task c = claimOne("w-1");

    Task dead =
        ok(store.taskFail(new FailParams(t.id(), c.lease().token(), "bad input", true, null)));

    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.attempt()).isEqualTo(1);
    assertThat(dead.lastError()).isEqualTo("bad input");
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
  }

  @Test
  void with_the_token_of_a_taken_over_claim_is_stale() {
    put("job");
    Task first = claimOne("w-1", 10_000L);
    expireLeaseOf(first);
    Task second = claimOne("w-2", 10_000L);

    Task current =
        stale(
            store.taskFail(new FailParams(first.id(), first.lease().token(), "late", true, null)));

    assertThat(current.lease()).isEqualTo(second.lease());
    assertThat(get(first.id())).isEqualTo(second);
  }

  @Test
  void on_a_finished_task_is_already_finished() {
    put("job");
    Task c = claimOne("w-1");
    Task done = ok(store.taskComplete(c.id(), c.lease().token(), "1"));

    assertThat(
            finished(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", false, null))))
        .isEqualTo(done);
  }

  @Test
  void of_an_unknown_task_is_not_found() {
    assertNotFound(store.taskFail(new FailParams(UNKNOWN, SOME_TOKEN, "x", false, null)));
  }
}
