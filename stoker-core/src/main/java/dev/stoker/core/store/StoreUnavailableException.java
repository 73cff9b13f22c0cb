package dev.stoker.core.store;

/** The store cannot serve now (disk error, database down, shutting down); nothing was changed. */
public class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreUnavailableException(String message) {
    super(message);
  }
}
