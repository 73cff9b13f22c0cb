package dev.stoker.cluster;

import static dev.stoker.core.Props.forAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The apply rule is a join (ap-cluster.md §3): every replica that applied the same set of events
 * holds the same state, whatever the order and however often each event came. Histories come from
 * {@link Histories}: real transitions made concurrently on several nodes. Seeds and replay: see
 * {@link dev.stoker.core.Props}.
 */
class ReplicaProperties {
  static final int TRIES = 1_000;

  record Case(List<Event> events, long shuffleSeed) {
    @Override
    public String toString() {
      return events.size() + " events, shuffle seed " + shuffleSeed;
    }
  }

  static Case history(SplittableRandom r) {
    return new Case(Histories.generate(r, r.nextInt(1, 200)), r.nextLong());
  }

  @Test
  void any_permutation_of_any_multiset_of_the_events_gives_the_same_state() {
    forAll(
        "any_permutation_of_any_multiset_gives_the_same_state",
        TRIES,
        ReplicaProperties::history,
        c -> {
          Map<TaskId, TaskReplica> inOrder = applyAll(c.events());
          Random shuffle = new Random(c.shuffleSeed());
          for (int replica = 0; replica < 3; replica++) {
            List<Event> multiset = Histories.anyMultiset(c.events(), shuffle);
            assertThat(applyAll(multiset)).as("replica %d", replica).isEqualTo(inOrder);
          }
        });
  }

  @Test
  void a_replica_never_lowers_a_version_nor_a_tombstone() {
    forAll(
        "a_replica_never_lowers_a_version_nor_a_tombstone",
        TRIES,
        ReplicaProperties::history,
        c -> {
          List<Event> events = new ArrayList<>(c.events());
          Collections.shuffle(events, new Random(c.shuffleSeed()));
          Replica replica = new Replica();
          for (Event e : events) {
            Replica.Change change = replica.apply(e);
            TaskReplica before = change.before();
            TaskReplica after = change.after();
            assertThat(highest(after)).as("after %s", e).isGreaterThanOrEqualTo(highest(before));
            if (before.tombstone() != null) {
              assertThat(after.tombstone()).isGreaterThanOrEqualTo(before.tombstone());
            }
            if (before.version() != null && after.version() != null) {
              assertThat(after.version()).isGreaterThanOrEqualTo(before.version());
            }
            if (after.register() != null
                && after.register().state() == TaskState.WORKING
                && before.register() != null
                && before.version().equals(after.version())) {
              assertThat(after.register().leaseExpiresAt())
                  .as("a lease never shortens")
                  .isGreaterThanOrEqualTo(before.register().leaseExpiresAt());
            }
          }
        });
  }

  /** Two claims of one epoch on two sides of a partition are two attempts: the merge keeps both. */
  @Test
  void the_attempts_of_a_task_count_every_claim_of_every_node_in_its_generation() {
    forAll(
        "the_attempts_count_every_claim",
        TRIES,
        ReplicaProperties::history,
        c -> {
          Map<TaskId, TaskReplica> state = applyAll(c.events());
          for (TaskReplica t : state.values()) {
            if (t.attempts() == null) {
              continue;
            }
            long gen = t.attempts().generation();
            Map<Integer, Long> claimsByNode =
                c.events().stream()
                    .filter(
                        e ->
                            e.taskId().equals(t.id())
                                && isClaim(e)
                                && e.version().generation() == gen)
                    .collect(
                        java.util.stream.Collectors.groupingBy(
                            Event::origin, java.util.stream.Collectors.counting()));
            Map<Integer, Long> merged = new java.util.TreeMap<>();
            t.attempts().claims().forEach((node, n) -> merged.put(node, (long) n));
            assertThat(merged)
                .as(
                    "claims of %s by node in %s",
                    t.id(), c.events().stream().filter(e -> e.taskId().equals(t.id())).toList())
                .isEqualTo(new java.util.TreeMap<>(claimsByNode));
          }
        });
  }

  /**
   * A claim makes a working version stamped by its own event (a heartbeat keeps an older stamp).
   */
  private static boolean isClaim(Event e) {
    return e.register() != null
        && e.register().state() == TaskState.WORKING
        && e.version().hlc() == e.hlc();
  }

  @Test
  void the_histories_reach_every_state_and_the_prune() {
    List<Event> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.addAll(Histories.generate(new SplittableRandom(i), 200));
    }
    for (TaskState s : TaskState.values()) {
      assertThat(Histories.reaches(all, s)).as("some history reaches %s", s).isTrue();
    }
    assertThat(all).anyMatch(e -> e.kind() == Event.Kind.PRUNE);
    assertThat(all).anyMatch(e -> e.body() != null && e.version().generation() > 0);
  }

  private static Version highest(TaskReplica t) {
    Version v = t.version();
    Version tomb = t.tombstone();
    if (v == null) {
      return tomb == null
          ? new Version(0, Long.MIN_VALUE, 0, Long.MIN_VALUE, 0, Long.MIN_VALUE, 0)
          : tomb;
    }
    return tomb == null ? v : Version.merge(v, tomb);
  }

  static Map<TaskId, TaskReplica> applyAll(List<Event> events) {
    Replica replica = new Replica();
    events.forEach(replica::apply);
    return replica.snapshot();
  }
}
