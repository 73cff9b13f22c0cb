package dev.stoker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import org.junit.jupiter.api.Test;

/** The merge's rules one at a time, on two nodes A (1) and B (2) that exchange events by hand. */
class TaskReplicaTest {
  long now = 1_800_000_000_000L;
  final Hlc hlcA = new Hlc(() -> now);
  final Hlc hlcB = new Hlc(() -> now);
  final Origin a = new Origin(1, 0);
  final Origin b = new Origin(2, 0);
  final Replica onA = new Replica();
  final Replica onB = new Replica();
  final TaskId id = new TaskId((now << 16) | 1, 42);

  Event enqueueOnA() {
    Stamp at = Stamp.next(hlcA, 1);
    Task t = Transitions.enqueue(id, "q", TaskSpec.of("job", "{}"), QueueSettings.DEFAULT, at);
    Event e = a.stateEvent(null, t, at);
    onA.apply(e);
    onB.apply(e);
    return e;
  }

  Event on(
      Origin o,
      Hlc hlc,
      Replica replica,
      java.util.function.BiFunction<Task, Stamp, Task> transition) {
    now += 10;
    Stamp at = Stamp.next(hlc, o.node());
    Event e = o.stateEvent(replica.get(id), transition.apply(replica.get(id).toTask(), at), at);
    replica.apply(e);
    return e;
  }

  static Task ok(Outcome o) {
    return ((Outcome.Ok) o).task();
  }

  @Test
  void two_claims_of_one_epoch_on_two_sides_count_two_attempts_and_one_claim_wins_for_good() {
    enqueueOnA();
    Event claimA = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "wa", 1000, at));
    Event claimB = on(b, hlcB, onB, (t, at) -> Transitions.claim(t, "wb", 1000, at));
    // B's worker heartbeats on B, later than A's claim: it must not overtake the larger claim.
    Event beatB =
        on(b, hlcB, onB, (t, at) -> ok(Transitions.heartbeat(t, t.lease().token(), 5000, at)));
    assertThat(Duplicates.revealsConcurrentClaims(onA.get(id), claimB))
        .as("A learns of B's claim")
        .isTrue();
    onA.apply(claimB);
    assertThat(Duplicates.revealsConcurrentClaims(onA.get(id), beatB))
        .as("a heartbeat of the same claim")
        .isFalse();
    onA.apply(beatB);
    onB.apply(claimA);
    Task seenA = onA.get(id).toTask();
    assertThat(seenA).isEqualTo(onB.get(id).toTask());
    assertThat(seenA.attempt()).isEqualTo(2);
    assertThat(seenA.lease().owner()).isEqualTo("wb"); // B's claim has the later HLC
  }

  /**
   * Two heartbeats of one claim that make the same lease at the same millisecond on two nodes, with
   * different progress: every replica keeps the same one, in either order.
   */
  @Test
  void heartbeats_of_one_lease_with_different_progress_converge_in_either_order() {
    enqueueOnA();
    Event claim = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "w", 1000, at));
    onB.apply(claim);
    now += 10;
    Event beatA = beat(a, hlcA, onA, "{\"on\":\"a\"}");
    Event beatB = beat(b, hlcB, onB, "{\"on\":\"b\"}");
    assertThat(beatA.register().leaseExpiresAt()).isEqualTo(beatB.register().leaseExpiresAt());
    assertThat(beatA.register().updatedAt()).isEqualTo(beatB.register().updatedAt());

    onA.apply(beatB);
    onB.apply(beatA);

    assertThat(onA.get(id)).isEqualTo(onB.get(id));
    assertThat(onA.get(id).toTask().lease().progressJson()).isEqualTo("{\"on\":\"b\"}");
    // And a heartbeat with a later lease carries its progress; a new claim starts without one.
    now += 10;
    Event later = beat(a, hlcA, onA, "0.5");
    onB.apply(later);
    assertThat(onB.get(id).toTask().lease().progressJson()).isEqualTo("0.5");
    Event released =
        on(a, hlcA, onA, (t, at) -> ok(Transitions.release(t, t.lease().token(), 0, at)));
    Event reclaim = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "w2", 1000, at));
    onB.apply(reclaim);
    onB.apply(released);
    assertThat(onB.get(id)).isEqualTo(onA.get(id));
    assertThat(onB.get(id).toTask().lease().progressJson()).isNull();
  }

  /** A heartbeat on {@code o} at the current millisecond that reports {@code progress}. */
  Event beat(Origin o, Hlc hlc, Replica replica, String progress) {
    Stamp at = Stamp.next(hlc, o.node());
    Task t = replica.get(id).toTask();
    Event e =
        o.stateEvent(
            replica.get(id),
            ok(Transitions.heartbeat(t, t.lease().token(), 5000, progress, at)),
            at);
    replica.apply(e);
    return e;
  }

  /** C10: conflicting updates across a partition, scripted. The work was done: done wins. */
  @Test
  void a_completion_beats_a_concurrent_cancel_retry_and_expiry() {
    enqueueOnA();
    Event claim = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "w", 1000, at));
    onB.apply(claim);
    Event done =
        on(a, hlcA, onA, (t, at) -> ok(Transitions.complete(t, t.lease().token(), "{}", at)));
    Event retry =
        on(
            b,
            hlcB,
            onB,
            (t, at) ->
                ok(
                    Transitions.fail(
                        t,
                        t.lease().token(),
                        "x",
                        false,
                        0L,
                        QueueSettings.DEFAULT.backoff(),
                        0,
                        at)));
    Event reclaim = on(b, hlcB, onB, (t, at) -> Transitions.claim(t, "w2", 1000, at));
    Event cancel = on(b, hlcB, onB, (t, at) -> ok(Transitions.cancel(t, at)));
    for (Event e : new Event[] {retry, reclaim, cancel}) {
      onA.apply(e);
    }
    onB.apply(done);
    assertThat(onA.get(id)).isEqualTo(onB.get(id));
    assertThat(onA.get(id).toTask().state()).isEqualTo(TaskState.DONE);
    assertThat(onA.get(id).toTask().attempt()).as("both claims were attempts").isEqualTo(2);
  }

  @Test
  void a_redrive_beats_the_dead_state_it_revives_and_a_later_completion_beats_the_redrive() {
    enqueueOnA();
    Event claim = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "w", 1000, at));
    onB.apply(claim);
    Event dead =
        on(
            a,
            hlcA,
            onA,
            (t, at) ->
                ok(
                    Transitions.fail(
                        t,
                        t.lease().token(),
                        "x",
                        true,
                        null,
                        QueueSettings.DEFAULT.backoff(),
                        0,
                        at)));
    onB.apply(dead);
    Event redrive = on(b, hlcB, onB, (t, at) -> Transitions.redrive(t, at));
    onA.apply(redrive);
    assertThat(onA.get(id).toTask().state()).as("a lone redrive wins").isEqualTo(TaskState.PENDING);
    // Meanwhile on A the old claim's worker completes with its (older) token: the work was done.
    String oldToken = dev.stoker.core.LeaseToken.of(id, claim.version()).encode();
    Event late = on(a, hlcA, onA, (t, at) -> ok(Transitions.complete(t, oldToken, "{}", at)));
    onB.apply(late);
    assertThat(onB.get(id).toTask().state()).isEqualTo(TaskState.DONE);
    assertThat(onA.get(id)).isEqualTo(onB.get(id));
  }

  @Test
  void a_pruned_task_never_comes_back_from_a_replica_that_still_holds_it() {
    Event enqueue = enqueueOnA();
    Event claim = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "w", 1000, at));
    Event done =
        on(a, hlcA, onA, (t, at) -> ok(Transitions.complete(t, t.lease().token(), "{}", at)));
    Event prune = a.pruneEvent(onA.get(id), Stamp.next(hlcA, 1));
    onA.apply(prune);
    assertThat(onA.get(id).toTask()).isNull();
    assertThat(onA.get(id).isPruned()).isTrue();
    // B held the task all along (it saw only the enqueue and the claim); its old events come back.
    for (Event old : new Event[] {enqueue, claim, done, enqueue}) {
      onA.apply(old);
      assertThat(onA.get(id).toTask()).isNull();
    }
    assertThat(onA.get(id))
        .isEqualTo(new TaskReplica(id, done.version(), null, null, null, null, null));
  }

  @Test
  void a_redrive_made_elsewhere_is_a_new_life_that_a_tombstone_does_not_hide() {
    enqueueOnA();
    on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "w", 1000, at));
    Event dead =
        on(
            a,
            hlcA,
            onA,
            (t, at) ->
                ok(
                    Transitions.fail(
                        t,
                        t.lease().token(),
                        "x",
                        true,
                        null,
                        QueueSettings.DEFAULT.backoff(),
                        0,
                        at)));
    onB.apply(dead);
    Event redrive = on(b, hlcB, onB, (t, at) -> Transitions.redrive(t, at));
    Event prune = a.pruneEvent(onA.get(id), Stamp.next(hlcA, 1));
    onA.apply(prune);
    onA.apply(redrive);
    onB.apply(prune);
    assertThat(onA.get(id)).isEqualTo(onB.get(id));
    assertThat(onA.get(id).toTask().state()).isEqualTo(TaskState.PENDING);
    assertThat(onA.get(id).toTask().attempt()).isZero();
  }

  @Test
  void a_task_whose_enqueue_has_not_arrived_is_invisible_until_it_does() {
    Replica onC = new Replica();
    Event enqueue = enqueueOnA();
    Event claim = on(b, hlcB, onB, (t, at) -> Transitions.claim(t, "w", 1000, at));
    onC.apply(claim);
    assertThat(onC.get(id).isBodyPending()).isTrue();
    assertThat(onC.get(id).toTask()).isNull();
    onC.apply(enqueue);
    assertThat(onC.get(id).toTask()).isEqualTo(onB.get(id).toTask());
  }

  @Test
  void tombstones_are_forgotten_only_past_the_horizon() {
    enqueueOnA();
    on(a, hlcA, onA, (t, at) -> ok(Transitions.cancel(t, at)));
    long cancelledAt = now;
    onA.apply(a.pruneEvent(onA.get(id), Stamp.next(hlcA, 1)));
    assertThat(onA.forgetTombstonesBefore(cancelledAt)).isZero();
    assertThat(onA.forgetTombstonesBefore(cancelledAt + 1)).isOne();
    assertThat(onA.get(id)).isNull();
  }

  @Test
  void a_heartbeat_on_a_node_that_has_not_seen_the_claim_records_it_and_merges_with_the_claim() {
    enqueueOnA();
    Event claimA = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "wa", 1000, at));
    String token = onA.get(id).toTask().lease().token();
    assertThat(UnseenClaim.recordedIn(onB.get(id).toTask(), "not a token"))
        .isEqualTo(onB.get(id).toTask());
    Event beatB =
        on(
            b,
            hlcB,
            onB,
            (t, at) ->
                ok(Transitions.heartbeat(UnseenClaim.recordedIn(t, token), token, 5000, at)));
    assertThat(beatB.version()).as("B's event carries A's claim").isEqualTo(claimA.version());
    assertThat(beatB.attempts()).as("not counted again").isEqualTo(onB.get(id).attempts());
    onB.apply(claimA);
    onA.apply(beatB);
    assertThat(onA.get(id)).isEqualTo(onB.get(id));
    assertThat(onA.get(id).toTask().lease().expiresAt()).isEqualTo(now + 5000);
    assertThat(onA.get(id).toTask().attempt()).isEqualTo(1);
  }

  @Test
  void a_token_of_an_older_claim_or_of_a_finished_task_is_not_recorded() {
    enqueueOnA();
    on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "wa", 1000, at));
    String old = onA.get(id).toTask().lease().token();
    on(a, hlcA, onA, (t, at) -> ok(Transitions.release(t, old, 0, at)));
    Task pending = onA.get(id).toTask();
    assertThat(UnseenClaim.recordedIn(pending, old))
        .as("the released claim is older")
        .isSameAs(pending);
    on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "wa", 1000, at));
    String current = onA.get(id).toTask().lease().token();
    on(a, hlcA, onA, (t, at) -> ok(Transitions.complete(t, current, null, at)));
    Task done = onA.get(id).toTask();
    assertThat(UnseenClaim.recordedIn(done, current)).isSameAs(done);
  }

  @Test
  void a_late_heartbeat_of_the_finished_claim_is_not_a_second_claim() {
    // A claims; B takes a heartbeat under A's claim before A's event reached it (an unseen claim);
    // A completes; B's heartbeat event arrives at A after the completion.
    enqueueOnA();
    Event claimA = on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "wa", 1000, at));
    String token = onA.get(id).toTask().lease().token();
    Event beatB =
        on(
            b,
            hlcB,
            onB,
            (t, at) ->
                ok(Transitions.heartbeat(UnseenClaim.recordedIn(t, token), token, 5000, at)));
    on(a, hlcA, onA, (t, at) -> ok(Transitions.complete(t, token, null, at)));
    assertThat(beatB.version()).isEqualTo(claimA.version());
    assertThat(Duplicates.revealsSecondClaim(onA.get(id), beatB)).isFalse();
  }

  @Test
  void a_second_claim_of_one_round_is_revealed_against_a_working_or_a_done_replica() {
    enqueueOnA();
    on(a, hlcA, onA, (t, at) -> Transitions.claim(t, "wa", 1000, at));
    Event claimB = on(b, hlcB, onB, (t, at) -> Transitions.claim(t, "wb", 1000, at));
    assertThat(Duplicates.revealsSecondClaim(onA.get(id), claimB))
        .as("against A's working claim")
        .isTrue();
    String tokenA = onA.get(id).toTask().lease().token();
    on(a, hlcA, onA, (t, at) -> ok(Transitions.complete(t, tokenA, null, at)));
    assertThat(Duplicates.revealsSecondClaim(onA.get(id), claimB))
        .as("against A's claim, done")
        .isTrue();
  }
}
