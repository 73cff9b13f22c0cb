package dev.stoker.client;

/**
 * Thrown by a {@link TaskHandler} to fail its task permanently: it becomes dead at once, without
 * retries (a retry or redrive can still bring it back). For input that can never succeed.
 */
public class PermanentFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * A permanent failure with this message, which becomes the task's {@code last_error}.
   *
   * @param message what went wrong
   */
  public PermanentFailure(String message) {
    super(message);
  }

  /**
   * A permanent failure with this message and cause.
   *
   * @param message what went wrong
   * @param cause the underlying exception
   */
  public PermanentFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
