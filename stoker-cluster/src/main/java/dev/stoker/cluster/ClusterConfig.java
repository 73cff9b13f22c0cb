package dev.stoker.cluster;

/**
 * The cluster's timing settings (ap-cluster.md §4).
 *
 * @param suspectAfterMs without direct or relayed contact for this long, a peer is suspected (shown
 *     in the status; nothing changes yet)
 * @param stealDelayMs without contact for this long, a peer is unreachable and its designated
 *     stealer dispatches its pending tasks and judges its leases (default 10 s): a wrong steal
 *     costs duplicates, never data, so it errs on the long side
 * @param maxOffsetMs the largest difference assumed between two nodes' wall clocks: a lease counts
 *     as expired only once {@code now − max_offset > expires_at} on the judging node's clock
 */
public record ClusterConfig(long suspectAfterMs, long stealDelayMs, long maxOffsetMs) {

  public static final ClusterConfig DEFAULT = new ClusterConfig(1_000, 10_000, 500);

  public ClusterConfig {
    if (suspectAfterMs <= 0 || stealDelayMs < suspectAfterMs || maxOffsetMs < 0) {
      throw new IllegalArgumentException(
          "need 0 < suspect_after ≤ steal_delay and max_offset ≥ 0, got "
              + suspectAfterMs
              + ", "
              + stealDelayMs
              + ", "
              + maxOffsetMs);
    }
  }
}
