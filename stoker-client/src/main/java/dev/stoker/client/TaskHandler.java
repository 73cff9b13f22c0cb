package dev.stoker.client;

/**
 * Runs one task for a {@link Worker}, on a virtual thread of its own.
 *
 * <ul>
 *   <li>Return: the task is completed, with the returned value (any value the client's mapper can
 *       serialise, or null for none) as its result.
 *   <li>Throw: the task fails with the exception's message, and is retried after the queue's
 *       backoff until its attempts are used up. Throw {@link PermanentFailure} to make it dead at
 *       once, or {@link RetryLater} to retry after a delay of your choice. Throw {@link
 *       ReleaseTask} to give it back unharmed (the attempt not counted) when the run was cut short
 *       by no fault of the task.
 * </ul>
 *
 * <p>The handler is interrupted when the task times out ({@link Worker.Builder#taskTimeout}), when
 * its lease is lost ({@link TaskContext#leaseLost()}), and at the end of a shutdown's grace:
 * handlers that block should let an interrupt end them. Tasks run at least once, so handlers should
 * be idempotent.
 */
@FunctionalInterface
public interface TaskHandler {
  /**
   * Runs the task.
   *
   * @param ctx the task and its lease
   * @return the result, or null for none
   * @throws Exception to fail the task
   */
  Object handle(TaskContext ctx) throws Exception;
}
