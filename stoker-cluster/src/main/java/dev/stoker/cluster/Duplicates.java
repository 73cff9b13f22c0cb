package dev.stoker.cluster;

import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.util.EnumMap;
import java.util.Map;

/**
 * Work handed out twice, counted by cause. In the cluster a task may run more than once only for
 * these reasons (ap-cluster.md §4); anything else is a bug, and the simulation fails on it.
 */
public final class Duplicates {

  public enum Cause {
    /**
     * (a) A lease ran out (worker crash or stall, or a clock off by more than max_offset), as on
     * one node.
     */
    LEASE_EXPIRY,
    /** (b) A partition longer than steal_delay: the home's tasks dispatched on both sides. */
    PARTITION,
    /** (c) The home was alive but silent longer than steal_delay (paused), and was stolen from. */
    FALSE_SUSPICION,
    /**
     * (d) The home crashed after syncing a claim and before pushing it; its stealer handed it out
     * again.
     */
    CRASH_BEFORE_PUSH,
    /** (e) One unique key enqueued on both sides of a partition, both tasks run before the heal. */
    UNIQUE_KEY;

    /** The letter the note and the docs use. */
    public char letter() {
      return (char) ('a' + ordinal());
    }
  }

  private final Map<Cause, Long> counts = new EnumMap<>(Cause.class);

  public void count(Cause cause) {
    counts.merge(cause, 1L, Long::sum);
  }

  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  public Map<Cause, Long> counts() {
    return Map.copyOf(counts);
  }

  /**
   * Whether applying {@code e} to {@code before} reveals two claims of the same round of one task
   * (same generation and epoch, made apart): the task was handed out twice, once on each side.
   */
  public static boolean revealsConcurrentClaims(TaskReplica before, Event e) {
    Version held = before.version();
    if (held == null
        || e.register() == null
        || before.register().state() != TaskState.WORKING
        || e.register().state() != TaskState.WORKING) {
      return false;
    }
    Version v = e.version();
    return v.generation() == held.generation()
        && v.epoch() == held.epoch()
        && v.phase() == held.phase()
        && (v.hlc() != held.hlc() || v.node() != held.node());
  }

  /**
   * Whether applying {@code e} to {@code before} shows a task handed out twice in one round: {@code
   * e} is a claim, and the replica holds another claim of the same generation and epoch — working
   * under it ({@link #revealsConcurrentClaims}), or done from it (a done version keeps the round
   * and phase of the claim it finished). A node sees the second claim once, when its event arrives:
   * a claim arrives before its origin's later events of the task.
   */
  public static boolean revealsSecondClaim(TaskReplica before, Event e) {
    Version held = before.version();
    if (held == null || e.register() == null || e.register().state() != TaskState.WORKING) {
      return false;
    }
    Version v = e.version();
    boolean doneInRound =
        held.done() == 1
            && held.terminalRank() == Version.RANK_LIVE
            && held.phase() == Version.PHASE_WORKING
            && v.generation() == held.generation()
            && v.epoch() == held.epoch()
            && addsAnAttempt(before, e);
    return doneInRound || revealsConcurrentClaims(before, e);
  }

  /**
   * Whether {@code e} counts an attempt {@code before} did not: a claim does, a heartbeat or
   * settlement recorded under a claim its node had not received yet ({@link UnseenClaim}) does not.
   * Without it a late copy of the finished claim, arriving after the completion, read as a second
   * claim.
   */
  private static boolean addsAnAttempt(TaskReplica before, Event e) {
    Attempts held = before.attempts();
    return held == null
        || e.attempts() == null
        || Attempts.merge(held, e.attempts()).total() > held.total();
  }

  @Override
  public String toString() {
    return counts.toString();
  }
}
