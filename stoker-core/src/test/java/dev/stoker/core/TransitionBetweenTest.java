package dev.stoker.core;

import static dev.stoker.core.Fixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.store.Transition;
import org.junit.jupiter.api.Test;

/**
 * {@link Transition#between}: a store that sees only the task before and after another server's
 * write names the transition as that server did.
 */
class TransitionBetweenTest {
  private final Fixture f = new Fixture();

  private Task claimed(Task t) {
    f.advance(1);
    return f.claim(t, 10_000);
  }

  private static String token(Task t) {
    return t.lease().token();
  }

  @Test
  void each_operation_is_named_as_the_server_that_made_it_names_it() {
    Task pending = f.enqueue(2);
    assertThat(Transition.between(null, pending)).isEqualTo(Transition.ENQUEUED);

    Task working = claimed(pending);
    assertThat(Transition.between(pending, working)).isEqualTo(Transition.CLAIMED);

    f.advance(1);
    Task beat = ok(Transitions.heartbeat(working, token(working), 20_000, f.stamp()));
    assertThat(Transition.between(working, beat)).as("a heartbeat is no transition").isNull();

    f.advance(1);
    Task released = ok(Transitions.release(beat, token(beat), 0, f.stamp()));
    assertThat(Transition.between(beat, released)).isEqualTo(Transition.RELEASED);

    Task again = claimed(released);
    f.advance(1);
    Task failed = ok(fail(again));
    assertThat(Transition.between(again, failed)).isEqualTo(Transition.FAILED);

    Task last = claimed(failed);
    f.advance(1);
    Task dead = ok(fail(last));
    assertThat(Transition.between(last, dead)).isEqualTo(Transition.DEAD);

    f.advance(1);
    Task redriven = Transitions.redrive(dead, f.stamp());
    assertThat(Transition.between(dead, redriven)).isEqualTo(Transition.REDRIVEN);

    f.advance(1);
    Task cancelled = ok(Transitions.cancel(redriven, f.stamp()));
    assertThat(Transition.between(redriven, cancelled)).isEqualTo(Transition.CANCELLED);

    f.advance(1);
    Task retried = ok(Transitions.retry(cancelled, null, f.stamp()));
    assertThat(Transition.between(cancelled, retried)).isEqualTo(Transition.RETRIED);

    Task finalClaim = claimed(retried);
    f.advance(1);
    Task done = ok(Transitions.complete(finalClaim, token(finalClaim), "{}", f.stamp()));
    assertThat(Transition.between(finalClaim, done)).isEqualTo(Transition.COMPLETED);
  }

  @Test
  void a_lease_that_ran_out_is_an_expiry_to_pending_or_to_dead() {
    Task working = claimed(f.enqueue(2));
    f.advance(10_001);
    Task expired = Transitions.expire(working, f.stamp());
    assertThat(expired.state()).isEqualTo(TaskState.PENDING);
    assertThat(Transition.between(working, expired)).isEqualTo(Transition.EXPIRED);

    Task second = claimed(expired);
    f.advance(10_001);
    Task dead = Transitions.expire(second, f.stamp());
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(Transition.between(second, dead)).isEqualTo(Transition.EXPIRED);
  }

  @Test
  void the_same_version_written_again_is_no_transition() {
    Task pending = f.enqueue();
    assertThat(Transition.between(pending, pending)).isNull();
  }

  private Outcome fail(Task t) {
    return Transitions.fail(t, token(t), "boom", false, null, Backoff.DEFAULT, 0.5, f.stamp());
  }
}
