package dev.stoker.core;

/**
 * Exponential backoff between attempts: {@code initialMs × multiplier^(attempt−1)}, capped at
 * {@code maxMs}, then spread by ±20 % jitter so that tasks that failed together do not retry
 * together.
 */
public record Backoff(long initialMs, double multiplier, long maxMs) {
  public static final double JITTER = 0.2;
  public static final Backoff DEFAULT = new Backoff(1_000, 2.0, 3_600_000);

  /**
   * The delay before the retry that follows failed attempt number {@code attempt} (1-based).
   *
   * @param uniform a uniformly distributed number in [0, 1), the jitter's randomness
   */
  public long delayMs(int attempt, double uniform) {
    double base = initialMs * Math.pow(multiplier, Math.max(0, attempt - 1));
    double capped = Math.min(base, maxMs);
    double jittered = capped * (1 - JITTER + 2 * JITTER * uniform);
    return Math.max(0, Math.round(jittered));
  }
}
