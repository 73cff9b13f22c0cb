package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Test;

/**
 * The progress a heartbeat reports ({@link TaskStore#taskHeartbeat} with a {@code progressJson}):
 * kept with the lease of the current claim, shown by every read while the claim lasts, and gone
 * with it.
 */
public abstract class TaskProgressContract extends StoreFixture {
  private static final String HALF = "{\"done\":5,\"of\":10,\"step\":\"résumé 💥\"}";

  protected TaskProgressContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void a_heartbeat_with_progress_sets_it_and_every_read_shows_it() {
    put("job");
    Task c = claimOne("w-1", 10_000L);
    assertThat(c.lease().progressJson()).isNull();
    clock.advanceMillis(1_000);

    Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L, HALF));

    assertThat(hb.lease().progressJson()).isEqualTo(HALF);
    assertThat(hb.lease().expiresAt()).isEqualTo(START + 11_000);
    assertThat(hb.version()).as("a heartbeat is not a transition").isEqualTo(c.version());
    assertThat(get(c.id())).isEqualTo(hb);
    assertThat(listAll(TaskState.WORKING, null, 10)).containsExactly(hb);
  }

  @Test
  void a_heartbeat_without_progress_keeps_the_last_one_and_a_later_one_replaces_it() {
    put("job");
    Task c = claimOne("w-1", 10_000L);
    ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L, "0.25"));
    clock.advanceMillis(2_000);

    Task kept = ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L));

    assertThat(kept.lease().progressJson()).isEqualTo("0.25");
    assertThat(kept.lease().expiresAt()).isEqualTo(START + 12_000);
    Task replaced = ok(store.taskHeartbeat(c.id(), c.lease().token(), null, "[1,2]"));
    assertThat(replaced.lease().progressJson()).isEqualTo("[1,2]");
    assertThat(get(c.id()).lease().progressJson()).isEqualTo("[1,2]");
  }

  @Test
  void a_stale_heartbeat_with_progress_changes_nothing() {
    put("job");
    Task first = claimOne("w-1", 10_000L);
    expireLeaseOf(ok(store.taskHeartbeat(first.id(), first.lease().token(), null, "0.9")));
    Task second = claimOne("w-2", 10_000L);

    Task current = stale(store.taskHeartbeat(first.id(), first.lease().token(), null, "1.0"));

    assertThat(current.lease().progressJson())
        .as("the new claim starts without the old one's progress")
        .isNull();
    assertThat(get(first.id())).isEqualTo(second);
  }

  @Test
  void is_gone_once_the_task_completes() {
    put("job");
    Task c = reporting(claimOne("w-1"));

    Task done = ok(store.taskComplete(c.id(), c.lease().token(), "true"));

    assertThat(done.lease()).isNull();
    assertThat(get(c.id()).lease()).isNull();
  }

  @Test
  void is_gone_after_a_failure_and_the_retry_starts_without_one() {
    put("job");
    Task c = reporting(claimOne("w-1"));

    Task failed = ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "boom", false, 0L)));

    assertThat(failed.state()).isEqualTo(TaskState.PENDING);
    assertThat(get(c.id()).lease()).isNull();
    assertThat(claimOne("w-2").lease().progressJson()).isNull();
  }

  @Test
  void is_gone_after_a_release_and_the_next_claim_starts_without_one() {
    put("job");
    Task c = reporting(claimOne("w-1"));

    ok(store.taskRelease(c.id(), c.lease().token(), 0));

    assertThat(get(c.id()).lease()).isNull();
    Task again = claimOne("w-1");
    assertThat(again.lease().progressJson()).isNull();
    assertThat(get(c.id()).lease().progressJson()).isNull();
  }

  @Test
  void is_gone_when_the_lease_expires() {
    put("job");
    Task c = reporting(claimOne("w-1", 10_000L));

    expireLeaseOf(c);

    assertThat(get(c.id()).lease()).isNull();
    assertThat(claimOne("w-2").lease().progressJson()).isNull();
  }

  @Test
  void is_gone_when_the_task_is_cancelled() {
    put("job");
    Task c = reporting(claimOne("w-1"));

    Task cancelled = ok(store.taskCancel(c.id()));

    assertThat(cancelled.lease()).isNull();
    assertThat(get(c.id()).state()).isEqualTo(TaskState.CANCELLED);
    assertThat(get(c.id()).lease()).isNull();
  }

  /** {@code working} after a heartbeat that reported {@link #HALF}. */
  private Task reporting(Task working) {
    Task hb = ok(store.taskHeartbeat(working.id(), working.lease().token(), null, HALF));
    assertThat(get(working.id()).lease().progressJson()).isEqualTo(HALF);
    return hb;
  }
}
