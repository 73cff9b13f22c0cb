package dev.stoker.client;

/**
 * The outcome of one completion in a {@link StokerClient#completeAll(java.util.List) batch}.
 *
 * @param id the task's id
 * @param status 200 when the task is now done; else the status a single complete would have had:
 *     404 (no such task), 409 (already finished, or a token of another task)
 * @param task the task after the completion when {@code status} is 200, else null
 * @param error why the completion was refused, or null
 * @param state the task's current state when it was refused with 409, else null
 */
public record CompletionResult(String id, int status, Task task, String error, TaskState state) {
  /**
   * Whether the task was completed by this request.
   *
   * @return whether status is 200
   */
  public boolean ok() {
    return status == 200;
  }

  /**
   * Whether the task was already done (completed earlier, maybe by another worker after a lease
   * expiry): harmless for a worker.
   *
   * @return whether status is 409 and the task is done
   */
  public boolean alreadyDone() {
    return status == 409 && state == TaskState.DONE;
  }
}
