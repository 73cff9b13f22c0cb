package dev.stoker.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.testkit.ManualClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to the embedded store: its scan floors, and what survives a reopen. */
class EmbeddedStoreTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(1_767_225_600_000L);

  private EmbeddedStore open() {
    return EmbeddedStore.open(dir, clock, 7, new SplittableRandom(42));
  }

  private static List<Task> claim(EmbeddedStore s, String queue, int max) {
    return s.taskClaimMany(new ClaimParams(queue, "w", max, null, 0));
  }

  @Test
  void a_task_enqueued_ahead_of_the_claim_floor_is_claimed_first() {
    try (EmbeddedStore s = open()) {
      List<TaskSpec> specs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        specs.add(TaskSpec.of("t" + i, "null"));
      }
      s.taskEnqueueMany("q", specs);
      assertThat(claim(s, "q", 30)).hasSize(30); // the floor is now past 30 tombstones
      Task urgent =
          s.taskEnqueueMany(
                  "q", List.of(new TaskSpec("urgent", "null", 10, null, null, null, null)))
              .get(0)
              .task();
      Task older =
          s.taskEnqueueMany("q", List.of(new TaskSpec("older", "null", 0, 0L, null, null, null)))
              .get(0)
              .task();
      List<Task> next = claim(s, "q", 3);
      assertThat(next).extracting(Task::name).containsExactly("urgent", "older", "t30");
      assertThat(next.get(0).id()).isEqualTo(urgent.id());
      assertThat(next.get(1).id()).isEqualTo(older.id());
    }
  }

  @Test
  void a_wall_clock_that_steps_back_strands_no_task() {
    try (EmbeddedStore s = open()) {
      Task t = s.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null"))).get(0).task();
      clock.set(clock.millis() - 1_000);
      assertThat(claim(s, "q", 1))
          .extracting(Task::id)
          .as("a due task stays due")
          .containsExactly(t.id());
      Task later =
          s.taskEnqueueMany("q", List.of(new TaskSpec("l", "null", 0, null, 500L, null, null)))
              .get(0)
              .task();
      clock.set(clock.millis() - 5_000);
      assertThat(claim(s, "q", 1)).as("a delayed task waits for its time").isEmpty();
      clock.advanceMillis(6_000);
      assertThat(claim(s, "q", 1)).extracting(Task::id).containsExactly(later.id());
    }
  }

  @Test
  void a_reopened_store_has_its_tasks_counts_settings_and_a_clock_past_every_version() {
    Task done;
    Task working;
    try (EmbeddedStore s = open()) {
      s.queueUpdate("q", new SettingsPatch(5_000L, 3, null, null, null, null, null));
      s.taskEnqueueMany(
          "q",
          List.of(
              TaskSpec.of("a", "{\"x\":1}"),
              TaskSpec.of("b", "[]"),
              new TaskSpec("later", "null", 0, null, 60_000L, "k", null)));
      List<Task> claimed = claim(s, "q", 2);
      done =
          ((Outcome.Ok)
                  s.taskComplete(claimed.get(0).id(), claimed.get(0).lease().token(), "\"ok\""))
              .task();
      working = claimed.get(1);
    }
    clock.set(clock.millis() - 10_000); // the wall clock stepped back while the store was closed
    try (EmbeddedStore s = open()) {
      assertThat(s.taskGet(done.id())).contains(done);
      assertThat(s.taskGet(working.id())).contains(working);
      var info = s.queueGet("q");
      assertThat(info.settings().leaseMs()).isEqualTo(5_000L);
      assertThat(info.settings().maxAttempts()).isEqualTo(3);
      assertThat(info.counts().done()).isEqualTo(1);
      assertThat(info.counts().working()).isEqualTo(1);
      assertThat(info.counts().scheduled()).isEqualTo(1);
      Task fresh = s.taskEnqueueMany("q", List.of(TaskSpec.of("c", "null"))).get(0).task();
      assertThat(fresh.version().hlc())
          .as("HLC resumes past every stored version")
          .isGreaterThan(done.version().hlc());
      assertThat(
              s.taskEnqueueMany("q", List.of(new TaskSpec("dup", "null", 0, null, null, "k", null)))
                  .get(0)
                  .duplicate())
          .as("unique keys survive a reopen")
          .isTrue();
    }
  }

  @Test
  void a_lease_that_ran_out_while_the_store_was_closed_is_expired_on_open() {
    Task claimed;
    try (EmbeddedStore s = open()) {
      s.taskEnqueueMany("q", List.of(TaskSpec.of("a", "null")));
      claimed = s.taskClaimMany(new ClaimParams("q", "w", 1, 1_000L, 0)).get(0);
    }
    clock.advanceMillis(5_000);
    try (EmbeddedStore s = open()) {
      List<Task> again = claim(s, "q", 1);
      assertThat(again).hasSize(1);
      assertThat(again.get(0).id()).isEqualTo(claimed.id());
      assertThat(again.get(0).attempt()).isEqualTo(2);
      assertThat(s.taskHeartbeat(claimed.id(), claimed.lease().token(), null))
          .isInstanceOf(Outcome.StaleToken.class);
    }
  }

  @Test
  void many_delayed_tasks_fall_due_in_rounds_and_all_become_claimable() {
    try (EmbeddedStore s = open()) {
      int n = Operations.SWEEP_BUDGET * 2 + 17;
      List<TaskSpec> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(new TaskSpec("d", "null", 0, null, 1_000L, null, null));
        if (batch.size() == 1_000 || i == n - 1) {
          s.taskEnqueueMany("q", batch);
          batch.clear();
        }
      }
      assertThat(s.queueGet("q").counts().scheduled()).isEqualTo(n);
      clock.advanceMillis(1_000);
      int claimed = 0;
      for (int round = 0; round < 20 && claimed < n; round++) {
        claimed += claim(s, "q", 1_000).size();
      }
      assertThat(claimed).isEqualTo(n);
      assertThat(s.queueGet("q").counts().working()).isEqualTo(n);
      assertThat(
              s.taskList(
                      new dev.stoker.core.store.ListParams("q", TaskState.WORKING, null, 10, null))
                  .tasks())
          .hasSize(10);
    }
  }
}
