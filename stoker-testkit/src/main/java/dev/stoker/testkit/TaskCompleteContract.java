package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskComplete}. */
public abstract class TaskCompleteContract extends StoreFixture {
  protected TaskCompleteContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void stores_the_result_and_finishes_the_task() {
    put("job");
    Task c = claimOne("w-1");
    clock.advanceMillis(250);
    String result = "{ \"ok\" : true, \"n\": 1.50, \"msg\": \"fertig ✓ 🎉\" }";

    Task done = ok(store.taskComplete(c.id(), c.lease().token(), result));

    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(done.resultJson()).isEqualTo(result);
    assertThat(done.lease()).isNull();
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.updatedAt()).isEqualTo(START + 250);
    assertThat(get(c.id())).isEqualTo(done);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 0, 0));
  }

  @Test
  void without_a_result_stores_none() {
    put("job");
    Task c = claimOne("w-1");

    Task done = ok(store.taskComplete(c.id(), c.lease().token(), null));

    assertThat(done.resultJson()).isNull();
    assertThat(get(c.id()).resultJson()).isNull();
  }

  @Test
  void a_late_completion_after_the_lease_was_taken_over_is_accepted() {
    put("job");
    Task first = claimOne("w-1", 10_000L);
    expireLeaseOf(first);
    Task second = claimOne("w-2", 10_000L);

    Task done = ok(store.taskComplete(first.id(), first.lease().token(), "\"from w-1\""));

    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(done.resultJson()).isEqualTo("\"from w-1\"");
    assertThat(finished(store.taskHeartbeat(second.id(), second.lease().token(), null)).state())
        .isEqualTo(TaskState.DONE);
    Task current =
        finished(store.taskComplete(second.id(), second.lease().token(), "\"from w-2\""));
    assertThat(current.resultJson()).isEqualTo("\"from w-1\"");
    assertThat(get(first.id()).resultJson()).isEqualTo("\"from w-1\"");
  }

  @Test
  void a_pending_task_may_be_completed_with_an_earlier_token() {
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskRelease(c.id(), c.lease().token(), 0));

    Task done = ok(store.taskComplete(c.id(), c.lease().token(), "1"));

    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(claim("w-2", 1)).isEmpty();
  }

  @Test
  void completing_a_finished_task_is_already_finished_and_keeps_the_result() {
    put("job");
    Task c = claimOne("w-1");
    Task done = ok(store.taskComplete(c.id(), c.lease().token(), "\"first\""));

    Task current = finished(store.taskComplete(c.id(), c.lease().token(), "\"second\""));

    assertThat(current).isEqualTo(done);
    assertThat(get(c.id()).resultJson()).isEqualTo("\"first\"");
  }

  @Test
  void completing_a_cancelled_task_is_already_finished() {
    put("job");
    Task c = claimOne("w-1");
    ok(store.taskCancel(c.id()));

    Task current = finished(store.taskComplete(c.id(), c.lease().token(), "1"));

    assertThat(current.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(current.resultJson()).isNull();
  }

  @Test
  void a_token_of_another_task_is_refused() {
    putMany(2);
    List<Task> both = claim("w-1", 2);
    Task a = both.get(0);
    Task b = both.get(1);

    Task current = stale(store.taskComplete(a.id(), b.lease().token(), "1"));

    assertThat(current.state()).isEqualTo(TaskState.WORKING);
    assertThat(get(a.id()).state()).isEqualTo(TaskState.WORKING);
  }

  @Test
  void of_an_unknown_task_is_not_found() {
    assertNotFound(store.taskComplete(UNKNOWN, SOME_TOKEN, "1"));
  }
}
