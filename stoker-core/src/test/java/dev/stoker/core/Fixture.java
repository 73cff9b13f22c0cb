package dev.stoker.core;

import java.util.SplittableRandom;

/**
 * A hand-driven world for transition tests: a fake wall clock that only moves forward when told,
 * the node's {@link Hlc} over it, and a task id generator.
 */
final class Fixture {
  static final long START = 1_700_000_000_000L;
  static final String QUEUE = "q";

  final int node;
  private long now = START;
  final Clock clock = () -> this.now;
  final Hlc hlc = new Hlc(clock);
  private final TaskIdGenerator ids;

  Fixture() {
    this(7);
  }

  Fixture(int node) {
    this.node = node;
    this.ids = new TaskIdGenerator(clock, node, new SplittableRandom(node));
  }

  long now() {
    return now;
  }

  void advance(long ms) {
    if (ms < 0) {
      throw new IllegalArgumentException("time only moves forward in a fixture");
    }
    now += ms;
  }

  /** The stamp of an update made now on this fixture's node. */
  Stamp stamp() {
    return Stamp.next(hlc, node);
  }

  TaskId newId() {
    return ids.next();
  }

  Task enqueue(int maxAttempts) {
    TaskSpec spec = new TaskSpec("job", "{\"n\":1}", 0, null, null, null, maxAttempts);
    return Transitions.enqueue(newId(), QUEUE, spec, QueueSettings.DEFAULT, stamp());
  }

  Task enqueue() {
    return enqueue(QueueSettings.DEFAULT.maxAttempts());
  }

  Task claim(Task t, long leaseMs) {
    return Transitions.claim(t, "worker-1", leaseMs, stamp());
  }

  static Task ok(Outcome outcome) {
    if (outcome instanceof Outcome.Ok ok) {
      return ok.task();
    }
    throw new AssertionError("expected Ok, was " + outcome);
  }
}
