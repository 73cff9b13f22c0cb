package dev.stoker.verify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * What one {@code stoker verify} run does.
 *
 * @param backend what to start and test
 * @param duration how long faults are injected and load runs (the drain comes after), at most
 * @param faults the faults to inject; none at all also keeps the workers from crashing and
 *     stalling, so that every duplicate is a bug
 * @param seed seeds every random choice: the fault schedule and each producer's and worker's
 *     behaviour
 * @param out directory for the history, the summary and the timeline (created if missing)
 * @param producers concurrent producers
 * @param workers concurrent workers
 * @param lease the lease every claim asks for; pauses are sized against it
 * @param faultInterval the mean quiet time between two faults
 * @param drainTimeout how long the drain may take before the remaining tasks count as stuck
 * @param tasks how many tasks the producers enqueue in all before the load ends early (0: no bound,
 *     the duration alone ends it)
 * @param batch the largest enqueue batch and claim
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
    Duration drainTimeout,
    long tasks,
    int batch) {

  /** The duration of a run bounded by its task count alone: longer than anyone waits. */
  public static final Duration NO_TIME_LIMIT = Duration.ofDays(365);

  /** The default largest enqueue batch and claim. */
  public static final int DEFAULT_BATCH = 100;

  /** A run bounded by its duration alone, with the default batch size. */
  public VerifyConfig(
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
    this(
        backend,
        duration,
        faults,
        seed,
        out,
        producers,
        workers,
        lease,
        faultInterval,
        drainTimeout,
        0,
        DEFAULT_BATCH);
  }

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
    if (tasks < 0) {
      throw new IllegalArgumentException("--tasks must be at least 1");
    }
    if (batch < 1 || batch > 1_000) {
      throw new IllegalArgumentException(
          "--batch must be 1 ... 1000 (the API's largest batch and claim)");
    }
  }
}
