package dev.stoker.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.Completion;
import dev.stoker.testkit.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Which completions ride in a claim transaction: only those that succeed on the record this server
 * wrote, within the budget; their outcomes count only once that transaction committed.
 */
class RidersTest {
  private final ManualClock clock = new ManualClock();
  private final TaskIdGenerator ids = new TaskIdGenerator(clock, 1, new SplittableRandom(1));
  private final Keys keys = new Keys("/t");
  private final Written written = new Written();
  private long revision = 10;

  private Stamp stamp(long now) {
    return new Stamp(now, now, 1);
  }

  /** A task claimed through this server, its record as written. */
  private Task claimed(long leaseMs) {
    long now = clock.millis();
    Task t =
        Transitions.enqueue(
            ids.next(), "q", TaskSpec.of("t", "{}"), QueueSettings.DEFAULT, stamp(now));
    Task c = Transitions.claim(t, "w", leaseMs, stamp(now));
    written.committed(List.of(c), revision++);
    return c;
  }

  private Riders riders(List<Completion> completions, int maxOps) {
    return new Riders(
        completions, written, keys, clock.millis(), this::stamp, maxOps, EtcdStore.TXN_BYTES);
  }

  private static Completion completion(Task t) {
    return new Completion(t.id(), t.lease().token(), "1");
  }

  @Test
  void only_completions_that_succeed_on_the_written_record_ride_and_count_once_committed() {
    Task ok = claimed(60_000);
    Task stale = claimed(60_000);
    Task unknown =
        Transitions.claim(
            Transitions.enqueue(
                ids.next(), "q", TaskSpec.of("t", "{}"), QueueSettings.DEFAULT, stamp(0)),
            "w",
            60_000,
            stamp(0));
    Task twice = claimed(60_000);
    List<Completion> cs =
        List.of(
            completion(ok),
            new Completion(stale.id(), "not-the-token", "1"),
            completion(unknown),
            completion(twice),
            completion(twice));
    Riders r = riders(cs, 128);
    Writes w = new Writes(keys, clock.millis(), 7);
    assertThat(r.ops()).isPositive();
    assertThat(r.rideIn(w)).isTrue();
    assertThat(w.changed()).extracting(Task::id).containsExactly(ok.id(), twice.id());
    assertThat(w.changed()).extracting(Task::state).containsOnly(TaskState.DONE);
    assertThat(r.outcomes(cs.size())).as("not committed yet").containsOnlyNulls();
    assertThat(r.rideIn(new Writes(keys, clock.millis(), 7))).as("only once").isFalse();
    assertThat(r.ops()).isZero();

    r.committed();
    List<Outcome> out = r.outcomes(cs.size());
    assertThat(out.get(0)).isEqualTo(new Outcome.Ok(w.changed().get(0)));
    assertThat(out.get(3)).isEqualTo(new Outcome.Ok(w.changed().get(1)));
    assertThat(out.get(1)).as("a refusal is decided on a read").isNull();
    assertThat(out.get(2)).as("no record written here: read first").isNull();
    assertThat(out.get(4)).as("the same task twice: in order, on its own").isNull();
  }

  @Test
  void a_claim_whose_lease_ran_out_does_not_ride() {
    Task expired = claimed(1_000);
    clock.advanceMillis(1_001);
    Riders r = riders(List.of(completion(expired)), 128);
    assertThat(r.ops()).isZero();
    assertThat(r.rideIn(new Writes(keys, clock.millis(), 7))).isFalse();
  }

  @Test
  void riders_stop_at_their_budget_of_operations() {
    List<Completion> cs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      cs.add(completion(claimed(60_000)));
    }
    Riders r = riders(cs, 20);
    Writes w = new Writes(keys, clock.millis(), 7);
    r.rideIn(w);
    assertThat(r.ops()).isZero();
    assertThat(w.size()).isLessThanOrEqualTo(20);
    assertThat(w.changed()).isNotEmpty().hasSizeLessThan(20);
    r.committed();
    List<Outcome> out = r.outcomes(cs.size());
    assertThat(out.subList(0, w.changed().size())).doesNotContainNull();
    assertThat(out.subList(w.changed().size(), cs.size())).containsOnlyNulls();
  }
}
