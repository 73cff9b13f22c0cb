package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskCancel}. */
public abstract class TaskCancelContract extends StoreFixture {
  protected TaskCancelContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void cancels_a_pending_task() {
    Task t = put("job");

    Task cancelled = ok(store.taskCancel(t.id()));

    assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(get(t.id())).isEqualTo(cancelled);
    assertThat(claim("w-1", 1)).isEmpty();
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0, 1));
  }

  @Test
  void cancels_a_scheduled_task() {
    Task t = put(delayed("later", 5_000));

    ok(store.taskCancel(t.id()));

    advance(10_000);
    assertThat(claim("w-1", 1)).isEmpty();
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0, 1));
  }

  @Test
  void cancels_a_working_task_and_ends_its_claim() {
    put("job");
    Task c = claimOne("w-1");

    Task cancelled = ok(store.taskCancel(c.id()));

    assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(cancelled.lease()).isNull();
    assertThat(finished(store.taskHeartbeat(c.id(), c.lease().token(), null)).state())
        .isEqualTo(TaskState.CANCELLED);
    assertThat(
            finished(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", false, null)))
                .state())
        .isEqualTo(TaskState.CANCELLED);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0, 1));
  }

  @Test
  void a_finished_task_is_already_finished() {
    List<Task> tasks = putMany(3);
    List<Task> claimed = claim("w-1", 2);
    Task done = ok(store.taskComplete(claimed.get(0).id(), claimed.get(0).lease().token(), "1"));
    Task dead =
        ok(
            store.taskFail(
                new FailParams(
                    claimed.get(1).id(), claimed.get(1).lease().token(), "x", true, null)));
    Task cancelled = ok(store.taskCancel(tasks.get(2).id()));

    assertThat(finished(store.taskCancel(done.id()))).isEqualTo(done);
    assertThat(finished(store.taskCancel(dead.id()))).isEqualTo(dead);
    assertThat(finished(store.taskCancel(cancelled.id()))).isEqualTo(cancelled);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 1, 1));
  }

  @Test
  void of_an_unknown_task_is_not_found() {
    assertNotFound(store.taskCancel(UNKNOWN));
  }
}
