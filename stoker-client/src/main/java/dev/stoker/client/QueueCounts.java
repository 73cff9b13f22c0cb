package dev.stoker.client;

/**
 * How many tasks of a queue are in each state. Pending tasks whose {@code run_at} is in the future
 * are counted as scheduled, not pending.
 *
 * @param pending claimable now
 * @param scheduled pending, but not claimable before their {@code run_at}
 * @param working claimed, under a lease
 * @param done completed (until pruned after the retention)
 * @param dead out of attempts or failed permanently
 * @param cancelled cancelled
 */
public record QueueCounts(
    long pending, long scheduled, long working, long done, long dead, long cancelled) {
  /**
   * The tasks counted in every state.
   *
   * @return the sum of all counts
   */
  public long total() {
    return pending + scheduled + working + done + dead + cancelled;
  }

  /**
   * The tasks that are not finished yet: pending, scheduled and working.
   *
   * @return the sum of the live counts
   */
  public long live() {
    return pending + scheduled + working;
  }
}
