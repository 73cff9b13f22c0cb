package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Backoff;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#queueUpdate}. */
public abstract class QueueUpdateContract extends StoreFixture {
  protected QueueUpdateContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void returns_the_new_settings_and_keeps_the_rest() {
    QueueSettings first = store.queueUpdate(QUEUE, patchLease(12_345));
    assertThat(first)
        .isEqualTo(
            new QueueSettings(
                12_345,
                QueueSettings.DEFAULT.maxAttempts(),
                QueueSettings.DEFAULT.backoff(),
                QueueSettings.DEFAULT.retentionMs(),
                false));

    QueueSettings second = store.queueUpdate(QUEUE, patchMaxAttempts(3));

    assertThat(second)
        .isEqualTo(
            new QueueSettings(
                12_345,
                3,
                QueueSettings.DEFAULT.backoff(),
                QueueSettings.DEFAULT.retentionMs(),
                false));
    assertThat(store.queueGet(QUEUE).settings()).isEqualTo(second);
  }

  @Test
  void changes_every_setting() {
    QueueSettings s =
        store.queueUpdate(
            QUEUE, new SettingsPatch(5_000L, 7, 250L, 1.5, 60_000L, 3_600_000L, true));

    QueueSettings expected =
        new QueueSettings(5_000, 7, new Backoff(250, 1.5, 60_000), 3_600_000, true);
    assertThat(s).isEqualTo(expected);
    assertThat(store.queueGet(QUEUE).settings()).isEqualTo(expected);
    assertThat(store.queueGet(OTHER_QUEUE).settings()).isEqualTo(QueueSettings.DEFAULT);
  }

  @Test
  void the_lease_setting_is_used_by_claims_without_lease_ms() {
    store.queueUpdate(QUEUE, patchLease(7_000));
    putMany(2);

    assertThat(claimOne("w-1", null).lease().expiresAt()).isEqualTo(START + 7_000);
    assertThat(claimOne("w-1", 9_000L).lease().expiresAt()).isEqualTo(START + 9_000);
  }

  @Test
  void a_paused_queue_gives_no_tasks_until_resumed() throws Exception {
    Task t = put("job");

    store.queueUpdate(QUEUE, patchPaused(true));

    assertThat(claim("w-1", 1)).isEmpty();
    assertThat(
            async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 100)))
                .get(5, TimeUnit.SECONDS))
        .isEmpty();
    assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    assertThat(store.queueGet(QUEUE).settings().paused()).isTrue();

    store.queueUpdate(QUEUE, patchPaused(false));

    assertThat(claim("w-1", 1)).extracting(Task::id).containsExactly(t.id());
  }

  @Test
  void resuming_a_paused_queue_wakes_a_waiting_claim() throws Exception {
    Task t = put("job");
    store.queueUpdate(QUEUE, patchPaused(true));
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 5_000)));
    assertStillWaiting(waiting);

    store.queueUpdate(QUEUE, patchPaused(false));

    assertThat(waiting.get(4, TimeUnit.SECONDS)).extracting(Task::id).containsExactly(t.id());
  }
}
