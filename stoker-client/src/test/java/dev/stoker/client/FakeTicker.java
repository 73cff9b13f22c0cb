package dev.stoker.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    sleeps.add(d);
    advance(d);
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  Duration slept() {
    return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
