package dev.stoker.verify;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the producers, workers and the fault injector of one run share: the history, the servers,
 * the phase of the run and the counters that keep the backlog bounded.
 */
final class Workload {
  static final String QUEUE = "verify";

  /** How long an ordinary request may take before its outcome counts as unknown. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** Producers wait while this many acknowledged tasks are not completed yet. */
  static final long MAX_BACKLOG = 10_000;

  final History history;
  final List<Endpoint> nodes;
  final long leaseMs;

  /** The largest enqueue batch and claim. */
  final int batch;

  /**
   * Whether workers crash and stall now and then; not in a run without faults, where a duplicate is
   * a bug.
   */
  final boolean misbehave;

  /**
   * Tasks the producers may still enqueue; {@link Long#MAX_VALUE} when the run is bounded by time
   * only.
   */
  private final AtomicLong budget;

  final AtomicLong acknowledged = new AtomicLong();
  final AtomicLong completed = new AtomicLong();
  private final List<Thread> stalled = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean producing = true;
  private volatile boolean draining;
  private volatile boolean working = true;

  Workload(History history, List<Endpoint> nodes, VerifyConfig config) {
    this.history = history;
    this.nodes = nodes;
    this.leaseMs = config.lease().toMillis();
    this.batch = config.batch();
    this.misbehave = !config.faults().isEmpty();
    this.budget = new AtomicLong(config.tasks() > 0 ? config.tasks() : Long.MAX_VALUE);
  }

  /**
   * Takes up to {@code n} tasks out of the run's budget: how many may be enqueued (0 once it is
   * spent).
   */
  int take(int n) {
    while (true) {
      long left = budget.get();
      int taken = (int) Math.min(n, left);
      if (budget.compareAndSet(left, left - taken)) {
        return taken;
      }
    }
  }

  /**
   * Whether the producers have enqueued every task the run was bounded to (never, for a run bounded
   * by time).
   */
  boolean budgetSpent() {
    return budget.get() == 0;
  }

  Endpoint node(int i) {
    return nodes.get(Math.floorMod(i, nodes.size()));
  }

  boolean producing() {
    return producing;
  }

  /** Workers only complete from now on: no injected failures, crashes or stalls. */
  boolean draining() {
    return draining;
  }

  boolean working() {
    return working;
  }

  void stopProducing() {
    producing = false;
  }

  void drain() {
    draining = true;
  }

  void stopWorking() {
    working = false;
  }

  /**
   * Keeps track of a stalled worker's late part, so the run can wait for it before the final read.
   */
  void stalled(Thread t) {
    stalled.removeIf(x -> !x.isAlive());
    stalled.add(t);
  }

  /** Waits for every stalled worker to have woken up and finished. */
  void joinStalled() throws InterruptedException {
    for (Thread t : stalled) {
      t.join();
    }
  }

  /** Records an operation that went over HTTP. */
  Op record(
      String process,
      Op.Fn f,
      long invokeNs,
      long leaseMs,
      List<Op.Item> items,
      Endpoint.Reply reply) {
    return history.add(
        new Op(
            0,
            process,
            f,
            reply.type(),
            invokeNs,
            history.now(),
            leaseMs,
            items,
            reply.status(),
            reply.error()));
  }

  /** Records an event of the harness itself: a worker crash or stall, a fault window. */
  Op event(String process, Op.Fn f, long fromNs, List<Op.Item> items, String note) {
    return history.add(new Op(0, process, f, Op.Type.OK, fromNs, history.now(), 0, items, 0, note));
  }

  /** Sleeps, unless interrupted (then the caller sees the flag). */
  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
