package dev.stoker.store.etcd;

import java.util.HashMap;
import java.util.Map;

/**
 * The claims of this server that wait for a queue to get a claimable task. A waiter reads the
 * queue's generation before it looks for tasks and sleeps only while the generation is unchanged,
 * so a task that became claimable between its look and its sleep wakes it at once. What bumps a
 * generation: this server's own writes, and the watch on the ready and queue prefixes (every
 * server's writes).
 */
final class Waiters {
  private final Map<String, Long> generations = new HashMap<>();
  private long all;

  synchronized long generation(String queue) {
    return all + generations.getOrDefault(queue, 0L);
  }

  synchronized void wake(String queue) {
    generations.merge(queue, 1L, Long::sum);
    notifyAll();
  }

  /** Wakes every waiter: drain, close, or a watch that restarted and may have missed events. */
  synchronized void wakeAll() {
    all++;
    notifyAll();
  }

  /** Sleeps up to {@code millis} while the queue's generation is still {@code seen}. */
  synchronized void await(String queue, long seen, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (generation(queue) == seen) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return;
      }
      wait(left);
    }
  }
}
