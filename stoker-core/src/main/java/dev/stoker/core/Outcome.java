package dev.stoker.core;

/**
 * The result of an operation on one task: the new task, or a refusal. Refusals are values, not
 * exceptions: they are the normal answers a worker (or an operator) must handle (HTTP 404 and 409).
 */
public sealed interface Outcome {

  /** The operation was applied; {@code task} is the state after it. */
  record Ok(Task task) implements Outcome {}

  /** No such task (never enqueued, or pruned after its retention). */
  record NotFound(TaskId id) implements Outcome {}

  /**
   * The token does not name the task's current claim: the lease was lost (expired and taken over,
   * released, failed) or the task moved on. {@code current} tells the worker where the task is now.
   */
  record StaleToken(Task current) implements Outcome {}

  /** The task is already finished ({@code done}, {@code dead} or {@code cancelled}). */
  record AlreadyFinished(Task current) implements Outcome {}

  /** A retry of a task that is not {@code dead} or {@code cancelled}: only those can be retried. */
  record NotRetryable(Task current) implements Outcome {}

  /**
   * A retry of a task whose {@code unique_key} the live task {@code holder} of its queue holds:
   * retrying it would make two live tasks with one key.
   */
  record KeyHeld(Task current, TaskId holder) implements Outcome {}
}
