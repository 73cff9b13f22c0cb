package dev.stoker.client;

/**
 * Thrown by a {@link TaskHandler} to give its task back unharmed: it is pending again at once and
 * the attempt is not counted, as when a worker releases the tasks it holds at shutdown. For a run
 * cut short by something that is not the task's fault, such as a signal that stops the worker and
 * the processes it started. A task given back every time it runs runs forever: to fail, throw
 * anything else.
 */
public class ReleaseTask extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Gives the task back, for this reason (logged, not stored on the task).
   *
   * @param reason why the run ended
   */
  public ReleaseTask(String reason) {
    super(reason);
  }

  /**
   * Gives the task back, for this reason and cause.
   *
   * @param reason why the run ended
   * @param cause the underlying exception
   */
  public ReleaseTask(String reason, Throwable cause) {
    super(reason, cause);
  }
}
