package dev.stoker.core;

/**
 * A task as stored: its immutable body and its mutable state. Values are immutable; every
 * transition makes a new {@code Task} (see {@link Transitions}).
 *
 * @param id server-assigned, time-ordered
 * @param queue the queue it belongs to
 * @param name what the worker should run (1–256 unicode characters)
 * @param paramsJson the parameters as JSON text, exactly as enqueued
 * @param priority higher runs first
 * @param runAt epoch millis before which the task is not claimable
 * @param uniqueKey optional; at most one live task per queue has it
 * @param maxAttempts claims allowed before the task is dead
 * @param attempt claims so far within this generation
 * @param state where it is in its life
 * @param version the merge version of the state
 * @param lease the current claim while {@link TaskState#WORKING}, else null
 * @param resultJson the result as JSON text once done, else null
 * @param lastError the message of the last failure, or null
 * @param createdAt epoch millis of enqueue
 * @param updatedAt epoch millis of the last transition
 * @param traceparent the W3C trace context the task was enqueued in ({@link Traceparent}), or null
 */
public record Task(
    TaskId id,
    String queue,
    String name,
    String paramsJson,
    int priority,
    long runAt,
    String uniqueKey,
    int maxAttempts,
    int attempt,
    TaskState state,
    Version version,
    Lease lease,
    String resultJson,
    String lastError,
    long createdAt,
    long updatedAt,
    String traceparent) {

  /** A task enqueued in no trace. */
  public Task(
      TaskId id,
      String queue,
      String name,
      String paramsJson,
      int priority,
      long runAt,
      String uniqueKey,
      int maxAttempts,
      int attempt,
      TaskState state,
      Version version,
      Lease lease,
      String resultJson,
      String lastError,
      long createdAt,
      long updatedAt) {
    this(
        id,
        queue,
        name,
        paramsJson,
        priority,
        runAt,
        uniqueKey,
        maxAttempts,
        attempt,
        state,
        version,
        lease,
        resultJson,
        lastError,
        createdAt,
        updatedAt,
        null);
  }

  /** Whether a claim at {@code now} may take this task. */
  public boolean isClaimableAt(long now) {
    return state == TaskState.PENDING && runAt <= now;
  }

  /** Whether this task's lease has run out at {@code now}. */
  public boolean isLeaseExpiredAt(long now) {
    return state == TaskState.WORKING && lease.expiresAt() < now;
  }
}
