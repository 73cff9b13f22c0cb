package dev.stoker.cluster;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import java.util.Comparator;

/**
 * The mutable part of a task that one event carries whole: a self-contained delta, so applying it
 * is a join (ap-cluster.md §1). The version travels beside it in the {@link Event}; the lease's
 * token is not here because it is derived from the task id and the version, and the granting node
 * is the version's node (a heartbeat keeps the version).
 *
 * @param leaseExpiresAt wall-clock millis of the granting node (or of the node that took the last
 *     heartbeat); 0 without a lease
 * @param progressJson the lease's progress (the last a heartbeat of this claim reported), or null
 */
public record Register(
    TaskState state,
    long runAt,
    String leaseOwner,
    long leaseExpiresAt,
    String resultJson,
    String lastError,
    long updatedAt,
    String progressJson) {

  static Register of(Task t) {
    return t.lease() == null
        ? new Register(
            t.state(), t.runAt(), null, 0, t.resultJson(), t.lastError(), t.updatedAt(), null)
        : new Register(
            t.state(),
            t.runAt(),
            t.lease().owner(),
            t.lease().expiresAt(),
            t.resultJson(),
            t.lastError(),
            t.updatedAt(),
            t.lease().progressJson());
  }

  /** This register with {@code progress} in place of its own. */
  Register withProgress(String progress) {
    return new Register(
        state, runAt, leaseOwner, leaseExpiresAt, resultJson, lastError, updatedAt, progress);
  }

  /**
   * The order among registers of one version: only a heartbeat makes two of them, and the later
   * lease wins, so heartbeats coalesce and never shorten a lease. The progress rides with its
   * lease; two heartbeats that made the same lease at the same millisecond on two nodes with
   * different progress are ordered by the progress text (none first), so every replica keeps the
   * same one whatever order they arrive in.
   */
  int compareWithinVersion(Register o) {
    int c = Long.compare(leaseExpiresAt, o.leaseExpiresAt);
    if (c == 0) {
      c = Long.compare(updatedAt, o.updatedAt);
    }
    return c != 0 ? c : PROGRESS_ORDER.compare(progressJson, o.progressJson);
  }

  private static final Comparator<String> PROGRESS_ORDER =
      Comparator.nullsFirst(Comparator.naturalOrder());
}
