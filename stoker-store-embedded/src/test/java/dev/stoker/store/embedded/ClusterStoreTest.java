package dev.stoker.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.cluster.CatchUp;
import dev.stoker.cluster.VersionVector;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.testkit.ManualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store in cluster mode: own events with every change, received events by the merge.
 */
class ClusterStoreTest {
  @TempDir Path dirA;
  @TempDir Path dirB;

  private final ManualClock clock = new ManualClock(1_767_225_600_000L);

  private EmbeddedStore open(Path dir, int node) {
    EmbeddedStore s = EmbeddedStore.openCluster(dir, clock, node, new SplittableRandom(node), 500);
    s.replication().rights(DispatchRights.only(node));
    return s;
  }

  /** Everything {@code from} holds that {@code to} lacks, as one anti-entropy pull. */
  private static int pull(EmbeddedStore to, EmbeddedStore from) {
    return to.replication()
        .receive(CatchUp.answer(from.replication(), to.replication().vector(), 10_000).events());
  }

  private static List<Task> claim(EmbeddedStore s, int max) {
    return s.taskClaimMany(new ClaimParams("q", "w", max, null, 0));
  }

  @Test
  void every_change_is_an_event_and_a_peer_applies_it_by_the_merge() {
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      Task t = a.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null"))).get(0).task();
      assertThat(a.replication().vector()).isEqualTo(VersionVector.of(java.util.Map.of(1, 1L)));
      assertThat(pull(b, a)).isEqualTo(1);
      assertThat(b.taskGet(t.id())).get().extracting(Task::state).isEqualTo(TaskState.PENDING);
      assertThat(b.queueGet("q").counts().pending()).isEqualTo(1);
      assertThat(claim(b, 1)).as("only the home hands out its tasks").isEmpty();

      Task claimed = claim(a, 1).get(0);
      assertThat(a.taskComplete(t.id(), claimed.lease().token(), "{\"ok\":1}"))
          .isInstanceOf(Outcome.Ok.class);
      assertThat(pull(b, a)).isEqualTo(2);
      assertThat(pull(b, a)).as("a second pull finds nothing new").isZero();
      Task done = b.taskGet(t.id()).orElseThrow();
      assertThat(done.state()).isEqualTo(TaskState.DONE);
      assertThat(done.attempt()).isEqualTo(1);
      assertThat(done).isEqualTo(a.taskGet(t.id()).orElseThrow());
      assertThat(b.queueGet("q").counts().done()).isEqualTo(1);
      assertThat(b.queueGet("q").counts().pending()).isZero();
      assertThat(b.taskHeartbeat(t.id(), claimed.lease().token(), null))
          .as("a heartbeat on a task done elsewhere")
          .isInstanceOf(Outcome.AlreadyFinished.class);
    }
  }

  @Test
  void a_heartbeats_progress_reaches_the_peer_survives_a_reopen_and_goes_with_the_claim() {
    Task t;
    String token;
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      t = a.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null"))).get(0).task();
      token = claim(a, 1).get(0).lease().token();
      assertThat(a.taskHeartbeat(t.id(), token, 60_000L, "{\"done\":1}"))
          .isInstanceOf(Outcome.Ok.class);
      pull(b, a);
      assertThat(b.taskGet(t.id()).orElseThrow().lease().progressJson()).isEqualTo("{\"done\":1}");
      // A heartbeat without progress on the peer keeps it, on both nodes.
      clock.advanceMillis(1_000);
      assertThat(b.taskHeartbeat(t.id(), token, 60_000L)).isInstanceOf(Outcome.Ok.class);
      pull(a, b);
      assertThat(a.taskGet(t.id()).orElseThrow()).isEqualTo(b.taskGet(t.id()).orElseThrow());
      assertThat(a.taskGet(t.id()).orElseThrow().lease().progressJson()).isEqualTo("{\"done\":1}");
    }
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      assertThat(a.taskGet(t.id()).orElseThrow().lease().progressJson())
          .as("after a reopen")
          .isEqualTo("{\"done\":1}");
      assertThat(a.taskComplete(t.id(), token, "1")).isInstanceOf(Outcome.Ok.class);
      pull(b, a);
      assertThat(b.taskGet(t.id()).orElseThrow().lease()).isNull();
    }
  }

  @Test
  void the_log_and_the_vector_survive_a_reopen() {
    Task t;
    try (EmbeddedStore a = open(dirA, 1)) {
      t =
          a.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null"), TaskSpec.of("u", "null")))
              .get(0)
              .task();
    }
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      assertThat(a.replication().vector().get(1)).isEqualTo(2);
      a.taskCancel(t.id());
      assertThat(a.replication().vector().get(1))
          .as("numbers go on after the last one")
          .isEqualTo(3);
      assertThat(pull(b, a)).isEqualTo(3);
      assertThat(b.taskGet(t.id())).get().extracting(Task::state).isEqualTo(TaskState.CANCELLED);
      b.taskEnqueueMany("q", List.of(TaskSpec.of("v", "null")));
      assertThat(pull(a, b)).as("only what a lacks: b's own event").isEqualTo(1);
      assertThat(a.queueGet("q").counts().pending()).isEqualTo(2);
    }
  }

  @Test
  void own_events_read_from_memory_are_the_events_of_the_log() {
    List<dev.stoker.cluster.Event> live;
    List<dev.stoker.cluster.Event> latest;
    try (EmbeddedStore a = open(dirA, 1)) {
      for (int i = 0; i < 10; i++) { // more events than the recent ring holds
        a.taskEnqueueMany("q", java.util.Collections.nCopies(1_000, TaskSpec.of("t", "null")));
      }
      Task claimed = claim(a, 1).get(0);
      a.taskComplete(claimed.id(), claimed.lease().token(), "{}");
      // a large event is not kept in memory: its read falls back to the log, in the same order
      a.taskEnqueueMany("q", List.of(TaskSpec.of("big", "\"" + "x".repeat(5_000) + "\"")));
      a.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null")));
      assertThat(a.replication().vector().get(1)).isEqualTo(10_004);
      live = a.replication().read(1, 0, 10_004, 20_000);
      latest = a.replication().read(1, 9_980, 10_004, 50);
    }
    try (EmbeddedStore a = open(dirA, 1)) { // a new process: every read comes from the log
      assertThat(live).isEqualTo(a.replication().read(1, 0, 10_004, 20_000)).hasSize(10_004);
      assertThat(latest)
          .isEqualTo(a.replication().read(1, 9_980, 10_004, 50))
          .extracting(dev.stoker.cluster.Event::seq)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(9_981, 10_004).boxed().toList());
    }
  }

  @Test
  void a_claim_passes_over_the_tasks_other_nodes_hand_out_and_finds_its_own_behind_them() {
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      for (int i = 0; i < 6; i++) {
        a.taskEnqueueMany("q", java.util.Collections.nCopies(100, TaskSpec.of("a", "null")));
      }
      clock.advance(java.time.Duration.ofMillis(1));
      List<Task> own =
          b
              .taskEnqueueMany("q", java.util.Collections.nCopies(3, TaskSpec.of("b", "null")))
              .stream()
              .map(r -> r.task())
              .toList();
      pull(b, a);
      assertThat(claim(b, 5))
          .as("node 2's three tasks, behind 600 of node 1's in the index")
          .extracting(Task::id)
          .containsExactlyInAnyOrderElementsOf(own.stream().map(Task::id).toList());

      b.replication().rights(DispatchRights.NONE);
      b.taskEnqueueMany("q", List.of(TaskSpec.of("c", "null")));
      assertThat(claim(b, 5)).as("a node that may hand out nothing").isEmpty();

      b.replication().rights(DispatchRights.ALL);
      assertThat(claim(b, 1))
          .as("stealing node 1's tasks too: in one claim order, so its older ones first")
          .extracting(Task::name)
          .containsExactly("a");
      assertThat(claim(b, 700)).as("all of them").hasSize(600);
    }
  }

  @Test
  void a_replica_counts_the_ready_tasks_of_a_queue_per_home_within_a_cap() {
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      a.taskEnqueueMany(
          "q",
          List.of(TaskSpec.of("t", "null"), TaskSpec.of("u", "null"), TaskSpec.of("v", "null")));
      b.taskEnqueueMany("q", List.of(TaskSpec.of("w", "null")));
      pull(b, a);
      assertThat(b.replication().readyByHome("q", 1_000)).isEqualTo(java.util.Map.of(1, 3L, 2, 1L));
      assertThat(b.replication().readyByHome("q", 2))
          .as("counted within the cap, per home")
          .isEqualTo(java.util.Map.of(1, 2L, 2, 1L));
      assertThat(b.replication().readyByHome("other", 1_000)).isEmpty();

      claim(a, 1);
      pull(b, a);
      assertThat(b.replication().readyByHome("q", 1_000))
          .as("a task claimed at its home is no longer ready in the replica")
          .isEqualTo(java.util.Map.of(1, 2L, 2, 1L));
    }
  }

  private static SettingsPatch paused(boolean paused) {
    return new SettingsPatch(null, null, null, null, null, null, paused);
  }

  private static SettingsPatch leaseMs(long ms) {
    return new SettingsPatch(ms, null, null, null, null, null, null);
  }

  @Test
  void a_pause_on_one_node_is_an_event_and_pauses_the_queue_on_the_node_that_receives_it() {
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      b.taskEnqueueMany("q", List.of(TaskSpec.of("b", "null")));
      a.queueUpdate("q", paused(true));
      assertThat(a.replication().vector().get(1)).as("the change is node 1's event").isEqualTo(1);
      assertThat(pull(b, a)).isEqualTo(1);
      assertThat(b.queueGet("q").settings().paused()).isTrue();
      assertThat(claim(b, 1)).as("node 2's own task, in a queue paused on node 1").isEmpty();

      QueueSettings after = b.queueUpdate("q", paused(false));
      assertThat(after.paused()).isFalse();
      pull(a, b);
      assertThat(a.queueGet("q").settings()).isEqualTo(after);
      assertThat(claim(b, 1)).extracting(Task::name).containsExactly("b");
    }
  }

  @Test
  void changes_of_different_fields_on_two_nodes_both_stick_and_one_field_converges_to_the_later() {
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      a.queueUpdate("q", paused(true));
      a.queueUpdate("q", leaseMs(5_000));
      clock.advance(java.time.Duration.ofMillis(1));
      b.queueUpdate("q", leaseMs(7_000)); // after a's, by the clock, without having seen it
      pull(a, b);
      pull(b, a);
      QueueSettings expected =
          new SettingsPatch(7_000L, null, null, null, null, null, true)
              .applyTo(QueueSettings.DEFAULT);
      assertThat(a.queueGet("q").settings()).isEqualTo(expected);
      assertThat(b.queueGet("q").settings()).isEqualTo(expected);
    }
  }

  @Test
  void which_change_holds_a_field_survives_a_reopen() {
    try (EmbeddedStore b = open(dirB, 2)) {
      b.queueUpdate("q", leaseMs(5_000));
    }
    clock.advance(java.time.Duration.ofMillis(1));
    try (EmbeddedStore a = open(dirA, 1)) {
      a.queueUpdate("q", leaseMs(7_000));
    }
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      assertThat(pull(a, b)).isEqualTo(1);
      assertThat(a.queueGet("q").settings().leaseMs())
          .as("node 2's older change does not undo node 1's, made before the reopen")
          .isEqualTo(7_000);
      pull(b, a);
      assertThat(b.queueGet("q").settings().leaseMs()).isEqualTo(7_000);
    }
  }

  @Test
  void a_claim_parked_on_a_paused_queue_wakes_when_the_unpause_arrives_from_a_peer()
      throws Exception {
    try (EmbeddedStore a = open(dirA, 1);
        EmbeddedStore b = open(dirB, 2)) {
      a.queueUpdate("q", paused(true));
      pull(b, a);
      Task own = b.taskEnqueueMany("q", List.of(TaskSpec.of("b", "null"))).get(0).task();
      CompletableFuture<List<Task>> parked =
          CompletableFuture.supplyAsync(
              () -> b.taskClaimMany(new ClaimParams("q", "w", 1, null, 30_000)));
      b.taskEnqueueMany("q", List.of(TaskSpec.of("c", "null"))); // wakes the queue's claims
      assertThat(b.queueGet("q").counts().pending()).isEqualTo(2);
      assertThat(parked).as("paused: the claim stays parked").isNotDone();
      a.queueUpdate("q", paused(false));
      pull(b, a);
      assertThat(parked.get(10, TimeUnit.SECONDS)).extracting(Task::id).containsExactly(own.id());
    }
  }
}
