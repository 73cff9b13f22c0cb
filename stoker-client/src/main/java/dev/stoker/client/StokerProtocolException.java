package dev.stoker.client;

/**
 * The server's reply was not what API v1 promises: not JSON, or JSON without the fields it must
 * have. Usually the base URL points at something that is not a Stoker server (or not its API v1).
 */
public final class StokerProtocolException extends StokerException {
  private static final long serialVersionUID = 1L;

  StokerProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
