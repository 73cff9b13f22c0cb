package dev.stoker.client;

/**
 * The server could not be reached or could not serve the request: connection refused or reset, a
 * connect or request timeout, or an HTTP 502, 503 or 504 answer (a store that is down, a proxy with
 * no server behind it). The request may or may not have taken effect; retrying later may succeed.
 * The {@link Worker} retries on its own, with a capped exponential backoff.
 */
public final class StokerUnavailableException extends StokerException {
  private static final long serialVersionUID = 1L;

  private final int status;

  StokerUnavailableException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /**
   * The HTTP status the server answered with (502, 503 or 504), or 0 when there was no answer at
   * all (the connection failed or timed out).
   *
   * @return the status, or 0
   */
  public int status() {
    return status;
  }
}
