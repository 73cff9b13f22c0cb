package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskGet}. */
public abstract class TaskGetContract extends StoreFixture {
  protected TaskGetContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void returns_the_task_as_it_is_now() {
    Task t = put("job");
    assertThat(get(t.id())).isEqualTo(t);

    Task c = claimOne("w-1");
    assertThat(get(t.id())).isEqualTo(c);

    Task done = ok(store.taskComplete(c.id(), c.lease().token(), "\"r\""));
    assertThat(get(t.id())).isEqualTo(done);
  }

  @Test
  void an_unknown_task_is_empty() {
    assertThat(store.taskGet(UNKNOWN)).isEmpty();
  }
}
