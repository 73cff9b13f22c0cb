package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskRelease}. */
public abstract class TaskReleaseContract extends StoreFixture {
  protected TaskReleaseContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void puts_the_task_back_without_counting_the_attempt() {
    Task t = put("job");
    Task c = claimOne("w-1");
    clock.advanceMillis(10);

    Task released = ok(store.taskRelease(c.id(), c.lease().token(), 0));

    assertThat(released.state()).isEqualTo(TaskState.PENDING);
    assertThat(released.attempt()).isZero();
    assertThat(released.lease()).isNull();
    assertThat(released.runAt()).isEqualTo(START + 10);
    assertThat(get(t.id())).isEqualTo(released);
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    assertThat(claimOne("w-2").attempt()).isEqualTo(1);
  }

  @Test
  void honours_the_delay() {
    put("job");
    Task c = claimOne("w-1");

    Task released = ok(store.taskRelease(c.id(), c.lease().token(), 5_000));

    assertThat(released.runAt()).isEqualTo(START + 5_000);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 1, 0, 0, 0, 0));
    advance(4_999);
    assertThat(claim("w-1", 1)).isEmpty();
    advance(1);
    assertThat(claimOne("w-1").id()).isEqualTo(c.id());
  }

  @Test
  void with_a_token_already_released_is_stale() {
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskRelease(c.id(), c.lease().token(), 0));

    Task current = stale(store.taskRelease(c.id(), c.lease().token(), 0));

    assertThat(current.state()).isEqualTo(TaskState.PENDING);
    assertThat(current.attempt()).isZero();
  }

  @Test
  void with_the_token_of_a_taken_over_claim_is_stale() {
    put("job");
    Task first = claimOne("w-1", 10_000L);
    expireLeaseOf(first);
    Task second = claimOne("w-2", 10_000L);

    stale(store.taskRelease(first.id(), first.lease().token(), 0));

    assertThat(get(first.id())).isEqualTo(second);
  }

  @Test
  void on_a_finished_task_is_already_finished() {
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskCancel(c.id()));

    assertThat(finished(store.taskRelease(c.id(), c.lease().token(), 0)).state())
        .isEqualTo(TaskState.CANCELLED);
  }

  @Test
  void of_an_unknown_task_is_not_found() {
    assertNotFound(store.taskRelease(UNKNOWN, SOME_TOKEN, 0));
  }
}
