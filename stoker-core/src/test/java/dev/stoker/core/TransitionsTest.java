package dev.stoker.core;

import static dev.stoker.core.Fixture.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * One or more concrete examples for each row of the transitions table (docs/state-machine.md,
 * "Transitions as implemented").
 */
class TransitionsTest {
  private static final Backoff BACKOFF = new Backoff(1_000, 2.0, 60_000);
  private static final double NO_JITTER = 0.5;

  private final Fixture fx = new Fixture();

  // ---- enqueue ----

  @Test
  void enqueue_makes_a_pending_task_at_version_zero() {
    Task t = fx.enqueue(3);
    assertThat(t.state()).isEqualTo(TaskState.PENDING);
    assertThat(t.attempt()).isZero();
    assertThat(t.maxAttempts()).isEqualTo(3);
    assertThat(t.lease()).isNull();
    assertThat(t.runAt()).isEqualTo(fx.now());
    assertThat(t.createdAt()).isEqualTo(fx.now());
    assertThat(t.version())
        .extracting(
            Version::done,
            Version::generation,
            Version::terminalRank,
            Version::epoch,
            Version::phase,
            Version::node)
        .containsExactly(0, 0L, 0, 0L, 0, fx.node);
    assertThat(t.isClaimableAt(fx.now())).isTrue();
  }

  @Test
  void enqueue_honours_delay_run_at_and_the_queue_default_for_attempts() {
    Stamp at = fx.stamp();
    Task delayed =
        Transitions.enqueue(
            fx.newId(),
            "q",
            new TaskSpec("job", "null", 5, null, 1_500L, "k", null),
            QueueSettings.DEFAULT,
            at);
    assertThat(delayed.runAt()).isEqualTo(at.now() + 1_500);
    assertThat(delayed.maxAttempts()).isEqualTo(QueueSettings.DEFAULT.maxAttempts());
    assertThat(delayed.priority()).isEqualTo(5);
    assertThat(delayed.uniqueKey()).isEqualTo("k");
    assertThat(delayed.isClaimableAt(at.now() + 1_499)).isFalse();
    assertThat(delayed.isClaimableAt(at.now() + 1_500)).isTrue();

    Task scheduled =
        Transitions.enqueue(
            fx.newId(),
            "q",
            new TaskSpec("job", "null", 0, 42L, null, null, 7),
            QueueSettings.DEFAULT,
            fx.stamp());
    assertThat(scheduled.runAt()).isEqualTo(42);
    assertThat(scheduled.maxAttempts()).isEqualTo(7);
  }

  // ---- claim ----

  @Test
  void claim_makes_the_task_working_under_a_new_lease_and_counts_the_attempt() {
    Task pending = fx.enqueue(3);
    fx.advance(10);
    Task working = Transitions.claim(pending, "worker-9", 30_000, fx.stamp());
    assertThat(working.state()).isEqualTo(TaskState.WORKING);
    assertThat(working.attempt()).isEqualTo(1);
    assertThat(working.lease().owner()).isEqualTo("worker-9");
    assertThat(working.lease().expiresAt()).isEqualTo(fx.now() + 30_000);
    assertThat(LeaseToken.tryParse(working.lease().token()).isCurrentFor(working)).isTrue();
    assertThat(working.version().isAfter(pending.version())).isTrue();
    assertThat(working.version().phase()).isEqualTo(Version.PHASE_WORKING);
    assertThat(working.version().epoch()).isEqualTo(pending.version().epoch());
    assertThat(working.updatedAt()).isEqualTo(fx.now());
  }

  @Test
  void a_task_is_claimable_from_its_run_at_on() {
    Task delayed =
        Transitions.enqueue(
            fx.newId(),
            "q",
            new TaskSpec("job", "null", 0, null, 1_000L, null, null),
            QueueSettings.DEFAULT,
            fx.stamp());
    assertThat(delayed.isClaimableAt(fx.now() + 999)).isFalse();
    assertThat(delayed.isClaimableAt(fx.now() + 1_000)).isTrue();
    fx.advance(1_000);
    assertThat(Transitions.claim(delayed, "w", 1_000, fx.stamp()).state())
        .isEqualTo(TaskState.WORKING);
  }

  @Test
  void claim_leaves_judging_run_at_to_the_store() {
    // The store's index said the task was due, then the wall clock stepped back: the claim still
    // holds.
    Task due =
        Transitions.enqueue(
            fx.newId(),
            "q",
            new TaskSpec("job", "null", 0, fx.now() + 50, null, null, null),
            QueueSettings.DEFAULT,
            fx.stamp());
    Task working = Transitions.claim(due, "w", 1_000, fx.stamp());
    assertThat(working.state()).isEqualTo(TaskState.WORKING);
    assertThat(working.attempt()).isEqualTo(1);
  }

  @Test
  void claim_refuses_working_and_finished_tasks() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    assertThatThrownBy(() -> Transitions.claim(working, "w2", 1_000, fx.stamp()))
        .isInstanceOf(IllegalStateException.class);
    Task done = ok(Transitions.complete(working, working.lease().token(), "1", fx.stamp()));
    assertThatThrownBy(() -> Transitions.claim(done, "w2", 1_000, fx.stamp()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void each_claim_has_its_own_token() {
    Task first = fx.claim(fx.enqueue(), 1_000);
    Task released = ok(Transitions.release(first, first.lease().token(), 0, fx.stamp()));
    Task second = fx.claim(released, 1_000);
    assertThat(second.lease().token()).isNotEqualTo(first.lease().token());
    assertThat(second.attempt()).isEqualTo(1);
  }

  // ---- heartbeat ----

  @Test
  void heartbeat_extends_the_lease_within_the_same_version() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    fx.advance(800);
    Task beat = ok(Transitions.heartbeat(working, working.lease().token(), 5_000, fx.stamp()));
    assertThat(beat.version()).isEqualTo(working.version());
    assertThat(beat.state()).isEqualTo(TaskState.WORKING);
    assertThat(beat.lease().expiresAt()).isEqualTo(fx.now() + 5_000);
    assertThat(beat.lease().token()).isEqualTo(working.lease().token());
    assertThat(beat.lease().owner()).isEqualTo(working.lease().owner());
    assertThat(beat.attempt()).isEqualTo(working.attempt());
  }

  @Test
  void heartbeat_with_progress_sets_it_one_without_keeps_it_and_a_new_claim_has_none() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    String token = working.lease().token();
    Task set = ok(Transitions.heartbeat(working, token, 1_000, "{\"done\":3}", fx.stamp()));
    assertThat(set.lease().progressJson()).isEqualTo("{\"done\":3}");
    assertThat(set.version()).isEqualTo(working.version());
    fx.advance(10);
    Task kept = ok(Transitions.heartbeat(set, token, 1_000, fx.stamp()));
    assertThat(kept.lease().progressJson()).isEqualTo("{\"done\":3}");
    Task replaced = ok(Transitions.heartbeat(kept, token, 1_000, "0.5", fx.stamp()));
    assertThat(replaced.lease().progressJson()).isEqualTo("0.5");

    Task released = ok(Transitions.release(replaced, token, 0, fx.stamp()));
    assertThat(released.lease()).isNull();
    assertThat(Transitions.claim(released, "w", 1_000, fx.stamp()).lease().progressJson()).isNull();
  }

  @Test
  void heartbeat_never_shortens_the_lease() {
    Task working = fx.claim(fx.enqueue(), 60_000);
    fx.advance(10);
    Task beat = ok(Transitions.heartbeat(working, working.lease().token(), 1_000, fx.stamp()));
    assertThat(beat.lease().expiresAt()).isEqualTo(working.lease().expiresAt());
  }

  @Test
  void heartbeat_with_a_stale_token_is_refused() {
    Task first = fx.claim(fx.enqueue(), 1_000);
    String stale = first.lease().token();
    Task pending = ok(Transitions.release(first, stale, 0, fx.stamp()));
    Task second = fx.claim(pending, 1_000);
    assertThat(Transitions.heartbeat(second, stale, 60_000, fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(second));
    assertThat(Transitions.heartbeat(pending, stale, 60_000, fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(pending));
    assertThat(Transitions.heartbeat(second, "junk", 60_000, fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(second));
    assertThat(Transitions.heartbeat(second, null, 60_000, fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(second));
  }

  @Test
  void heartbeat_on_a_finished_task_says_it_is_finished() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    String token = working.lease().token();
    Task done = ok(Transitions.complete(working, token, "1", fx.stamp()));
    assertThat(Transitions.heartbeat(done, token, 1_000, fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(done));
  }

  // ---- complete ----

  @Test
  void complete_from_working_with_the_current_token() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    fx.advance(5);
    Task done = ok(Transitions.complete(working, working.lease().token(), "{\"r\":1}", fx.stamp()));
    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(done.resultJson()).isEqualTo("{\"r\":1}");
    assertThat(done.lease()).isNull();
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.version().done()).isEqualTo(1);
    assertThat(done.version().isAfter(working.version())).isTrue();
    assertThat(done.updatedAt()).isEqualTo(fx.now());
  }

  @Test
  void a_late_completion_after_the_lease_expired_is_accepted() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    String token = working.lease().token();
    fx.advance(2_000);
    Task pending = Transitions.expire(working, fx.stamp());
    assertThat(pending.state()).isEqualTo(TaskState.PENDING);
    Task done = ok(Transitions.complete(pending, token, "\"late\"", fx.stamp()));
    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(done.resultJson()).isEqualTo("\"late\"");
    assertThat(done.version().isAfter(pending.version())).isTrue();
  }

  @Test
  void a_completion_by_the_previous_worker_beats_the_worker_who_took_over() {
    Task first = fx.claim(fx.enqueue(3), 1_000);
    String oldToken = first.lease().token();
    fx.advance(2_000);
    Task second = fx.claim(Transitions.expire(first, fx.stamp()), 1_000);
    Task done = ok(Transitions.complete(second, oldToken, "1", fx.stamp()));
    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(done.lease()).isNull();
    // The new worker learns that its task is finished.
    assertThat(Transitions.heartbeat(done, second.lease().token(), 1_000, fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(done));
  }

  @Test
  void complete_with_a_token_of_another_task_is_stale() {
    Task mine = fx.claim(fx.enqueue(), 1_000);
    Task other = fx.claim(fx.enqueue(), 1_000);
    assertThat(Transitions.complete(mine, other.lease().token(), "1", fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(mine));
    // Even a forged token with this task's exact version but another id.
    String forged = LeaseToken.of(other.id(), mine.version()).encode();
    assertThat(Transitions.complete(mine, forged, "1", fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(mine));
    assertThat(Transitions.complete(mine, "junk", "1", fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(mine));
    assertThat(Transitions.complete(mine, null, "1", fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(mine));
  }

  @Test
  void complete_on_a_finished_task_is_already_finished() {
    Task working = fx.claim(fx.enqueue(1), 1_000);
    String token = working.lease().token();
    Task done = ok(Transitions.complete(working, token, "1", fx.stamp()));
    assertThat(Transitions.complete(done, token, "2", fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(done));

    Task cancelled = ok(Transitions.cancel(working, fx.stamp()));
    assertThat(Transitions.complete(cancelled, token, "2", fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(cancelled));

    Task dead =
        ok(Transitions.fail(working, token, "e", true, null, BACKOFF, NO_JITTER, fx.stamp()));
    assertThat(Transitions.complete(dead, token, "2", fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(dead));
    // A token of another task gets the same answer: the state is what the worker needs to know.
    assertThat(Transitions.complete(dead, "junk", "2", fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(dead));
  }

  // ---- fail ----

  @Test
  void fail_goes_back_to_pending_after_the_backoff() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    fx.advance(100);
    Task pending =
        ok(
            Transitions.fail(
                working,
                working.lease().token(),
                "boom",
                false,
                null,
                BACKOFF,
                NO_JITTER,
                fx.stamp()));
    assertThat(pending.state()).isEqualTo(TaskState.PENDING);
    assertThat(pending.runAt()).isEqualTo(fx.now() + 1_000);
    assertThat(pending.lastError()).isEqualTo("boom");
    assertThat(pending.attempt()).as("the failed attempt counts").isEqualTo(1);
    assertThat(pending.lease()).isNull();
    assertThat(pending.version().epoch()).isEqualTo(working.version().epoch() + 1);
    assertThat(pending.version().phase()).isEqualTo(Version.PHASE_PENDING);
    assertThat(pending.version().isAfter(working.version())).isTrue();
    assertThat(pending.isClaimableAt(fx.now() + 999)).isFalse();
    assertThat(pending.isClaimableAt(fx.now() + 1_000)).isTrue();
  }

  @Test
  void the_backoff_grows_with_each_failed_attempt_and_uses_the_jitter() {
    Task t = fx.enqueue(5);
    long[] expected = {1_000, 2_000, 4_000};
    for (long delay : expected) {
      t = fx.claim(t, 1_000);
      t =
          ok(
              Transitions.fail(
                  t, t.lease().token(), "e", false, null, BACKOFF, NO_JITTER, fx.stamp()));
      assertThat(t.runAt() - fx.now()).isEqualTo(delay);
      fx.advance(delay);
    }
    t = fx.claim(t, 1_000);
    Task low =
        ok(Transitions.fail(t, t.lease().token(), "e", false, null, BACKOFF, 0.0, fx.stamp()));
    assertThat(low.runAt() - fx.now()).isEqualTo(6_400); // 8 s − 20 %
  }

  @Test
  void fail_honours_retry_in_ms() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    Task pending =
        ok(
            Transitions.fail(
                working,
                working.lease().token(),
                "later",
                false,
                12_345L,
                BACKOFF,
                NO_JITTER,
                fx.stamp()));
    assertThat(pending.state()).isEqualTo(TaskState.PENDING);
    assertThat(pending.runAt()).isEqualTo(fx.now() + 12_345);
    Task soon =
        ok(
            Transitions.fail(
                working,
                working.lease().token(),
                "now",
                false,
                0L,
                BACKOFF,
                NO_JITTER,
                fx.stamp()));
    assertThat(soon.runAt()).isEqualTo(fx.now());
  }

  @Test
  void fail_at_the_last_attempt_is_dead() {
    Task t = fx.enqueue(2);
    t = fx.claim(t, 1_000);
    t =
        ok(
            Transitions.fail(
                t, t.lease().token(), "first", false, 0L, BACKOFF, NO_JITTER, fx.stamp()));
    assertThat(t.state()).isEqualTo(TaskState.PENDING);
    t = fx.claim(t, 1_000);
    assertThat(t.attempt()).isEqualTo(2);
    Task dead =
        ok(
            Transitions.fail(
                t, t.lease().token(), "second", false, 0L, BACKOFF, NO_JITTER, fx.stamp()));
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.lastError()).isEqualTo("second");
    assertThat(dead.lease()).isNull();
    assertThat(dead.attempt()).isEqualTo(2);
    assertThat(dead.version().terminalRank()).isEqualTo(Version.RANK_DEAD);
    assertThat(dead.version().isAfter(t.version())).isTrue();
  }

  @Test
  void a_permanent_failure_is_dead_at_once() {
    Task working = fx.claim(fx.enqueue(10), 1_000);
    Task dead =
        ok(
            Transitions.fail(
                working,
                working.lease().token(),
                "bad input",
                true,
                null,
                BACKOFF,
                NO_JITTER,
                fx.stamp()));
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.attempt()).isEqualTo(1);
    assertThat(dead.lastError()).isEqualTo("bad input");
    assertThat(dead.version().isAfter(working.version())).isTrue();
  }

  @Test
  void fail_with_a_stale_token_is_refused_and_changes_nothing() {
    Task first = fx.claim(fx.enqueue(3), 1_000);
    String stale = first.lease().token();
    fx.advance(2_000);
    Task second = fx.claim(Transitions.expire(first, fx.stamp()), 1_000);
    assertThat(Transitions.fail(second, stale, "e", true, null, BACKOFF, NO_JITTER, fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(second));
    Task dead =
        ok(
            Transitions.fail(
                second, second.lease().token(), "e", true, null, BACKOFF, NO_JITTER, fx.stamp()));
    assertThat(
            Transitions.fail(
                dead, second.lease().token(), "e", false, null, BACKOFF, NO_JITTER, fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(dead));
  }

  // ---- release ----

  @Test
  void release_goes_back_to_pending_without_counting_the_attempt() {
    Task working = fx.claim(fx.enqueue(1), 1_000);
    assertThat(working.attempt()).isEqualTo(1);
    Task pending = ok(Transitions.release(working, working.lease().token(), 0, fx.stamp()));
    assertThat(pending.state()).isEqualTo(TaskState.PENDING);
    assertThat(pending.attempt()).isZero();
    assertThat(pending.lease()).isNull();
    assertThat(pending.runAt()).isEqualTo(fx.now());
    assertThat(pending.version().epoch()).isEqualTo(working.version().epoch() + 1);
    assertThat(pending.version().isAfter(working.version())).isTrue();
    // Released on its only attempt, the task can still run.
    Task again = fx.claim(pending, 1_000);
    assertThat(again.attempt()).isEqualTo(1);
  }

  @Test
  void release_can_delay_the_task() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    Task pending = ok(Transitions.release(working, working.lease().token(), 30_000, fx.stamp()));
    assertThat(pending.runAt()).isEqualTo(fx.now() + 30_000);
    assertThat(pending.isClaimableAt(fx.now())).isFalse();
  }

  @Test
  void release_with_a_stale_token_is_refused() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    Task pending = ok(Transitions.release(working, working.lease().token(), 0, fx.stamp()));
    assertThat(Transitions.release(pending, working.lease().token(), 0, fx.stamp()))
        .isEqualTo(new Outcome.StaleToken(pending));
  }

  // ---- expire ----

  @Test
  void an_expired_lease_goes_back_to_pending_in_a_new_epoch() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    fx.advance(1_000);
    assertThat(working.isLeaseExpiredAt(fx.now()))
        .as("expires_at itself is still inside the lease")
        .isFalse();
    assertThatThrownBy(() -> Transitions.expire(working, fx.stamp()))
        .isInstanceOf(IllegalStateException.class);
    fx.advance(1);
    Task pending = Transitions.expire(working, fx.stamp());
    assertThat(pending.state()).isEqualTo(TaskState.PENDING);
    assertThat(pending.lease()).isNull();
    assertThat(pending.attempt()).isEqualTo(1);
    assertThat(pending.runAt()).isEqualTo(fx.now());
    assertThat(pending.isClaimableAt(fx.now())).isTrue();
    assertThat(pending.lastError()).contains("worker-1").contains("expired");
    assertThat(pending.version().epoch()).isEqualTo(working.version().epoch() + 1);
    assertThat(pending.version().isAfter(working.version())).isTrue();

    Task takeover = fx.claim(pending, 1_000);
    assertThat(takeover.attempt()).isEqualTo(2);
    assertThat(takeover.version().epoch()).isEqualTo(working.version().epoch() + 1);
    assertThat(takeover.version().isAfter(working.version())).isTrue();
  }

  @Test
  void an_expired_lease_on_the_last_attempt_is_dead() {
    Task working = fx.claim(fx.enqueue(1), 1_000);
    fx.advance(1_001);
    Task dead = Transitions.expire(working, fx.stamp());
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.lease()).isNull();
    assertThat(dead.lastError()).contains("expired");
    assertThat(dead.version().isAfter(working.version())).isTrue();
  }

  @Test
  void expire_refuses_tasks_without_a_lease() {
    Task pending = fx.enqueue();
    fx.advance(1_000_000);
    assertThatThrownBy(() -> Transitions.expire(pending, fx.stamp()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void a_heartbeat_in_time_keeps_the_lease_from_expiring() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    fx.advance(900);
    Task beat = ok(Transitions.heartbeat(working, working.lease().token(), 1_000, fx.stamp()));
    fx.advance(900);
    assertThat(working.isLeaseExpiredAt(fx.now())).isTrue();
    assertThat(beat.isLeaseExpiredAt(fx.now())).isFalse();
    assertThatThrownBy(() -> Transitions.expire(beat, fx.stamp()))
        .isInstanceOf(IllegalStateException.class);
  }

  // ---- cancel ----

  @Test
  void cancel_a_pending_task() {
    Task pending = fx.enqueue();
    Task cancelled = ok(Transitions.cancel(pending, fx.stamp()));
    assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(cancelled.version().terminalRank()).isEqualTo(Version.RANK_CANCELLED);
    assertThat(cancelled.version().isAfter(pending.version())).isTrue();
  }

  @Test
  void cancel_a_working_task_makes_its_lease_stale() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    Task cancelled = ok(Transitions.cancel(working, fx.stamp()));
    assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(cancelled.lease()).isNull();
    assertThat(cancelled.version().isAfter(working.version())).isTrue();
    assertThat(Transitions.heartbeat(cancelled, working.lease().token(), 1_000, fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(cancelled));
  }

  @Test
  void cancel_a_finished_task_is_already_finished() {
    Task cancelled = ok(Transitions.cancel(fx.enqueue(), fx.stamp()));
    assertThat(Transitions.cancel(cancelled, fx.stamp()))
        .isEqualTo(new Outcome.AlreadyFinished(cancelled));
    Task working = fx.claim(fx.enqueue(), 1_000);
    Task done = ok(Transitions.complete(working, working.lease().token(), "1", fx.stamp()));
    assertThat(Transitions.cancel(done, fx.stamp())).isEqualTo(new Outcome.AlreadyFinished(done));
  }

  // ---- redrive ----

  @Test
  void redrive_revives_a_dead_task_in_a_new_generation() {
    Task working = fx.claim(fx.enqueue(1), 1_000);
    Task dead = failedOnItsLastAttempt(working);
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    fx.advance(60_000);
    Task revived = Transitions.redrive(dead, fx.stamp());
    assertThat(revived.state()).isEqualTo(TaskState.PENDING);
    assertThat(revived.attempt()).isZero();
    assertThat(revived.runAt()).isEqualTo(fx.now());
    assertThat(revived.isClaimableAt(fx.now())).isTrue();
    assertThat(revived.version())
        .extracting(
            Version::done,
            Version::generation,
            Version::terminalRank,
            Version::epoch,
            Version::phase)
        .containsExactly(0, 1L, 0, 0L, 0);
    assertThat(revived.version().isAfter(dead.version())).isTrue();
    // The old claim stays stale in the new generation.
    Task again = fx.claim(revived, 1_000);
    assertThat(again.attempt()).isEqualTo(1);
    assertThat(Transitions.heartbeat(again, working.lease().token(), 1_000, fx.stamp()))
        .isInstanceOf(Outcome.StaleToken.class);
  }

  @Test
  void redrive_refuses_tasks_that_are_not_dead() {
    Task pending = fx.enqueue();
    Task working = fx.claim(pending, 1_000);
    Task done = ok(Transitions.complete(working, working.lease().token(), "1", fx.stamp()));
    Task cancelled = ok(Transitions.cancel(fx.enqueue(), fx.stamp()));
    for (Task t : new Task[] {pending, working, done, cancelled}) {
      assertThatThrownBy(() -> Transitions.redrive(t, fx.stamp()))
          .as("redrive of a %s task", t.state())
          .isInstanceOf(IllegalStateException.class);
    }
  }

  // ---- retry ----

  @Test
  void retry_revives_a_dead_task_as_a_redrive_does() {
    Task dead = failedOnItsLastAttempt(fx.claim(fx.enqueue(1), 1_000));
    fx.advance(60_000);
    Stamp at = fx.stamp();
    Task retried = ok(Transitions.retry(dead, null, at));
    assertThat(retried).isEqualTo(Transitions.redrive(dead, at));
    assertThat(retried.state()).isEqualTo(TaskState.PENDING);
    assertThat(retried.attempt()).isZero();
    assertThat(retried.lastError()).isEqualTo("e");
    assertThat(retried.isClaimableAt(fx.now())).isTrue();
  }

  @Test
  void retry_revives_a_cancelled_task_in_a_new_generation() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    Task cancelled = ok(Transitions.cancel(working, fx.stamp()));
    fx.advance(1_000);
    Task retried = ok(Transitions.retry(cancelled, null, fx.stamp()));
    assertThat(retried.state()).isEqualTo(TaskState.PENDING);
    assertThat(retried.attempt()).isZero();
    assertThat(retried.runAt()).isEqualTo(fx.now());
    assertThat(retried.lease()).isNull();
    assertThat(retried.version())
        .extracting(
            Version::done,
            Version::generation,
            Version::terminalRank,
            Version::epoch,
            Version::phase)
        .containsExactly(0, 1L, 0, 0L, 0);
    assertThat(retried.version().isAfter(cancelled.version())).isTrue();
    assertThat(Transitions.heartbeat(retried, working.lease().token(), 1_000, fx.stamp()))
        .isInstanceOf(Outcome.StaleToken.class);
  }

  @Test
  void retry_refuses_tasks_that_are_neither_dead_nor_cancelled() {
    Task pending = fx.enqueue();
    Task working = fx.claim(pending, 1_000);
    Task done = ok(Transitions.complete(working, working.lease().token(), "1", fx.stamp()));
    for (Task t : new Task[] {pending, working, done}) {
      assertThat(Transitions.retry(t, null, fx.stamp()))
          .as("retry of a %s task", t.state())
          .isEqualTo(new Outcome.NotRetryable(t));
    }
    assertThat(Transitions.retry(pending, pending.id(), fx.stamp()))
        .as("a live task holds its own key: the state is what refuses it")
        .isEqualTo(new Outcome.NotRetryable(pending));
  }

  @Test
  void retry_refuses_a_task_whose_unique_key_another_live_task_holds() {
    Task cancelled = ok(Transitions.cancel(fx.enqueue(), fx.stamp()));
    TaskId holder = fx.enqueue().id();
    assertThat(Transitions.retry(cancelled, holder, fx.stamp()))
        .isEqualTo(new Outcome.KeyHeld(cancelled, holder));
  }

  /** {@code working} (on its last attempt) after a retryable failure: dead. */
  private Task failedOnItsLastAttempt(Task working) {
    return ok(
        Transitions.fail(
            working, working.lease().token(), "e", false, null, BACKOFF, NO_JITTER, fx.stamp()));
  }

  // ---- the merge rule across transitions ----

  @Test
  void a_completion_beats_every_concurrent_update() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    String token = working.lease().token();
    Task done = ok(Transitions.complete(working, token, "1", fx.stamp()));
    // Updates made later, on a replica that had not yet seen the completion.
    Task failed =
        ok(Transitions.fail(working, token, "e", true, null, BACKOFF, NO_JITTER, fx.stamp()));
    Task cancelled = ok(Transitions.cancel(working, fx.stamp()));
    Task released = ok(Transitions.release(working, token, 0, fx.stamp()));
    Task revived = Transitions.redrive(failed, fx.stamp());
    for (Task other : new Task[] {failed, cancelled, released, revived}) {
      assertThat(Version.merge(other.version(), done.version()))
          .as("vs %s", other.state())
          .isEqualTo(done.version());
    }
  }

  @Test
  void a_redrive_beats_the_dead_state_it_revives_and_dead_beats_cancelled() {
    Task working = fx.claim(fx.enqueue(3), 1_000);
    Task cancelled = ok(Transitions.cancel(working, fx.stamp()));
    Task dead =
        ok(
            Transitions.fail(
                working, working.lease().token(), "e", true, null, BACKOFF, NO_JITTER, fx.stamp()));
    assertThat(dead.version().isAfter(cancelled.version())).isTrue();
    Task revived = Transitions.redrive(dead, fx.stamp());
    assertThat(revived.version().isAfter(dead.version())).isTrue();
  }

  @Test
  void a_newer_claim_beats_an_older_one_whatever_their_clocks() {
    Fixture fast = new Fixture(1);
    fast.advance(3_600_000); // an hour ahead of the other node
    Fixture slow = new Fixture(2);
    Task working = Transitions.claim(fx.enqueue(3), "w", 1_000, fast.stamp());
    Task pending = ok(Transitions.release(working, working.lease().token(), 0, slow.stamp()));
    Task newer = Transitions.claim(pending, "w2", 1_000, slow.stamp());
    assertThat(newer.version().hlc()).isLessThan(working.version().hlc());
    assertThat(newer.version().isAfter(working.version())).isTrue();
    assertThat(Version.merge(working.version(), newer.version())).isEqualTo(newer.version());
  }
}
