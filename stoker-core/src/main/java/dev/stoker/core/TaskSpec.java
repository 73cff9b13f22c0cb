package dev.stoker.core;

/**
 * What a producer asks for when it enqueues a task, already validated (see {@link Limits}).
 *
 * @param name what the worker should run
 * @param paramsJson the parameters as JSON text ({@code "null"} when none were given)
 * @param priority higher runs first
 * @param runAt epoch millis before which the task is not claimable, or null for "now"
 * @param delayMs delay from the time of enqueue, or null; never set together with {@code runAt}
 * @param uniqueKey optional deduplication key
 * @param maxAttempts attempts allowed, or null for the queue's setting
 * @param traceparent the W3C trace context of the enqueue ({@link Traceparent}), or null
 */
public record TaskSpec(
    String name,
    String paramsJson,
    int priority,
    Long runAt,
    Long delayMs,
    String uniqueKey,
    Integer maxAttempts,
    String traceparent) {

  /** A task spec enqueued in no trace. */
  public TaskSpec(
      String name,
      String paramsJson,
      int priority,
      Long runAt,
      Long delayMs,
      String uniqueKey,
      Integer maxAttempts) {
    this(name, paramsJson, priority, runAt, delayMs, uniqueKey, maxAttempts, null);
  }

  /** This spec, enqueued in the trace {@code traceparent} names. */
  public TaskSpec inTrace(String traceparent) {
    return new TaskSpec(
        name, paramsJson, priority, runAt, delayMs, uniqueKey, maxAttempts, traceparent);
  }

  /** A task spec with a name and parameters and defaults for everything else. */
  public static TaskSpec of(String name, String paramsJson) {
    return new TaskSpec(name, paramsJson, 0, null, null, null, null);
  }
}
