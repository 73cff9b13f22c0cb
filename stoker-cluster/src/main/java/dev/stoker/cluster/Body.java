package dev.stoker.cluster;

import dev.stoker.core.Task;

/**
 * The immutable part of a task, fixed at enqueue. Only the events that create a task's life
 * (enqueue, redrive) carry it; every other event carries only the {@link Register}, so a state
 * event stays small. {@code traceparent} (null when the enqueue had none) is written only when
 * present, behind a flag of the records that carry a body, so records without one keep their bytes.
 */
public record Body(
    String queue,
    String name,
    String paramsJson,
    int priority,
    String uniqueKey,
    int maxAttempts,
    long createdAt,
    String traceparent) {

  /** A body enqueued in no trace. */
  public Body(
      String queue,
      String name,
      String paramsJson,
      int priority,
      String uniqueKey,
      int maxAttempts,
      long createdAt) {
    this(queue, name, paramsJson, priority, uniqueKey, maxAttempts, createdAt, null);
  }

  static Body of(Task t) {
    return new Body(
        t.queue(),
        t.name(),
        t.paramsJson(),
        t.priority(),
        t.uniqueKey(),
        t.maxAttempts(),
        t.createdAt(),
        t.traceparent());
  }

  /** This body with the trace context a record's flag said follows it. */
  Body inTrace(String value) {
    return new Body(queue, name, paramsJson, priority, uniqueKey, maxAttempts, createdAt, value);
  }
}
