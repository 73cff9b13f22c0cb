package dev.stoker.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by a {@link TaskHandler} to fail its task and retry it after {@link #delay()} instead of
 * the queue's backoff, such as when a rate-limited service said when to come back. The attempt
 * counts: a task out of attempts is dead.
 */
public class RetryLater extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Duration delay;

  /**
   * Retry after {@code delay}.
   *
   * @param delay how long to wait before the retry, not negative
   */
  public RetryLater(Duration delay) {
    this(delay, "retry later (in " + Objects.requireNonNull(delay, "delay").toMillis() + " ms)");
  }

  /**
   * Retry after {@code delay}, with this message as the task's {@code last_error}.
   *
   * @param delay how long to wait before the retry, not negative
   * @param message why
   */
  public RetryLater(Duration delay, String message) {
    super(message);
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    this.delay = delay;
  }

  /**
   * How long to wait before the retry.
   *
   * @return the delay
   */
  public Duration delay() {
    return delay;
  }
}
