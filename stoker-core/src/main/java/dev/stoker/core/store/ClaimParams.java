package dev.stoker.core.store;

import dev.stoker.core.QueueSettings;

/**
 * A claim request.
 *
 * @param queue the queue to claim from
 * @param worker who claims (becomes the lease's owner)
 * @param max the most tasks to claim (1–1000)
 * @param leaseMs the lease, or null for the queue's setting
 * @param waitMs how long to wait for a task when none is claimable (0–60000)
 */
public record ClaimParams(String queue, String worker, int max, Long leaseMs, long waitMs) {
  /** The lease this claim's tasks get in a queue with settings {@code queue}. */
  public long leaseMsIn(QueueSettings queue) {
    return leaseMs != null ? leaseMs : queue.leaseMs();
  }
}
