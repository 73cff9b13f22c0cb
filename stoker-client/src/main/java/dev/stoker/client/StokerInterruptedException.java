package dev.stoker.client;

/**
 * The calling thread was interrupted while it waited for the server. The thread's interrupt status
 * is set again before this is thrown, so code further up still sees the interruption. The request
 * may or may not have reached the server.
 */
public final class StokerInterruptedException extends StokerException {
  private static final long serialVersionUID = 1L;

  StokerInterruptedException(String message, InterruptedException cause) {
    super(message, cause);
  }
}
