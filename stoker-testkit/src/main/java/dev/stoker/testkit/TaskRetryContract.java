package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskRetry}. */
public abstract class TaskRetryContract extends StoreFixture {
  protected TaskRetryContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void moves_a_dead_task_back_to_pending_with_its_attempts_reset() {
    Task t = put(attempts("fragile", 1));
    Task c = claimOne("w-1");
    Task dead = ok(store.taskFail(new FailParams(t.id(), c.lease().token(), "x", false, null)));
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    clock.advanceMillis(1_000);

    Task retried = ok(store.taskRetry(t.id()));

    assertThat(retried.state()).isEqualTo(TaskState.PENDING);
    assertThat(retried.attempt()).isZero();
    assertThat(retried.lease()).isNull();
    assertThat(retried.lastError()).isEqualTo("x");
    assertThat(retried.runAt()).isLessThanOrEqualTo(clock.millis());
    assertThat(retried.version().isAfter(dead.version())).isTrue();
    assertThat(retried.version().generation()).isEqualTo(dead.version().generation() + 1);
    assertThat(get(t.id())).isEqualTo(retried);
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));

    assertThat(claimOne("w-1").attempt()).isEqualTo(1);
    assertThat(stale(store.taskHeartbeat(t.id(), c.lease().token(), null)).state())
        .isEqualTo(TaskState.WORKING);
  }

  @Test
  void moves_a_cancelled_task_back_to_pending() {
    put(attempts("job", 3));
    Task c = claimOne("w-1");
    Task cancelled = ok(store.taskCancel(c.id()));

    Task retried = ok(store.taskRetry(c.id()));

    assertThat(retried.state()).isEqualTo(TaskState.PENDING);
    assertThat(retried.attempt()).isZero();
    assertThat(retried.version().isAfter(cancelled.version())).isTrue();
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    assertThat(stale(store.taskHeartbeat(c.id(), c.lease().token(), null)).state())
        .isEqualTo(TaskState.PENDING);
    assertThat(claimOne("w-2").attempt()).isEqualTo(1);
  }

  @Test
  void leaves_the_other_dead_tasks_of_the_queue_dead() {
    Task older = killed(TaskSpec.of("older", "{}"));
    Task retried = killed(TaskSpec.of("retried", "{}"));
    Task newer = killed(TaskSpec.of("newer", "{}"));

    ok(store.taskRetry(retried.id()));

    assertThat(get(older.id())).isEqualTo(older);
    assertThat(get(newer.id())).isEqualTo(newer);
    assertThat(get(retried.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 2, 0));
  }

  @Test
  void refuses_a_pending_working_or_done_task_and_changes_nothing() {
    List<Task> tasks = putMany(3);
    List<Task> claimed = claim("w-1", 2);
    Task done = ok(store.taskComplete(claimed.get(0).id(), claimed.get(0).lease().token(), "1"));
    Task working = get(claimed.get(1).id());
    Task pending = get(tasks.get(2).id());
    assertThat(List.of(done.state(), working.state(), pending.state()))
        .containsExactly(TaskState.DONE, TaskState.WORKING, TaskState.PENDING);

    for (Task t : List.of(done, working, pending)) {
      assertThat(store.taskRetry(t.id()))
          .as("retry of a %s task", t.state())
          .isEqualTo(new Outcome.NotRetryable(t));
      assertThat(get(t.id())).isEqualTo(t);
    }
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 1, 1, 0, 0));
  }

  @Test
  void refuses_a_task_whose_unique_key_a_live_task_holds_and_changes_nothing() {
    Task keyed = killed(keyed("keyed", "k"));
    Task holder = put(keyed("holder", "k"));

    assertThat(store.taskRetry(keyed.id())).isEqualTo(new Outcome.KeyHeld(keyed, holder.id()));
    assertThat(get(keyed.id())).isEqualTo(keyed);
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 1, 0));

    Task c = claimOne("w-1");
    ok(store.taskComplete(c.id(), c.lease().token(), null));
    Task retried = ok(store.taskRetry(keyed.id()));
    assertThat(enqueueOne(keyed("again", "k")))
        .as("the retried task holds its key again")
        .isEqualTo(new EnqueueResult(retried, true));
  }

  @Test
  void wakes_a_waiting_claim() throws Exception {
    Task dead = killed(TaskSpec.of("job", "{}"));
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-2", 1, null, 5_000)));
    assertStillWaiting(waiting);

    ok(store.taskRetry(dead.id()));

    List<Task> got = waiting.get(4, TimeUnit.SECONDS); // woken by the retry
    assertThat(got).extracting(Task::id).containsExactly(dead.id());
  }

  @Test
  void of_an_unknown_task_is_not_found() {
    assertNotFound(store.taskRetry(UNKNOWN));
  }
}
