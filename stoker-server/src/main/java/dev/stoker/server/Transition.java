package dev.stoker.server;

import java.util.Locale;

/**
 * What happened to a task, as {@code GET /v1/events} names it in {@code event:}
 * (docs/api.md#events).
 */
enum Transition {
  /** A new task (not an enqueue answered with an existing task of its unique key). */
  ENQUEUED,
  /** Handed out by a claim: working. */
  CLAIMED,
  /** Made done by a completion. */
  COMPLETED,
  /** A worker's failure that leaves the task pending for another attempt. */
  FAILED,
  /** A worker's failure that made the task dead (permanent, or its last attempt). */
  DEAD,
  /** Given back by its worker, or by the server when the claim's client hung up: pending again. */
  RELEASED,
  /** Cancelled. */
  CANCELLED,
  /** A dead task made pending again by a redrive. */
  REDRIVEN,
  /** A dead or cancelled task made pending again by a retry of that task. */
  RETRIED,
  /** Its lease ran out: pending again, or dead after its last attempt. */
  EXPIRED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  String wireName() {
    return wireName;
  }
}
