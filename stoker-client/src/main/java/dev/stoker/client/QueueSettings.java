package dev.stoker.client;

import java.time.Duration;

/**
 * A queue's settings, as the server holds them.
 *
 * @param lease the lease of a claim that names none (default 30 s)
 * @param maxAttempts the attempts of a task that names none (default 10)
 * @param backoff the delay between a failure and the retry
 * @param retention how long a finished task is kept before it is pruned (default 7 days)
 * @param paused whether claims get nothing (they wait, or return empty)
 */
public record QueueSettings(
    Duration lease, int maxAttempts, Backoff backoff, Duration retention, boolean paused) {

  /**
   * The retry delay after the n-th failure: {@code initial × multiplier^(n-1)}, at most {@code
   * max}, with ±20 % jitter.
   *
   * @param initial the delay after the first failure (default 1 s)
   * @param multiplier the growth per failure (default 2.0)
   * @param max the largest delay (default 1 h)
   */
  public record Backoff(Duration initial, double multiplier, Duration max) {}
}
