package dev.stoker.bench;

/**
 * A system measured beside Stoker in the same run, with the same workload definitions (task count,
 * worker count, params, phases). Each row it adds to the report carries its {@link #durability()}.
 * Most peers are driven from Java ({@link ClientPeer}); those whose client exists only for Node run
 * a script that does the same phases ({@link NodePeer}).
 */
interface Peer extends AutoCloseable {
  /** The row label, e.g. {@code "postgres skip-locked"}. */
  String name();

  /** What is durable when the peer acknowledges, as configured in this run. */
  String durability();

  /**
   * Whether an acknowledgement (of an enqueue, of a completion) means the change is on disk; only
   * such peers are "the best peer" Stoker's rates are compared with.
   */
  default boolean durable() {
    return true;
  }

  /** Why W2 (batched claims and completions) does not apply to this peer, or null when it does. */
  String noBatches();

  /**
   * One throughput workload: enqueue N, drain N, end to end; one row per phase in {@code report}.
   * {@code claimMax} is 1 for W1 and {@link Bench#W2_CLAIM} for W2.
   */
  void throughput(Report report, String workload, int claimMax) throws Exception;

  /** Pickup latency: one idle worker, tasks enqueued one at a time at the configured rate. */
  Report.Latency pickupLatency() throws Exception;

  @Override
  default void close() throws Exception {}
}
