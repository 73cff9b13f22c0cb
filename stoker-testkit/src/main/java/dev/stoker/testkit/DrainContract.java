package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#drain}. */
public abstract class DrainContract extends StoreFixture {
  protected DrainContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void ends_waiting_claims_and_later_claims_do_not_wait() throws Exception {
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 30_000)));
    assertStillWaiting(waiting);

    store.drain();

    assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(
            async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 30_000)))
                .get(5, TimeUnit.SECONDS))
        .isEmpty();
    Task t = put("still works");
    assertThat(claim("w-1", 1)).extracting(Task::id).containsExactly(t.id());
  }
}
