package dev.stoker.core;

/**
 * The version of a task's state: a tuple compared left to right, so that any two replicas merge by
 * keeping the larger one (docs/state-machine.md, "The version"). The order of the fields is the
 * whole conflict policy:
 *
 * <ol>
 *   <li>{@code done}: 1 once completed, so a completion beats every concurrent update (the work was
 *       done);
 *   <li>{@code generation}: bumped by each redrive or retry, so a revival beats the dead or
 *       cancelled state it leaves;
 *   <li>{@code terminalRank}: 0 while live, cancelled 1, dead 2;
 *   <li>{@code epoch}: bumped by every return to pending within a generation (retry, release, lease
 *       expiry), so a newer claim beats an older one;
 *   <li>{@code phase}: pending 0, working 1;
 *   <li>{@code hlc} and {@code node}: the timestamp and node of the update, the final tie-break.
 * </ol>
 *
 * <p>Heartbeats make no new version: they extend the lease within a version.
 */
public record Version(
    int done, long generation, int terminalRank, long epoch, int phase, long hlc, int node)
    implements Comparable<Version> {

  public static final int RANK_LIVE = 0;
  public static final int RANK_CANCELLED = 1;
  public static final int RANK_DEAD = 2;
  public static final int PHASE_PENDING = 0;
  public static final int PHASE_WORKING = 1;

  /** The version of a freshly enqueued task. */
  public static Version initial(long hlc, int node) {
    return new Version(0, 0, RANK_LIVE, 0, PHASE_PENDING, hlc, node);
  }

  /** Field by field, left to right (written out: a comparator chain costs a call per field). */
  @Override
  public int compareTo(Version other) {
    int c = Integer.compare(done, other.done);
    if (c == 0) {
      c = Long.compare(generation, other.generation);
    }
    if (c == 0) {
      c = Integer.compare(terminalRank, other.terminalRank);
    }
    if (c == 0) {
      c = Long.compare(epoch, other.epoch);
    }
    if (c == 0) {
      c = Integer.compare(phase, other.phase);
    }
    if (c == 0) {
      c = Long.compare(hlc, other.hlc);
    }
    return c != 0 ? c : Integer.compare(node, other.node);
  }

  /** The merge of two versions: the larger. Commutative, associative and idempotent. */
  public static Version merge(Version a, Version b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  public boolean isAfter(Version other) {
    return compareTo(other) > 0;
  }

  Version claimed(long hlc, int node) {
    return new Version(done, generation, RANK_LIVE, epoch, PHASE_WORKING, hlc, node);
  }

  Version backToPending(long hlc, int node) {
    return new Version(done, generation, RANK_LIVE, epoch + 1, PHASE_PENDING, hlc, node);
  }

  Version completed(long hlc, int node) {
    return new Version(1, generation, terminalRank, epoch, phase, hlc, node);
  }

  Version terminal(int rank, long hlc, int node) {
    return new Version(done, generation, rank, epoch, phase, hlc, node);
  }

  Version redriven(long hlc, int node) {
    return new Version(done, generation + 1, RANK_LIVE, 0, PHASE_PENDING, hlc, node);
  }
}
