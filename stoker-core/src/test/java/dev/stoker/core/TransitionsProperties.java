package dev.stoker.core;

import static dev.stoker.core.Props.forAll;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random walks through the transitions table of docs/state-machine.md ("Transitions as
 * implemented"). Each try enqueues one task and applies a generated sequence of operations to it,
 * with the clock moving forward between them. A small model tracks what the table says should
 * happen (state, attempt, epoch, generation, the current lease token), and after every step both
 * the model and the table's invariants are checked:
 *
 * <ul>
 *   <li>no transition lowers the version: every applied transition makes a strictly larger one,
 *       except a heartbeat, which keeps it and never moves the lease's expiry earlier;
 *   <li>a working task has exactly one lease, whose token is current for it; other tasks have none;
 *   <li>a terminal task leaves its state only by a redrive (dead → pending, generation + 1, attempt
 *       0) or a retry (the same, from dead or cancelled);
 *   <li>attempt never exceeds max_attempts while pending or working;
 *   <li>refusals (StaleToken, AlreadyFinished, NotRetryable) leave the task unchanged.
 * </ul>
 *
 * <p>A walk claims a task only when it is claimable ({@link Task#isClaimableAt}), as a store would.
 * Operations whose precondition does not hold (claiming a task that is not pending, expiring a
 * lease that has not run out, redriving a task that is not dead) must be rejected without effect.
 *
 * <p>Done and cancelled are final. So that the rest of a walk is not spent on refusals, the step
 * {@code NEXT_TASK} goes on with a newly enqueued task once the current one is done or cancelled
 * (and does nothing otherwise); the finished task's tokens then count as another task's tokens.
 *
 * <p>The property runs 1,000 walks of 1 to 200 steps through {@link Props} (see there for seeds and
 * replay), then checks that the walks together reached every interesting row of the table.
 */
class TransitionsProperties {

  enum Op {
    CLAIM,
    HEARTBEAT,
    COMPLETE,
    FAIL,
    FAIL_PERMANENT,
    RELEASE,
    CANCEL,
    EXPIRE,
    REDRIVE,
    RETRY,
    NEXT_TASK
  }

  /**
   * Which token a worker presents: the current claim's, an older one of this task, another task's,
   * junk.
   */
  enum TokenKind {
    CURRENT,
    OLD,
    FOREIGN,
    GARBAGE
  }

  record Step(
      Op op,
      TokenKind token,
      int pick,
      long advanceMs,
      long leaseMs,
      long delayMs,
      Long retryInMs,
      double jitter) {}

  static final Backoff BACKOFF = new Backoff(50, 2.0, 1_000);
  static final List<String> GARBAGE =
      List.of(
          "",
          "t1.",
          "not-a-token",
          "t1.AAAA",
          "t2." + "A".repeat(56),
          "t1." + "A".repeat(80),
          "\u0000");

  /** One try: the walk, and the max_attempts of the tasks it enqueues. */
  record Case(int maxAttempts, List<Step> walk) {}

  static Case walk(SplittableRandom r) {
    int maxAttempts = Props.ints(r, 1, 5);
    return new Case(maxAttempts, Props.listOf(r, 1, 200, TransitionsProperties::step));
  }

  static Step step(SplittableRandom r) {
    Op op =
        Props.frequency(
            r,
            entry(8, Op.CLAIM),
            entry(4, Op.HEARTBEAT),
            entry(4, Op.FAIL),
            entry(1, Op.FAIL_PERMANENT),
            entry(3, Op.RELEASE),
            entry(4, Op.EXPIRE),
            entry(3, Op.REDRIVE),
            entry(2, Op.RETRY),
            entry(1, Op.COMPLETE),
            entry(1, Op.CANCEL),
            entry(2, Op.NEXT_TASK));
    TokenKind token =
        Props.frequency(
            r,
            entry(6, TokenKind.CURRENT),
            entry(2, TokenKind.OLD),
            entry(1, TokenKind.FOREIGN),
            entry(1, TokenKind.GARBAGE));
    int pick = Props.ints(r, 0, 1_000);
    long advanceMs =
        switch (r.nextInt(3)) {
          case 0 -> 0L;
          case 1 -> Props.longs(r, 1, 100);
          default -> Props.longs(r, 100, 4_000);
        };
    long leaseMs = Props.longs(r, 1, 3_000);
    long delayMs = Props.longs(r, 0, 2_000);
    Long retryInMs = r.nextBoolean() ? null : Props.longs(r, 0, 2_000);
    return new Step(op, token, pick, advanceMs, leaseMs, delayMs, retryInMs, Props.unit(r));
  }

  /**
   * The outcomes every run must reach at least once: a guard against a generator that never gets
   * there.
   */
  static final List<String> MUST_COVER =
      List.of(
          "CLAIM ok",
          "HEARTBEAT ok",
          "HEARTBEAT StaleToken",
          "HEARTBEAT AlreadyFinished",
          "FAIL ok→PENDING",
          "FAIL ok→DEAD",
          "FAIL_PERMANENT ok→DEAD",
          "RELEASE ok",
          "EXPIRE ok→PENDING",
          "EXPIRE ok→DEAD",
          "REDRIVE ok",
          "RETRY ok from DEAD",
          "RETRY ok from CANCELLED",
          "RETRY NotRetryable",
          "COMPLETE ok from WORKING",
          "COMPLETE ok from PENDING",
          "COMPLETE StaleToken",
          "CANCEL ok",
          "CANCEL AlreadyFinished",
          "NEXT_TASK ok");

  @Test
  void random_walks_keep_the_invariants_of_the_transitions_table() {
    Map<String, Integer> coverage = new LinkedHashMap<>();
    forAll(
        "random_walks_keep_the_invariants_of_the_transitions_table",
        1_000,
        TransitionsProperties::walk,
        c -> {
          Walk w = new Walk(c.maxAttempts(), coverage);
          List<Step> walk = c.walk();
          for (int i = 0; i < walk.size(); i++) {
            try {
              w.apply(walk.get(i));
            } catch (AssertionError | RuntimeException e) {
              throw new AssertionError(
                  "step " + (i + 1) + " of " + walk.size() + ": " + walk.get(i), e);
            }
          }
        });
    List<String> missed =
        MUST_COVER.stream().filter(label -> !coverage.containsKey(label)).toList();
    assertThat(missed).as("outcomes no walk reached (those reached: %s)", coverage).isEmpty();
  }

  /**
   * One try: the fixture, the task under test, and the model of what the table says it should be.
   */
  static final class Walk {
    final Fixture fx = new Fixture(3);
    final int maxAttempts;

    /** How often each outcome (a label such as "CLAIM ok") was reached, over all the walks. */
    final Map<String, Integer> coverage;

    /**
     * Tokens of other tasks: one claimed at the start, and those of the finished tasks of this
     * walk.
     */
    final List<String> foreignTokens = new ArrayList<>();

    final List<LeaseToken> foreignParsed = new ArrayList<>();
    final TaskId foreignId;

    /** Every token of the current task, and the ones that are no longer current. */
    final Set<String> ownTokens = new HashSet<>();

    final List<String> oldTokens = new ArrayList<>();
    final List<LeaseToken> oldParsed = new ArrayList<>();
    Task task;

    // The model.
    TaskState state = TaskState.PENDING;
    int attempt;
    long generation;
    long epoch;
    long runAt;
    String currentToken;
    long leaseExpiresAt;

    Walk(int maxAttempts, Map<String, Integer> coverage) {
      this.maxAttempts = maxAttempts;
      this.coverage = coverage;
      Task other = fx.claim(fx.enqueue(), 1_000);
      foreignTokens.add(other.lease().token());
      foreignParsed.add(LeaseToken.tryParse(other.lease().token()));
      foreignId = other.id();
      startTask();
    }

    /** Enqueues the task the walk goes on with, and resets the model to it. */
    private void startTask() {
      task = fx.enqueue(maxAttempts);
      state = TaskState.PENDING;
      attempt = 0;
      generation = 0;
      epoch = 0;
      runAt = task.runAt();
      currentToken = null;
      for (String own : ownTokens) {
        foreignTokens.add(own);
        foreignParsed.add(LeaseToken.tryParse(own));
      }
      ownTokens.clear();
      oldTokens.clear();
      oldParsed.clear();
      // A well-formed token of this task that never named a claim: it names the enqueued version.
      String neverCurrent = LeaseToken.of(task.id(), task.version()).encode();
      ownTokens.add(neverCurrent);
      oldTokens.add(neverCurrent);
      oldParsed.add(LeaseToken.tryParse(neverCurrent));
      checkState(task);
    }

    void apply(Step s) {
      fx.advance(s.advanceMs());
      long now = fx.now();
      Task before = task;
      String token = token(s);
      boolean presentsCurrent = currentToken != null && currentToken.equals(token);
      String label;
      switch (s.op()) {
        case NEXT_TASK -> {
          if (state == TaskState.DONE || state == TaskState.CANCELLED) {
            startTask();
            coverage.merge("NEXT_TASK ok", 1, Integer::sum);
            return;
          }
          label = "NEXT_TASK ignored";
        }
        case CLAIM -> {
          if (state == TaskState.PENDING && runAt <= now) {
            task = Transitions.claim(before, "w", s.leaseMs(), fx.stamp());
            assertThat(task.version().isAfter(before.version()))
                .as("claim raises the version")
                .isTrue();
            attempt++;
            state = TaskState.WORKING;
            assertThat(ownTokens.add(task.lease().token())).as("a claim's token is new").isTrue();
            currentToken = task.lease().token();
            leaseExpiresAt = now + s.leaseMs();
            assertThat(task.lease().owner()).isEqualTo("w");
            label = "CLAIM ok";
          } else if (state == TaskState.PENDING) {
            // Not due yet: a store would not offer it (whether it is due is the store's to judge).
            label = "CLAIM not due";
          } else {
            assertThatThrownBy(() -> Transitions.claim(before, "w", s.leaseMs(), fx.stamp()))
                .isInstanceOf(IllegalStateException.class);
            label = "CLAIM not pending";
          }
        }
        case HEARTBEAT -> {
          Outcome o = Transitions.heartbeat(before, token, s.leaseMs(), fx.stamp());
          if (presentsCurrent) {
            task = Fixture.ok(o);
            assertThat(task.version())
                .as("a heartbeat keeps the version")
                .isEqualTo(before.version());
            assertThat(task.lease().token()).isEqualTo(before.lease().token());
            assertThat(task.lease().owner()).isEqualTo(before.lease().owner());
            assertThat(task.lease().expiresAt())
                .as("a heartbeat never shortens the lease")
                .isGreaterThanOrEqualTo(before.lease().expiresAt());
            leaseExpiresAt = Math.max(leaseExpiresAt, now + s.leaseMs());
          }
          label = "HEARTBEAT " + refusalOr(o, before, presentsCurrent);
        }
        case COMPLETE -> {
          Outcome o = Transitions.complete(before, token, "{\"ok\":true}", fx.stamp());
          boolean ownToken = token != null && ownTokens.contains(token);
          if (state.isTerminal()) {
            assertRefused(o, before, Outcome.AlreadyFinished.class);
            label = "COMPLETE AlreadyFinished";
          } else if (!ownToken) {
            assertRefused(o, before, Outcome.StaleToken.class);
            label = "COMPLETE StaleToken";
          } else {
            task = Fixture.ok(o);
            assertThat(task.version().isAfter(before.version())).isTrue();
            assertThat(task.version().done()).isEqualTo(1);
            assertThat(task.resultJson()).isEqualTo("{\"ok\":true}");
            label = "COMPLETE ok from " + state;
            leaveWorking();
            state = TaskState.DONE;
          }
        }
        case FAIL, FAIL_PERMANENT -> {
          boolean permanent = s.op() == Op.FAIL_PERMANENT;
          Outcome o =
              Transitions.fail(
                  before, token, "boom", permanent, s.retryInMs(), BACKOFF, s.jitter(), fx.stamp());
          if (presentsCurrent) {
            task = Fixture.ok(o);
            assertThat(task.version().isAfter(before.version())).isTrue();
            assertThat(task.lastError()).isEqualTo("boom");
            leaveWorking();
            if (permanent || attempt >= task.maxAttempts()) {
              state = TaskState.DEAD;
            } else {
              state = TaskState.PENDING;
              epoch++;
              long delay =
                  s.retryInMs() != null ? s.retryInMs() : BACKOFF.delayMs(attempt, s.jitter());
              runAt = now + delay;
            }
            label = s.op() + " ok→" + state;
          } else {
            label = s.op() + " " + refusalOr(o, before, false);
          }
        }
        case RELEASE -> {
          Outcome o = Transitions.release(before, token, s.delayMs(), fx.stamp());
          if (presentsCurrent) {
            task = Fixture.ok(o);
            assertThat(task.version().isAfter(before.version())).isTrue();
            leaveWorking();
            state = TaskState.PENDING;
            attempt--;
            epoch++;
            runAt = now + s.delayMs();
          }
          label = "RELEASE " + refusalOr(o, before, presentsCurrent);
        }
        case CANCEL -> {
          Outcome o = Transitions.cancel(before, fx.stamp());
          if (state.isTerminal()) {
            assertRefused(o, before, Outcome.AlreadyFinished.class);
            label = "CANCEL AlreadyFinished";
          } else {
            task = Fixture.ok(o);
            assertThat(task.version().isAfter(before.version())).isTrue();
            leaveWorking();
            state = TaskState.CANCELLED;
            label = "CANCEL ok";
          }
        }
        case EXPIRE -> {
          if (state == TaskState.WORKING && leaseExpiresAt < now) {
            task = Transitions.expire(before, fx.stamp());
            assertThat(task.version().isAfter(before.version())).isTrue();
            assertThat(task.lastError()).contains("expired");
            leaveWorking();
            if (attempt >= task.maxAttempts()) {
              state = TaskState.DEAD;
            } else {
              state = TaskState.PENDING;
              epoch++;
              runAt = now;
            }
            label = "EXPIRE ok→" + state;
          } else {
            assertThatThrownBy(() -> Transitions.expire(before, fx.stamp()))
                .isInstanceOf(IllegalStateException.class);
            label = "EXPIRE not expired";
          }
        }
        case REDRIVE -> {
          if (state == TaskState.DEAD) {
            task = Transitions.redrive(before, fx.stamp());
            assertThat(task.version().isAfter(before.version())).isTrue();
            state = TaskState.PENDING;
            generation++;
            epoch = 0;
            attempt = 0;
            runAt = now;
            label = "REDRIVE ok";
          } else {
            assertThatThrownBy(() -> Transitions.redrive(before, fx.stamp()))
                .isInstanceOf(IllegalStateException.class);
            label = "REDRIVE not dead";
          }
        }
        case RETRY -> {
          Outcome o = Transitions.retry(before, null, fx.stamp());
          if (state == TaskState.DEAD || state == TaskState.CANCELLED) {
            task = Fixture.ok(o);
            assertThat(task.version().isAfter(before.version())).isTrue();
            label = "RETRY ok from " + state;
            state = TaskState.PENDING;
            generation++;
            epoch = 0;
            attempt = 0;
            runAt = now;
          } else {
            assertRefused(o, before, Outcome.NotRetryable.class);
            label = "RETRY NotRetryable";
          }
        }
        default -> throw new AssertionError(s.op());
      }
      coverage.merge(label, 1, Integer::sum);
      checkStep(before, task, s.op(), now);
      checkState(task);
    }

    /** The token the step presents. */
    private String token(Step s) {
      return switch (s.token()) {
        case CURRENT -> currentToken != null ? currentToken : oldTokens.getLast();
        case OLD -> oldTokens.get(s.pick() % oldTokens.size());
        case FOREIGN ->
            s.pick() % 2 == 0
                ? foreignTokens.get((s.pick() / 2) % foreignTokens.size())
                // Another task's id with exactly this task's current version: only the id tells
                // them apart.
                : LeaseToken.of(foreignId, task.version()).encode();
        case GARBAGE -> s.pick() % 8 == 0 ? null : GARBAGE.get(s.pick() % GARBAGE.size());
      };
    }

    private void leaveWorking() {
      if (currentToken != null) {
        oldTokens.add(currentToken);
        oldParsed.add(LeaseToken.tryParse(currentToken));
      }
      currentToken = null;
    }

    /** Expects the token-checked operation to be applied when the token is current, or refused. */
    private String refusalOr(Outcome o, Task before, boolean applied) {
      if (applied) {
        assertThat(o).isInstanceOf(Outcome.Ok.class);
        return "ok";
      }
      Class<? extends Outcome> expected =
          state.isTerminal() ? Outcome.AlreadyFinished.class : Outcome.StaleToken.class;
      assertRefused(o, before, expected);
      return expected.getSimpleName();
    }

    private void assertRefused(Outcome o, Task before, Class<? extends Outcome> expected) {
      assertThat(o).isInstanceOf(expected);
      Task current =
          switch (o) {
            case Outcome.StaleToken st -> st.current();
            case Outcome.AlreadyFinished af -> af.current();
            case Outcome.NotRetryable nr -> nr.current();
            default -> throw new AssertionError(o);
          };
      assertThat(current).as("a refusal carries the task as it is").isEqualTo(before);
      assertThat(task).as("a refusal leaves the task unchanged").isSameAs(before);
    }

    /** What must hold between the task before and after one step. */
    private void checkStep(Task before, Task after, Op op, long now) {
      int cmp = after.version().compareTo(before.version());
      assertThat(cmp).as("no step lowers the version").isGreaterThanOrEqualTo(0);
      assertThat(Version.merge(before.version(), after.version())).isEqualTo(after.version());
      if (after != before) {
        if (op == Op.HEARTBEAT) {
          assertThat(cmp).isZero();
        } else {
          assertThat(cmp).as("an applied transition makes a strictly larger version").isPositive();
        }
        assertThat(after.updatedAt()).isEqualTo(now);
      }
      if (before.state().isTerminal() && after.state() != before.state()) {
        assertThat(op)
            .as("only a redrive or a retry leaves a terminal state")
            .isIn(Op.REDRIVE, Op.RETRY);
        assertThat(before.state())
            .isIn(
                op == Op.REDRIVE
                    ? List.of(TaskState.DEAD)
                    : List.of(TaskState.DEAD, TaskState.CANCELLED));
        assertThat(after.state()).isEqualTo(TaskState.PENDING);
        assertThat(after.version().generation()).isEqualTo(before.version().generation() + 1);
        assertThat(after.attempt()).isZero();
      }
      // The body of the task never changes.
      assertThat(after.id()).isEqualTo(before.id());
      assertThat(after.queue()).isEqualTo(before.queue());
      assertThat(after.name()).isEqualTo(before.name());
      assertThat(after.paramsJson()).isEqualTo(before.paramsJson());
      assertThat(after.priority()).isEqualTo(before.priority());
      assertThat(after.maxAttempts()).isEqualTo(before.maxAttempts());
      assertThat(after.createdAt()).isEqualTo(before.createdAt());
    }

    /** What must hold of the task at any time, and agreement with the model. */
    private void checkState(Task t) {
      Version v = t.version();
      assertThat(t.state()).isEqualTo(state);
      assertThat(t.attempt()).as("attempt").isEqualTo(attempt);
      assertThat(v.generation()).as("generation").isEqualTo(generation);
      assertThat(v.epoch()).as("epoch").isEqualTo(epoch);
      assertThat(t.attempt()).isGreaterThanOrEqualTo(0);
      switch (t.state()) {
        case PENDING -> {
          assertThat(t.lease()).isNull();
          assertThat(t.runAt()).as("run_at").isEqualTo(runAt);
          assertThat(t.attempt()).isLessThan(t.maxAttempts());
          assertThat(v)
              .extracting(Version::done, Version::terminalRank, Version::phase)
              .containsExactly(0, Version.RANK_LIVE, Version.PHASE_PENDING);
        }
        case WORKING -> {
          assertThat(t.lease()).as("a working task has a lease").isNotNull();
          assertThat(t.lease().token()).isEqualTo(currentToken);
          assertThat(t.lease().expiresAt()).isEqualTo(leaseExpiresAt);
          assertThat(t.isLeaseExpiredAt(leaseExpiresAt))
              .as("the lease holds through expires_at")
              .isFalse();
          assertThat(t.isLeaseExpiredAt(leaseExpiresAt + 1))
              .as("and has run out just after")
              .isTrue();
          LeaseToken lt = LeaseToken.tryParse(t.lease().token());
          assertThat(lt).isNotNull();
          assertThat(lt.isCurrentFor(t)).as("the lease's token is current").isTrue();
          assertThat(t.attempt()).isBetween(1, t.maxAttempts());
          assertThat(v)
              .extracting(Version::done, Version::terminalRank, Version::phase)
              .containsExactly(0, Version.RANK_LIVE, Version.PHASE_WORKING);
        }
        case DONE -> {
          assertThat(t.lease()).isNull();
          assertThat(v.done()).isEqualTo(1);
        }
        case DEAD -> {
          assertThat(t.lease()).isNull();
          assertThat(v.done()).isZero();
          assertThat(v.terminalRank()).isEqualTo(Version.RANK_DEAD);
        }
        case CANCELLED -> {
          assertThat(t.lease()).isNull();
          assertThat(v.done()).isZero();
          assertThat(v.terminalRank()).isEqualTo(Version.RANK_CANCELLED);
        }
        default -> throw new AssertionError(t.state());
      }
      // No token this task ever issued, but the current one, is current.
      for (LeaseToken old : oldParsed) {
        assertThat(old.isCurrentFor(t)).as("an old token is stale").isFalse();
      }
      for (LeaseToken other : foreignParsed) {
        assertThat(other.isCurrentFor(t)).as("another task's token").isFalse();
      }
    }
  }
}
