package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#queueRedrive}. */
public abstract class QueueRedriveContract extends StoreFixture {
  protected QueueRedriveContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void moves_a_dead_task_back_to_pending_with_its_attempts_reset() {
    Task t = put(attempts("fragile", 1));
    Task c = claimOne("w-1");
    Task dead = ok(store.taskFail(new FailParams(t.id(), c.lease().token(), "x", false, null)));
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    clock.advanceMillis(1_000);

    assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 0));

    Task revived = get(t.id());
    assertThat(revived.state()).isEqualTo(TaskState.PENDING);
    assertThat(revived.attempt()).isZero();
    assertThat(revived.lease()).isNull();
    assertThat(revived.runAt()).isLessThanOrEqualTo(clock.millis());
    assertThat(revived.version().isAfter(dead.version())).isTrue();
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));

    assertThat(claimOne("w-1").attempt()).isEqualTo(1);
    assertThat(stale(store.taskHeartbeat(t.id(), c.lease().token(), null)).state())
        .isEqualTo(TaskState.WORKING);
  }

  @Test
  void honours_the_limit() {
    putAll(List.of(attempts("a", 1), attempts("b", 1), attempts("c", 1)));
    for (int i = 0; i < 3; i++) {
      Task c = claimOne("w-1");
      ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", true, null)));
    }
    assertThat(counts().dead()).isEqualTo(3);

    assertThat(store.queueRedrive(QUEUE, 2)).isEqualTo(new RedriveResult(2, 0));
    assertThat(counts()).isEqualTo(new QueueCounts(2, 0, 0, 0, 1, 0));
    assertThat(store.queueRedrive(QUEUE, 2)).isEqualTo(new RedriveResult(1, 0));
    assertThat(counts()).isEqualTo(new QueueCounts(3, 0, 0, 0, 0, 0));
    assertThat(store.queueRedrive(QUEUE, 2)).isEqualTo(RedriveResult.NONE);
  }

  @Test
  void leaves_other_states_and_other_queues_alone() {
    store.taskEnqueueMany(OTHER_QUEUE, List.of(attempts("other", 1)));
    Task o = store.taskClaimMany(new ClaimParams(OTHER_QUEUE, "w-1", 1, null, 0)).get(0);
    ok(store.taskFail(new FailParams(o.id(), o.lease().token(), "x", true, null)));
    putAll(
        List.of(
            TaskSpec.of("dead", "{}"),
            TaskSpec.of("done", "{}"),
            TaskSpec.of("cancelled", "{}"),
            TaskSpec.of("working", "{}"),
            TaskSpec.of("pending", "{}")));
    List<Task> c = claim("w-1", 4);
    ok(store.taskFail(new FailParams(c.get(0).id(), c.get(0).lease().token(), "x", true, null)));
    ok(store.taskComplete(c.get(1).id(), c.get(1).lease().token(), "1"));
    ok(store.taskCancel(c.get(2).id()));
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 1, 1, 1, 1));

    assertThat(store.queueRedrive(QUEUE, 100)).isEqualTo(new RedriveResult(1, 0));

    assertThat(counts()).isEqualTo(new QueueCounts(2, 0, 1, 1, 0, 1));
    assertThat(store.queueGet(OTHER_QUEUE).counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
  }

  @Test
  void on_an_unknown_queue_moves_nothing() {
    assertThat(store.queueRedrive("never-used", 10)).isEqualTo(RedriveResult.NONE);
  }

  @Test
  void passes_over_a_dead_task_whose_unique_key_a_live_task_holds() {
    Task keyed = killed(keyed("keyed", "k"));
    Task plain = killed(TaskSpec.of("plain", "{}"));
    Task holder = put(keyed("holder", "k"));

    assertThat(store.queueRedrive(QUEUE, 1)).isEqualTo(new RedriveResult(1, 1));

    assertThat(get(keyed.id()).state()).isEqualTo(TaskState.DEAD);
    assertThat(get(plain.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(enqueueOne(keyed("again", "k")))
        .isEqualTo(new EnqueueResult(get(holder.id()), true));
    assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(0, 1));

    Task claimed =
        claim("w-1", 2).stream().filter(t -> t.id().equals(holder.id())).findFirst().orElseThrow();
    ok(store.taskComplete(claimed.id(), claimed.lease().token(), null));
    assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 0));
    assertThat(get(keyed.id()).state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void of_two_dead_tasks_with_one_unique_key_moves_only_the_oldest() {
    Task first = killed(keyed("first", "k"));
    Task second = killed(keyed("second", "k"));

    assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 1));

    assertThat(get(first.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(get(second.id()).state()).isEqualTo(TaskState.DEAD);
    assertThat(enqueueOne(keyed("again", "k"))).isEqualTo(new EnqueueResult(get(first.id()), true));
  }

  @Test
  void counts_only_the_tasks_passed_over_before_the_limit_was_reached() {
    Task moved = killed(TaskSpec.of("moved", "{}"));
    Task blocked = killed(keyed("blocked", "k"));
    put(keyed("holder", "k"));

    assertThat(store.queueRedrive(QUEUE, 1)).isEqualTo(new RedriveResult(1, 0));

    assertThat(get(moved.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(get(blocked.id()).state()).isEqualTo(TaskState.DEAD);
  }
}
