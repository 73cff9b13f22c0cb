package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The port's contract on retention: finished tasks are pruned after their queue's {@code
 * retention_ms}.
 */
public abstract class RetentionContract extends StoreFixture {
  protected RetentionContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void a_finished_task_is_pruned_after_the_retention() {
    store.queueUpdate(QUEUE, patchRetention(60_000));
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskComplete(c.id(), c.lease().token(), "1"));

    advance(30_000);
    assertThat(store.taskGet(c.id())).isPresent();

    advance(30_000 + 1_000);
    assertThat(store.taskGet(c.id())).isEmpty();
    assertThat(counts()).isEqualTo(QueueCounts.ZERO);
    assertThat(listAll(null, null, 10)).isEmpty();
    assertNotFound(store.taskCancel(c.id()), c.id());
  }

  @Test
  void every_finished_state_is_pruned() {
    store.queueUpdate(QUEUE, patchRetention(60_000));
    List<Task> tasks = putMany(3);
    List<Task> c = claim("w-1", 2);
    ok(store.taskComplete(c.get(0).id(), c.get(0).lease().token(), "1"));
    ok(store.taskFail(new FailParams(c.get(1).id(), c.get(1).lease().token(), "x", true, null)));
    ok(store.taskCancel(tasks.get(2).id()));
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 1, 1));

    advance(61_000);

    for (Task t : tasks) {
      assertThat(store.taskGet(t.id())).isEmpty();
    }
    assertThat(counts()).isEqualTo(QueueCounts.ZERO);
  }

  @Test
  void the_retention_counts_from_when_the_task_finished() {
    store.queueUpdate(QUEUE, patchRetention(60_000));
    Task t = put("job");
    clock.advanceMillis(50_000);
    Task c = claimOne("w-1");
    ok(store.taskComplete(c.id(), c.lease().token(), "1"));

    advance(20_000); // 70 s after enqueue, 20 s after completion
    assertThat(store.taskGet(t.id())).isPresent();

    advance(41_000);
    assertThat(store.taskGet(t.id())).isEmpty();
  }

  @Test
  void live_tasks_are_never_pruned() {
    store.queueUpdate(QUEUE, patchRetention(1_000));
    Task working = put("working");
    Task pending = put("pending");
    Task scheduled = put(delayed("scheduled", 600_000));
    assertThat(claimOne("w-1", 600_000L).id()).isEqualTo(working.id());

    advance(300_000);

    assertThat(store.taskGet(working.id())).isPresent();
    assertThat(store.taskGet(pending.id())).isPresent();
    assertThat(store.taskGet(scheduled.id())).isPresent();
    assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 1, 0, 0, 0));
  }
}
