package dev.stoker.core;

import java.util.random.RandomGenerator;

/**
 * Issues {@link TaskId}s for one node: time-ordered, and strictly increasing within the node even
 * when many are issued in one millisecond or the wall clock steps back.
 */
public final class TaskIdGenerator {
  private final Clock clock;
  private final int node;
  private final RandomGenerator random;
  private long lastMillis = -1;
  private long counter;

  public TaskIdGenerator(Clock clock, int node, RandomGenerator random) {
    if (node < 0 || node > 0xFFFF) {
      throw new IllegalArgumentException("node id must be 0..65535, was " + node);
    }
    this.clock = clock;
    this.node = node;
    this.random = random;
  }

  public synchronized TaskId next() {
    long now = clock.millis();
    if (now > lastMillis) {
      lastMillis = now;
      // Half the range, so the counter has room to grow within the millisecond.
      counter = random.nextLong() >>> 1;
    } else if (++counter < 0) {
      lastMillis++;
      counter = random.nextLong() >>> 1;
    }
    return new TaskId((lastMillis << 16) | node, counter);
  }
}
