package dev.stoker.client;

import java.time.Duration;
import java.util.Objects;

/**
 * The claim a finish (complete, fail, release) makes in the same request, so a worker gets its next
 * tasks without a claim request of its own (docs/api.md#finish-and-claim-in-one-request).
 * Immutable; each setter returns a copy.
 *
 * <pre>{@code
 * Finished f = client.completeAndClaim(t.id(), t.lease().token(), result, NextClaim.of("worker-1"));
 * for (Task next : f.next()) { ... }
 * }</pre>
 */
public final class NextClaim {
  private final String worker;
  private final int max;
  private final Duration lease;
  private final Duration wait;
  private final String queue;

  private NextClaim(String worker, int max, Duration lease, Duration wait, String queue) {
    this.worker = worker;
    this.max = max;
    this.lease = lease;
    this.wait = wait;
    this.queue = queue;
  }

  /**
   * A claim of one task for {@code worker}, from the finished task's queue, with the queue's lease,
   * not waiting when nothing is claimable.
   *
   * @param worker who claims (1–256 characters); recorded as the lease's owner
   * @return the claim
   */
  public static NextClaim of(String worker) {
    return new NextClaim(Objects.requireNonNull(worker, "worker"), 1, null, null, null);
  }

  /**
   * The most tasks to claim.
   *
   * @param max 1–1000 (the server refuses others with 422 naming {@code claim.max})
   * @return a copy with this maximum
   */
  public NextClaim max(int max) {
    return new NextClaim(worker, max, lease, wait, queue);
  }

  /**
   * The lease of the claimed tasks; null for the queue's setting.
   *
   * @param lease a positive duration, or null
   * @return a copy with this lease
   */
  public NextClaim lease(Duration lease) {
    return new NextClaim(worker, max, lease, wait, queue);
  }

  /**
   * How long the claim waits on the server when nothing is claimable (a long poll); the finish is
   * applied before the wait. Null or zero for not at all.
   *
   * @param wait 0–60 s, or null
   * @return a copy with this wait
   */
  public NextClaim waitFor(Duration wait) {
    return new NextClaim(worker, max, lease, wait, queue);
  }

  /**
   * The queue to claim from; null (the default) for the finished task's queue (for a batch, the
   * queue of its first task).
   *
   * @param queue a queue name, or null
   * @return a copy with this queue
   */
  public NextClaim queue(String queue) {
    return new NextClaim(worker, max, lease, wait, queue);
  }

  String worker() {
    return worker;
  }

  int max() {
    return max;
  }

  Duration lease() {
    return lease;
  }

  /** The wait, never null. */
  Duration waitOrZero() {
    return wait == null ? Duration.ZERO : wait;
  }

  String queue() {
    return queue;
  }
}
