package dev.stoker.cluster.sim;

import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded network between the simulated nodes: every message is delayed (so messages overtake each
 * other), and may be lost or delivered twice; links can be cut one way or both. Deterministic for a
 * seed.
 */
final class SimNetwork {
  record Delivery(long at, long order, int from, int to, Object message) {}

  private final SplittableRandom random;
  private final PriorityQueue<Delivery> inFlight =
      new PriorityQueue<>(
          (x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
  private final Set<Long> cut = new HashSet<>();
  private long order;
  double loss;
  double duplication;
  int maxDelayMs = 5;

  SimNetwork(SplittableRandom random) {
    this.random = random;
  }

  void send(long now, int from, int to, Object message) {
    if (cut.contains(link(from, to)) || random.nextDouble() < loss) {
      return;
    }
    int copies = random.nextDouble() < duplication ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      inFlight.add(new Delivery(now + 1 + random.nextInt(maxDelayMs), order++, from, to, message));
    }
  }

  /** The next message due by {@code now}, or null. A message on a link cut meanwhile is lost. */
  Delivery next(long now) {
    while (!inFlight.isEmpty() && inFlight.peek().at() <= now) {
      Delivery d = inFlight.poll();
      if (!cut.contains(link(d.from(), d.to()))) {
        return d;
      }
    }
    return null;
  }

  void cut(int from, int to) {
    cut.add(link(from, to));
  }

  void heal(int from, int to) {
    cut.remove(link(from, to));
  }

  void healAll() {
    cut.clear();
  }

  boolean isCut(int from, int to) {
    return cut.contains(link(from, to));
  }

  private static long link(int from, int to) {
    return ((long) from << 32) | to;
  }
}
