package dev.stoker.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} whose time moves only when something sleeps on it: sleeps return at once. */
final class FakeTicker implements Ticker {
  private final AtomicLong now = new AtomicLong();

  /** Every sleep asked for, in order. */
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  @Override
  public long nanoTime() {
    return now.get();
  }

  @Override
  public void sleep(Duration d) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    advance(d);
    synchronized (this) {
      sleeps.add(d);
      notifyAll();
    }
  }

  /** Waits (for real, up to {@code within}) until {@code n} sleeps were asked for. */
  synchronized void awaitSleeps(int n, Duration within)
      throws InterruptedException, TimeoutException {
    long end = System.nanoTime() + within.toNanos();
    while (sleeps.size() < n) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(sleeps.size() + " sleeps, not " + n + ", within " + within);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  Duration slept() {
    return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
