package dev.stoker.store.postgres;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes the claims of this server that wait on a queue: when this server makes a task of the queue
 * claimable, and when a notification says another server did (LISTEN/NOTIFY, see {@link Listener}).
 * A waiter reads the queue's sequence number before it looks for tasks and waits only while it is
 * unchanged, so a wake-up between the look and the wait is never lost.
 */
final class Wakeups {
  private static final class Signal {
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    long seq;
  }

  private final ConcurrentHashMap<String, Signal> signals = new ConcurrentHashMap<>();

  long seq(String queue) {
    Signal s = signals.computeIfAbsent(queue, q -> new Signal());
    s.lock.lock();
    try {
      return s.seq;
    } finally {
      s.lock.unlock();
    }
  }

  void signal(String queue) {
    Signal s = signals.get(queue);
    if (s != null) {
      bump(s);
    }
  }

  /** Wakes every waiter (drain, or a reconnect after which notifications may have been missed). */
  void signalAll() {
    signals.values().forEach(Wakeups::bump);
  }

  /** Waits up to {@code nanos} for the queue's sequence number to move past {@code seen}. */
  void await(String queue, long seen, long nanos) throws InterruptedException {
    Signal s = signals.computeIfAbsent(queue, q -> new Signal());
    s.lock.lock();
    try {
      while (s.seq == seen && nanos > 0) {
        nanos = s.changed.awaitNanos(nanos);
      }
    } finally {
      s.lock.unlock();
    }
  }

  private static void bump(Signal s) {
    s.lock.lock();
    try {
      s.seq++;
      s.changed.signalAll();
    } finally {
      s.lock.unlock();
    }
  }
}
