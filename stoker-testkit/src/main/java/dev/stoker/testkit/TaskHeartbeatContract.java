package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskHeartbeat}. */
public abstract class TaskHeartbeatContract extends StoreFixture {
  protected TaskHeartbeatContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void extends_the_lease_from_now_and_keeps_the_claim() {
    put("job");
    Task c = claimOne("w-1", 10_000L);
    clock.advanceMillis(5_000);

    Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L));

    assertThat(hb.state()).isEqualTo(TaskState.WORKING);
    assertThat(hb.lease().expiresAt()).isEqualTo(START + 15_000);
    assertThat(hb.lease().token()).isEqualTo(c.lease().token());
    assertThat(hb.lease().owner()).isEqualTo("w-1");
    assertThat(hb.attempt()).isEqualTo(c.attempt());
    assertThat(hb.version()).isEqualTo(c.version());
    assertThat(get(c.id()).lease()).isEqualTo(hb.lease());
  }

  @Test
  void keeps_the_task_from_being_taken_over() {
    put("job");
    Task c = claimOne("w-1", 10_000L);
    clock.advanceMillis(8_000);
    ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L)); // now expires at START + 18 s

    advance(2_000 + leaseExpiryMarginMs()); // well past the first expiry, before the new one

    assertThat(claim("w-2", 1)).isEmpty();
    Task done = ok(store.taskComplete(c.id(), c.lease().token(), "1"));
    assertThat(done.state()).isEqualTo(TaskState.DONE);
  }

  @Test
  void without_lease_ms_extends_by_the_queues_lease() {
    store.queueUpdate(QUEUE, patchLease(20_000));
    put("job");
    Task c = claimOne("w-1", 5_000L);
    clock.advanceMillis(1_000);

    Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), null));

    assertThat(hb.lease().expiresAt()).isEqualTo(START + 1_000 + 20_000);
  }

  @Test
  void never_shortens_the_lease() {
    put("job");
    Task c = claimOne("w-1", 60_000L);

    Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), 1_000L));

    assertThat(hb.lease().expiresAt()).isEqualTo(START + 60_000);
  }

  @Test
  void with_the_token_of_a_taken_over_claim_is_stale() {
    put("job");
    Task first = claimOne("w-1", 10_000L);
    expireLeaseOf(first);
    Task second = claimOne("w-2", 10_000L);

    Task current = stale(store.taskHeartbeat(first.id(), first.lease().token(), 60_000L));

    assertThat(current.state()).isEqualTo(TaskState.WORKING);
    assertThat(current.lease()).isEqualTo(second.lease());
    assertThat(get(first.id())).isEqualTo(second);
  }

  @Test
  void with_the_token_of_an_expired_lease_is_stale_even_before_a_takeover() {
    Task t = put("job");
    Task c = claimOne("w-1", 10_000L);
    expireLeaseOf(c);

    Task current = stale(store.taskHeartbeat(c.id(), c.lease().token(), 60_000L));

    assertThat(current.state()).isEqualTo(TaskState.PENDING);
    assertThat(current.lease()).isNull();
    assertThat(claimOne("w-2").id()).isEqualTo(t.id());
  }

  @Test
  void with_the_token_of_a_released_claim_is_stale() {
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskRelease(c.id(), c.lease().token(), 0));

    Task current = stale(store.taskHeartbeat(c.id(), c.lease().token(), null));

    assertThat(current.state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void on_a_finished_task_is_already_finished() {
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskComplete(c.id(), c.lease().token(), "true"));

    Task current = finished(store.taskHeartbeat(c.id(), c.lease().token(), null));

    assertThat(current.state()).isEqualTo(TaskState.DONE);
  }

  @Test
  void of_an_unknown_task_is_not_found() {
    assertNotFound(store.taskHeartbeat(UNKNOWN, SOME_TOKEN, null));
  }
}
