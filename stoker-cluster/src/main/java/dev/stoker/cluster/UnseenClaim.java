package dev.stoker.cluster;

import dev.stoker.core.Lease;
import dev.stoker.core.LeaseToken;
import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;

/**
 * A heartbeat, failure or release may reach a node before the claim it settles: the claim was made
 * on another node and its event has not arrived (it is on its way, or a partition holds it back).
 * The token names that claim exactly — the task and the version the claim made — and a node only
 * gets a token whose signature checks, so the claim is real; it is newer than what this node holds
 * when its version is larger. Then the node applies the settle to the task as working under that
 * claim, and its event records the claim as well (ap-cluster.md §3, flaw 3: "above → a claim not
 * seen yet, accept and record it"). When the claim's own event arrives it merges as any other copy
 * of the same version.
 *
 * <p>Nothing else is inferred: the attempt count stays (the granting node counted the claim in its
 * own entry of the attempts), the lease's owner is not in the token, and a finished task stays
 * finished.
 */
public final class UnseenClaim {
  private UnseenClaim() {}

  /**
   * {@code current} as working under the claim {@code token} names, when that claim is newer than
   * {@code current}; otherwise {@code current} itself (the settle then goes by the usual rules).
   *
   * @param token the store's token, its signature already checked
   */
  public static Task recordedIn(Task current, String token) {
    LeaseToken t = LeaseToken.tryParse(token);
    if (t == null || !t.taskId().equals(current.id()) || current.state().isTerminal()) {
      return current;
    }
    Version claim =
        new Version(
            0,
            t.generation(),
            Version.RANK_LIVE,
            t.epoch(),
            Version.PHASE_WORKING,
            t.hlc(),
            t.node());
    if (!claim.isAfter(current.version())) {
      return current;
    }
    Lease lease = new Lease("(claimed on node " + t.node() + ")", token, 0);
    return new Task(
        current.id(),
        current.queue(),
        current.name(),
        current.paramsJson(),
        current.priority(),
        current.runAt(),
        current.uniqueKey(),
        current.maxAttempts(),
        current.attempt(),
        TaskState.WORKING,
        claim,
        lease,
        null,
        current.lastError(),
        current.createdAt(),
        current.updatedAt());
  }
}
