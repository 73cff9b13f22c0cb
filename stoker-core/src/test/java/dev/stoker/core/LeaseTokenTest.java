package dev.stoker.core;

import static dev.stoker.core.Fixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LeaseTokenTest {
  private final Fixture fx = new Fixture();

  @Test
  void encode_then_parse_round_trips() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      LeaseToken token =
          new LeaseToken(
              new TaskId(random.nextLong(), random.nextLong()),
              random.nextLong(),
              random.nextLong(),
              random.nextLong(),
              random.nextInt(0x10000));
      String text = token.encode();
      assertThat(text).startsWith("t1.").hasSizeLessThanOrEqualTo(LeaseToken.MAX_TEXT_LENGTH);
      assertThat(LeaseToken.tryParse(text)).isEqualTo(token);
    }
  }

  @Test
  void a_token_names_the_task_and_the_version_of_its_claim() {
    Task working = fx.claim(fx.enqueue(), 30_000);
    LeaseToken token = LeaseToken.tryParse(working.lease().token());
    assertThat(token).isEqualTo(LeaseToken.of(working.id(), working.version()));
    assertThat(token.taskId()).isEqualTo(working.id());
    assertThat(token.hlc()).isEqualTo(working.version().hlc());
    assertThat(token.node()).isEqualTo(fx.node);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "t1.",
        "t1",
        "garbage",
        "t1.!!!!",
        "t1.AAAA",
        "t1.A",
        "t1.====",
        // the standard (not URL-safe) base64 alphabet
        "t1.++++++++++++++++++++++++++++++++++++++++++++++++++++++++",
        "t1.////////////////////////////////////////////////////////",
      })
  void garbage_is_not_a_token(String text) {
    assertThat(LeaseToken.tryParse(text)).isNull();
  }

  @Test
  void a_token_damaged_in_length_or_prefix_is_refused() {
    String good = LeaseToken.of(new TaskId(1, 2), Version.initial(3, 4)).encode();
    assertThat(LeaseToken.tryParse(good)).isNotNull();
    assertThat(LeaseToken.tryParse(good.substring(0, good.length() - 1))).isNull();
    assertThat(LeaseToken.tryParse(good.substring(0, good.length() - 4))).isNull();
    assertThat(LeaseToken.tryParse(good + "AAAA")).as("too many bytes").isNull();
    assertThat(LeaseToken.tryParse("t2." + good.substring(3)))
        .as("another version's prefix")
        .isNull();
    assertThat(LeaseToken.tryParse("T1." + good.substring(3))).isNull();
    assertThat(LeaseToken.tryParse(good.substring(3))).as("no prefix").isNull();
    assertThat(LeaseToken.tryParse(" " + good)).isNull();
  }

  @Test
  void oversized_input_is_refused() {
    String good = LeaseToken.of(new TaskId(1, 2), Version.initial(3, 4)).encode();
    assertThat(LeaseToken.tryParse(good + "A".repeat(LeaseToken.MAX_TEXT_LENGTH))).isNull();
    assertThat(LeaseToken.tryParse("t1." + "A".repeat(1_000_000))).isNull();
  }

  @Test
  void the_token_of_a_claim_is_current_for_the_working_task() {
    Task working = fx.claim(fx.enqueue(), 30_000);
    assertThat(LeaseToken.tryParse(working.lease().token()).isCurrentFor(working)).isTrue();
  }

  @Test
  void a_token_is_not_current_once_any_part_of_the_version_changes() {
    Task working = fx.claim(fx.enqueue(), 30_000);
    Version v = working.version();
    LeaseToken token = LeaseToken.tryParse(working.lease().token());
    Version[] changed = {
      new Version(
          v.done(), v.generation() + 1, v.terminalRank(), v.epoch(), v.phase(), v.hlc(), v.node()),
      new Version(
          v.done(), v.generation(), v.terminalRank(), v.epoch() + 1, v.phase(), v.hlc(), v.node()),
      new Version(
          v.done(), v.generation(), v.terminalRank(), v.epoch(), v.phase(), v.hlc() + 1, v.node()),
      new Version(
          v.done(), v.generation(), v.terminalRank(), v.epoch(), v.phase(), v.hlc() - 1, v.node()),
      new Version(
          v.done(), v.generation(), v.terminalRank(), v.epoch(), v.phase(), v.hlc(), v.node() + 1),
    };
    for (Version other : changed) {
      Task t = withVersion(working, other);
      assertThat(token.isCurrentFor(t)).as("after a change to %s", other).isFalse();
      assertThat(LeaseToken.of(t.id(), other).isCurrentFor(t))
          .as("the new version's own token")
          .isTrue();
    }
  }

  @Test
  void a_token_is_not_current_for_another_task_or_a_task_that_is_not_working() {
    Task working = fx.claim(fx.enqueue(), 30_000);
    LeaseToken token = LeaseToken.tryParse(working.lease().token());
    Task otherId =
        new Task(
            new TaskId(working.id().hi(), working.id().lo() + 1),
            working.queue(),
            working.name(),
            working.paramsJson(),
            working.priority(),
            working.runAt(),
            working.uniqueKey(),
            working.maxAttempts(),
            working.attempt(),
            working.state(),
            working.version(),
            working.lease(),
            null,
            null,
            working.createdAt(),
            working.updatedAt());
    assertThat(token.isCurrentFor(otherId)).isFalse();
    for (TaskState s :
        new TaskState[] {TaskState.PENDING, TaskState.DONE, TaskState.DEAD, TaskState.CANCELLED}) {
      Task t =
          new Task(
              working.id(),
              working.queue(),
              working.name(),
              working.paramsJson(),
              working.priority(),
              working.runAt(),
              working.uniqueKey(),
              working.maxAttempts(),
              working.attempt(),
              s,
              working.version(),
              null,
              null,
              null,
              working.createdAt(),
              working.updatedAt());
      assertThat(token.isCurrentFor(t)).as("in state %s", s).isFalse();
    }
  }

  @Test
  void every_transition_out_of_the_claim_makes_its_token_stale_and_a_heartbeat_does_not() {
    Task working = fx.claim(fx.enqueue(), 1_000);
    String text = working.lease().token();
    LeaseToken token = LeaseToken.tryParse(text);

    Task beat = ok(Transitions.heartbeat(working, text, 5_000, fx.stamp()));
    assertThat(token.isCurrentFor(beat)).as("heartbeat").isTrue();

    assertThat(token.isCurrentFor(ok(Transitions.complete(working, text, "1", fx.stamp()))))
        .isFalse();
    assertThat(
            token.isCurrentFor(
                ok(
                    Transitions.fail(
                        working, text, "e", false, null, Backoff.DEFAULT, 0.5, fx.stamp()))))
        .isFalse();
    assertThat(
            token.isCurrentFor(
                ok(
                    Transitions.fail(
                        working, text, "e", true, null, Backoff.DEFAULT, 0.5, fx.stamp()))))
        .isFalse();
    assertThat(token.isCurrentFor(ok(Transitions.cancel(working, fx.stamp())))).isFalse();
    Task released = ok(Transitions.release(working, text, 0, fx.stamp()));
    assertThat(token.isCurrentFor(released)).isFalse();
    Task reclaimed = fx.claim(released, 1_000);
    assertThat(token.isCurrentFor(reclaimed)).as("a newer claim").isFalse();
    fx.advance(2_000);
    Task expired = Transitions.expire(working, fx.stamp());
    assertThat(token.isCurrentFor(expired)).isFalse();
    assertThat(token.isCurrentFor(fx.claim(expired, 1_000))).as("a takeover").isFalse();
  }

  private static Task withVersion(Task t, Version v) {
    return new Task(
        t.id(),
        t.queue(),
        t.name(),
        t.paramsJson(),
        t.priority(),
        t.runAt(),
        t.uniqueKey(),
        t.maxAttempts(),
        t.attempt(),
        t.state(),
        v,
        t.lease(),
        t.resultJson(),
        t.lastError(),
        t.createdAt(),
        t.updatedAt());
  }
}
