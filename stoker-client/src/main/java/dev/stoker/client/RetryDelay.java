package dev.stoker.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter for retrying calls to a server that cannot be reached: 100
 * ms, 200 ms, 400 ms, ... up to 5 s, each drawn uniformly from the upper half of its step so that
 * many workers coming back after an outage do not all knock at once.
 */
final class RetryDelay {
  static final long MIN_MS = 100;
  static final long MAX_MS = 5_000;

  private int failures;

  Duration next() {
    long step = Math.min(MAX_MS, MIN_MS << Math.min(failures, 16));
    failures++;
    long ms = step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    return Duration.ofMillis(Math.max(1, ms));
  }

  void reset() {
    failures = 0;
  }
}
