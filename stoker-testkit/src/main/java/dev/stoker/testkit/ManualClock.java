package dev.stoker.testkit;

import dev.stoker.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock that moves only when told: tests set it, or advance it, and every reader sees the
 * new time at once. Safe to read and move from any thread.
 *
 * <p>It drives the time a store reasons with ({@code run_at}, leases, retention), never real
 * waiting: a long-poll claim waits in real time whatever this clock says.
 */
public final class ManualClock implements Clock {
  /** Where a clock starts unless told otherwise: 2026-01-01T00:00:00Z. */
  public static final long DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  private final AtomicLong now;

  /** A clock at {@link #DEFAULT_START}. */
  public ManualClock() {
    this(DEFAULT_START);
  }

  public ManualClock(long startMillis) {
    this.now = new AtomicLong(startMillis);
  }

  public ManualClock(Instant start) {
    this(start.toEpochMilli());
  }

  @Override
  public long millis() {
    return now.get();
  }

  /** The time as an instant. */
  public Instant instant() {
    return Instant.ofEpochMilli(now.get());
  }

  /**
   * Moves the clock forward.
   *
   * @return the new time
   * @throws IllegalArgumentException if {@code d} is negative (use {@link #set} to step back on
   *     purpose)
   */
  public long advance(Duration d) {
    return advanceMillis(d.toMillis());
  }

  /**
   * Moves the clock forward by {@code ms} milliseconds.
   *
   * @return the new time
   * @throws IllegalArgumentException if {@code ms} is negative (use {@link #set} to step back on
   *     purpose)
   */
  public long advanceMillis(long ms) {
    if (ms < 0) {
      throw new IllegalArgumentException(
          "advance only moves forward, was " + ms + " ms; use set() to step back");
    }
    return now.addAndGet(ms);
  }

  /** Sets the time, forwards or backwards (a wall clock may step back; an HLC must not). */
  public void set(long millis) {
    now.set(millis);
  }

  public void set(Instant instant) {
    set(instant.toEpochMilli());
  }

  @Override
  public String toString() {
    return "ManualClock[" + instant() + "]";
  }
}
