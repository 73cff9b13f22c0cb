package dev.stoker.core;

/**
 * The source of wall-clock time, in milliseconds since the epoch.
 *
 * <p>Everything in Stoker that needs the time takes a {@code Clock}, so tests can drive time by
 * hand and the fault-injection checker can skew one node's clock without touching the others.
 */
@FunctionalInterface
public interface Clock {

  /** Milliseconds since 1970-01-01T00:00:00Z. */
  long millis();

  /** The machine's clock. */
  static Clock system() {
    return System::currentTimeMillis;
  }
}
