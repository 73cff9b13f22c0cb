package dev.stoker.core.store;

/**
 * How many tasks of a queue are in each state. {@code pending} counts the tasks claimable now and
 * {@code scheduled} the pending tasks whose {@code run_at} is still ahead (delayed, or waiting out
 * a retry backoff).
 */
public record QueueCounts(
    long pending, long scheduled, long working, long done, long dead, long cancelled) {
  public static final QueueCounts ZERO = new QueueCounts(0, 0, 0, 0, 0, 0);
}
