package dev.stoker.verify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * What one {@code stoker verify} run does.
 *
 * @param backend what to start and test
 * @param duration how long faults are injected and load runs (the drain comes after)
 * @param faults the faults to inject
 * @param seed seeds every random choice: the fault schedule and each producer's and worker's behaviour
 * @param out directory for the history, the summary and the timeline (created if missing)
 * @param producers concurrent producers
 * @param workers concurrent workers
 * @param lease the lease every claim asks for; pauses are sized against it
 * @param faultInterval the mean quiet time between two faults
 * @param drainTimeout how long the drain may take before the remaining tasks count as stuck
 */
public record VerifyConfig(
    Backend backend,
    Duration duration,
    Set<Fault> faults,
    long seed,
    Path out,
    int producers,
    int workers,
    Duration lease,
    Duration faultInterval,
    Duration drainTimeout) {

  public VerifyConfig {
    faults = Set.copyOf(faults);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive");
    }
    if (producers < 1 || workers < 1) {
      throw new IllegalArgumentException("--producers and --workers must be at least 1");
    }
    if (lease.toMillis() < 200) {
      throw new IllegalArgumentException("--lease must be at least 200ms");
    }
    if (faultInterval.toMillis() < 100) {
      throw new IllegalArgumentException("--fault-interval must be at least 100ms");
    }
  }
}
