package dev.stoker.core;

/**
 * A queue's settings. A queue that was never configured has {@link #DEFAULT}.
 *
 * @param leaseMs the lease of a claim that names none
 * @param maxAttempts the attempts of a task that names none
 * @param backoff the delay between a failure and the retry
 * @param retentionMs how long a finished task is kept before it is pruned
 * @param paused whether claims are refused (they wait, or return nothing)
 */
public record QueueSettings(
    long leaseMs, int maxAttempts, Backoff backoff, long retentionMs, boolean paused) {
  public static final QueueSettings DEFAULT =
      new QueueSettings(30_000, 10, Backoff.DEFAULT, 7L * 24 * 3600 * 1000, false);
}
