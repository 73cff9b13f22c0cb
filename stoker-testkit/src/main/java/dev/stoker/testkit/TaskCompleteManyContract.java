package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskCompleteMany}. */
public abstract class TaskCompleteManyContract extends StoreFixture {
  protected TaskCompleteManyContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void completes_each_and_answers_in_order() {
    putMany(3);
    List<Task> claimed = claim("w-1", 3);

    List<Outcome> outcomes =
        store.taskCompleteMany(
            claimed.stream()
                .map(t -> new Completion(t.id(), t.lease().token(), "\"" + t.name() + "\""))
                .toList());

    assertThat(outcomes).hasSize(3);
    for (int i = 0; i < 3; i++) {
      Task done = ok(outcomes.get(i));
      assertThat(done.id()).isEqualTo(claimed.get(i).id());
      assertThat(done.state()).isEqualTo(TaskState.DONE);
      assertThat(done.resultJson()).isEqualTo("\"" + claimed.get(i).name() + "\"");
      assertThat(get(done.id())).isEqualTo(done);
    }
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 3, 0, 0));
  }

  @Test
  void answers_each_completion_on_its_own() {
    putMany(3);
    List<Task> claimed = claim("w-1", 3);
    Task a = claimed.get(0);
    Task b = claimed.get(1);
    Task c = claimed.get(2);
    ok(store.taskComplete(b.id(), b.lease().token(), "\"earlier\""));

    List<Outcome> outcomes =
        store.taskCompleteMany(
            List.of(
                new Completion(a.id(), a.lease().token(), "1"),
                new Completion(UNKNOWN, SOME_TOKEN, "2"),
                new Completion(b.id(), b.lease().token(), "3"),
                new Completion(c.id(), a.lease().token(), "4"),
                new Completion(a.id(), a.lease().token(), "5")));

    assertThat(outcomes).hasSize(5);
    assertThat(ok(outcomes.get(0)).resultJson()).isEqualTo("1");
    assertThat(outcomes.get(1)).isEqualTo(new Outcome.NotFound(UNKNOWN));
    assertThat(finished(outcomes.get(2)).resultJson()).isEqualTo("\"earlier\"");
    assertThat(stale(outcomes.get(3)).state()).isEqualTo(TaskState.WORKING);
    assertThat(finished(outcomes.get(4)).resultJson()).isEqualTo("1");
    assertThat(get(a.id()).resultJson()).isEqualTo("1");
    assertThat(get(b.id()).resultJson()).isEqualTo("\"earlier\"");
    assertThat(get(c.id()).state()).isEqualTo(TaskState.WORKING);
  }

  @Test
  void an_empty_batch_answers_nothing() {
    assertThat(store.taskCompleteMany(List.of())).isEmpty();
  }
}
