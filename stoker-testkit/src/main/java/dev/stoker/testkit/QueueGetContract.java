package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#queueGet}. */
public abstract class QueueGetContract extends StoreFixture {
  protected QueueGetContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void a_never_used_queue_reads_as_zeros_with_default_settings() {
    QueueInfo info = store.queueGet("never-used");

    assertThat(info.name()).isEqualTo("never-used");
    assertThat(info.counts()).isEqualTo(QueueCounts.ZERO);
    assertThat(info.settings()).isEqualTo(QueueSettings.DEFAULT);
  }

  @Test
  void counts_follow_transitions() {
    putAll(
        List.of(
            TaskSpec.of("a", "{}"),
            TaskSpec.of("b", "{}"),
            TaskSpec.of("c", "{}"),
            TaskSpec.of("d", "{}"),
            TaskSpec.of("e", "{}"),
            delayed("f", 10_000)));
    assertThat(counts()).isEqualTo(new QueueCounts(5, 1, 0, 0, 0, 0));

    List<Task> c = claim("w-1", 4, 60_000L);
    assertThat(c).extracting(Task::name).containsExactly("a", "b", "c", "d");
    assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 4, 0, 0, 0));

    ok(store.taskComplete(c.get(0).id(), c.get(0).lease().token(), "1"));
    assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 3, 1, 0, 0));
    ok(store.taskFail(new FailParams(c.get(1).id(), c.get(1).lease().token(), "x", true, null)));
    assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 2, 1, 1, 0));
    ok(store.taskFail(new FailParams(c.get(2).id(), c.get(2).lease().token(), "x", false, 5_000L)));
    assertThat(counts()).isEqualTo(new QueueCounts(1, 2, 1, 1, 1, 0));
    ok(store.taskRelease(c.get(3).id(), c.get(3).lease().token(), 0));
    assertThat(counts()).isEqualTo(new QueueCounts(2, 2, 0, 1, 1, 0));
    ok(store.taskCancel(c.get(3).id()));
    assertThat(counts()).isEqualTo(new QueueCounts(1, 2, 0, 1, 1, 1));

    advance(10_000);
    assertThat(counts()).isEqualTo(new QueueCounts(3, 0, 0, 1, 1, 1));

    assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 0));
    assertThat(counts()).isEqualTo(new QueueCounts(4, 0, 0, 1, 0, 1));

    Task w = claimOne("w-1", 10_000L);
    assertThat(counts()).isEqualTo(new QueueCounts(3, 0, 1, 1, 0, 1));
    expireLeaseOf(w);
    assertThat(counts()).isEqualTo(new QueueCounts(4, 0, 0, 1, 0, 1));
  }

  @Test
  void counts_only_its_own_queue() {
    store.taskEnqueueMany(OTHER_QUEUE, List.of(TaskSpec.of("x", "{}"), TaskSpec.of("y", "{}")));
    put("mine");

    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    assertThat(store.queueGet(OTHER_QUEUE).counts()).isEqualTo(new QueueCounts(2, 0, 0, 0, 0, 0));
  }

  @Test
  void shows_the_queues_settings() {
    QueueSettings updated = store.queueUpdate(QUEUE, patchLease(42_000));

    QueueInfo info = store.queueGet(QUEUE);

    assertThat(info.name()).isEqualTo(QUEUE);
    assertThat(info.settings()).isEqualTo(updated);
    assertThat(info.counts()).isEqualTo(QueueCounts.ZERO);
  }
}
