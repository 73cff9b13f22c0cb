package dev.stoker.client;

import java.time.Duration;

/**
 * A worker's time: a monotonic clock and a way to wait on it. {@link #SYSTEM} in production; unit
 * tests give one whose time moves only when they say, so backoffs and deadlines are tested without
 * sleeping.
 */
interface Ticker {
  /** The JDK's: {@link System#nanoTime()} and {@link Thread#sleep(Duration)}. */
  Ticker SYSTEM =
      new Ticker() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
          Thread.sleep(d);
        }
      };

  /** Now, in nanoseconds from an arbitrary origin, like {@link System#nanoTime()}. */
  long nanoTime();

  /** Waits {@code d}. */
  void sleep(Duration d) throws InterruptedException;
}
