package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#queueList}. */
public abstract class QueueListContract extends StoreFixture {
  protected QueueListContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void an_empty_store_lists_no_queues() {
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void lists_every_used_or_configured_queue_by_name() {
    store.taskEnqueueMany("zeta", List.of(TaskSpec.of("z", "{}"), TaskSpec.of("z", "{}")));
    store.taskEnqueueMany("alpha", List.of(TaskSpec.of("a", "{}")));
    QueueSettings mid = store.queueUpdate("mid", patchLease(1_234));

    List<QueueInfo> queues = store.queueList();

    assertThat(queues).extracting(QueueInfo::name).containsExactly("alpha", "mid", "zeta");
    assertThat(queues.get(0).counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    assertThat(queues.get(1).counts()).isEqualTo(QueueCounts.ZERO);
    assertThat(queues.get(1).settings()).isEqualTo(mid);
    assertThat(queues.get(2).counts()).isEqualTo(new QueueCounts(2, 0, 0, 0, 0, 0));
    assertThat(queues.get(2).settings()).isEqualTo(QueueSettings.DEFAULT);
    for (QueueInfo q : queues) {
      assertThat(store.queueGet(q.name())).isEqualTo(q);
    }
  }

  @Test
  void reading_a_queue_does_not_list_it() {
    store.queueGet("ghost");
    store.taskList(new ListParams("ghost", null, null, 10, null));

    assertThat(store.queueList()).extracting(QueueInfo::name).doesNotContain("ghost");
  }
}
