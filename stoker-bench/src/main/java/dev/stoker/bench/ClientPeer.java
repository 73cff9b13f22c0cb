package dev.stoker.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A peer driven from Java: the phases, the timing and the checks live here once, and each system
 * supplies only a producer and a consumer speaking its protocol. After every phase the counts are
 * checked as Stoker's are: as many distinct tasks completed as the phase says (a redelivery is
 * logged, not counted twice), and the peer's own count of what is left in the queue as expected.
 */
abstract class ClientPeer implements Peer {
  /** How long a waiting worker waits per take in the end-to-end phase (as Stoker's long poll). */
  static final Duration POLL = Duration.ofSeconds(1);

  final BenchConfig config;
  final PrintStream log;
  private final String name;

  /** The task's params, ~{@code paramsBytes} of JSON, as every system's payload. */
  final byte[] body;

  private final String run = Long.toString(System.currentTimeMillis(), 36);

  ClientPeer(BenchConfig config, PrintStream log, String params, String name) {
    this.name = name;
    this.config = config;
    this.log = log;
    this.body = params.getBytes(StandardCharsets.UTF_8);
  }

  /** One producer connection to a queue. */
  interface Producer extends AutoCloseable {
    /**
     * Enqueues {@code n} tasks with the system's best batching; returns once all are acknowledged.
     */
    void enqueue(int n) throws Exception;

    /** Enqueues one task; returns its id once the system has acknowledged it. */
    String put() throws Exception;

    @Override
    void close() throws Exception;
  }

  /** One worker's connection to a queue. */
  interface Consumer extends AutoCloseable {
    /**
     * Takes up to {@code max} tasks, waiting up to {@code wait} for the first (zero: not at all);
     * returns their ids, which the consumer holds until {@link #completeHeld()}.
     */
    List<String> take(int max, Duration wait) throws Exception;

    /** Completes (acknowledges, deletes) every task this consumer holds. */
    void completeHeld() throws Exception;

    @Override
    void close() throws Exception;
  }

  @Override
  public final String name() {
    return name;
  }

  /** Creates the queue (table, stream, tube…), empty. */
  void create(String queue) throws Exception {}

  abstract Producer producer(String queue) throws Exception;

  abstract Consumer consumer(String queue, int max) throws Exception;

  /** The tasks the peer says are waiting in the queue (not taken), to check the counts. */
  abstract long waiting(String queue) throws Exception;

  /** Deletes the queue after its phase, so that the next phase starts as shallow. */
  void drop(String queue) throws Exception {}

  @Override
  public final void throughput(Report report, String workload, int claimMax) throws Exception {
    String queue = "bench_" + run + "_" + workload;
    int n = config.tasks();
    create(queue);
    long start = System.nanoTime();
    enqueue(queue, n);
    phase(report, workload, "enqueue", start, System.nanoTime(), queue, n, 0);
    start = System.nanoTime();
    Finished drained = work(queue, claimMax, n, null);
    phase(report, workload, "drain", start, drained.atNanos(), queue, 0, drained.tasks());
    drop(queue);

    String e2e = queue + "_e2e";
    create(e2e);
    AtomicReference<Finished> finished = new AtomicReference<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    long began =
        Bench.endToEnd(
            config.workers(),
            () -> {
              try {
                enqueue(e2e, n);
              } catch (Exception e) {
                failed.set(e);
              }
            },
            ready -> {
              try {
                finished.set(work(e2e, claimMax, n, ready));
              } catch (InterruptedException e) {
                throw e;
              } catch (Exception e) {
                failed.set(e);
              }
            });
    if (failed.get() != null) {
      throw failed.get();
    }
    phase(
        report,
        workload,
        "end-to-end",
        began,
        finished.get().atNanos(),
        e2e,
        0,
        finished.get().tasks());
    drop(e2e);
  }

  private void enqueue(String queue, int n) throws Exception {
    try (Producer p = producer(queue)) {
      p.enqueue(n);
    }
  }

  private void phase(
      Report report,
      String workload,
      String phase,
      long startNanos,
      long endNanos,
      String queue,
      long expectWaiting,
      long completed)
      throws Exception {
    double seconds = (endNanos - startNanos) / 1e9;
    long expectCompleted = expectWaiting == 0 ? config.tasks() : 0;
    long left = waiting(queue);
    if (completed != expectCompleted || left != expectWaiting) {
      throw new IllegalStateException(
          name()
              + " "
              + workload
              + " "
              + phase
              + ": counts do not add up: expected "
              + expectCompleted
              + " completed and "
              + expectWaiting
              + " waiting, got "
              + completed
              + " completed and "
              + left
              + " waiting");
    }
    Report.Phase p = new Report.Phase(name(), workload, phase, config.tasks(), seconds);
    report.add(p);
    log.printf(
        "%s %s %s: %d tasks in %.2f s (%.0f/s)%n",
        name(), workload, phase, p.tasks(), seconds, p.perSecond());
  }

  /** How many tasks the workers completed, and when the last completion was acknowledged. */
  record Finished(long tasks, long atNanos) {}

  /**
   * Runs the workers until {@code n} distinct tasks are completed. With {@code ready} they wait for
   * tasks ({@link #POLL} per take) and count down once connected. A task delivered again (the peers
   * are at least once: RabbitMQ, whose acks are not confirmed, redelivered one in a test run) is
   * completed again but counted once, and logged; so are those back in the queue after the last
   * completion ({@link #completeRedeliveries}). The phase ends at the last completion, not when the
   * last idle worker's wait runs out.
   */
  private Finished work(String queue, int claimMax, int n, CountDownLatch ready) throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicLong again = new AtomicLong();
    AtomicLong finishedAt = new AtomicLong();
    Set<String> seen = ConcurrentHashMap.newKeySet(n * 2);
    AtomicReference<Exception> failed = new AtomicReference<>();
    Duration wait = ready != null ? POLL : Duration.ZERO;
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < config.workers(); w++) {
      workers.add(
          Thread.ofPlatform()
              .name(name() + "-worker-" + w)
              .start(
                  () -> {
                    try (Consumer c = consumer(queue, claimMax)) {
                      if (ready != null) {
                        ready.countDown();
                      }
                      while (done.get() < n && failed.get() == null) {
                        List<String> ids = c.take(claimMax, wait);
                        if (ids.isEmpty()) {
                          continue;
                        }
                        int fresh = 0;
                        for (String id : ids) {
                          if (seen.add(id)) {
                            fresh++;
                          }
                        }
                        again.addAndGet(ids.size() - fresh);
                        c.completeHeld();
                        if (done.addAndGet(fresh) >= n) {
                          finishedAt.compareAndSet(0, System.nanoTime());
                        }
                      }
                    } catch (Exception e) {
                      failed.compareAndSet(null, e);
                      if (ready != null) {
                        ready.countDown(); // let the producer go, so that the phase ends
                      }
                    }
                  }));
    }
    for (Thread t : workers) {
      t.join();
    }
    if (failed.get() != null) {
      throw failed.get();
    }
    again.addAndGet(completeRedeliveries(queue, claimMax, seen));
    if (again.get() > 0) {
      log.printf(
          "%s: %d task(s) delivered again after being taken (at-least-once); completed again, counted"
              + " once%n",
          name(), again.get());
    }
    return new Finished(done.get(), finishedAt.get() == 0 ? System.nanoTime() : finishedAt.get());
  }

  /**
   * Completes again the tasks that are back in the queue once every task was completed, counting
   * each once as during the phase: RabbitMQ does not confirm acks, and those still on their way
   * when a worker disconnected are never applied (61 tasks ready again after a W2 drain of 50,000).
   * Each sweep ends with a take that waited and got nothing, after the sweep's own acks went out. A
   * task that was never completed is not taken: it stays in the queue for the count check to
   * report.
   */
  private long completeRedeliveries(String queue, int claimMax, Set<String> seen) throws Exception {
    long again = 0;
    for (int sweep = 0; sweep < 3 && waiting(queue) > 0; sweep++) {
      try (Consumer c = consumer(queue, claimMax)) {
        for (List<String> ids = c.take(claimMax, POLL);
            !ids.isEmpty();
            ids = c.take(claimMax, POLL)) {
          if (!seen.containsAll(ids)) {
            return again; // closing the consumer gives them back
          }
          c.completeHeld();
          again += ids.size();
        }
      }
    }
    return again;
  }

  @Override
  public final Report.Latency pickupLatency() throws Exception {
    String queue = "bench_" + run + "_latency";
    create(queue);
    int n = config.latencyTasks();
    Map<String, Long> acked = new ConcurrentHashMap<>();
    Map<String, Long> picked = new ConcurrentHashMap<>();
    CountDownLatch waiting = new CountDownLatch(1);
    AtomicReference<Exception> failed = new AtomicReference<>();
    Thread worker =
        Thread.ofPlatform()
            .name(name() + "-latency-worker")
            .start(
                () -> {
                  try (Consumer c = consumer(queue, 1)) {
                    waiting.countDown();
                    long deadline =
                        System.nanoTime()
                            + TimeUnit.SECONDS.toNanos(60)
                            + n * config.latencyInterval().toNanos();
                    while (picked.size() < n && System.nanoTime() < deadline) {
                      List<String> ids = c.take(1, POLL);
                      long now = System.nanoTime();
                      for (String id : ids) {
                        picked.put(id, now);
                      }
                      c.completeHeld();
                    }
                  } catch (Exception e) {
                    failed.set(e);
                    waiting.countDown();
                  }
                });
    waiting.await();
    long interval = config.latencyInterval().toNanos();
    long next = System.nanoTime() + interval;
    try (Producer p = producer(queue)) {
      for (int i = 0; i < n && failed.get() == null; i++) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += interval;
        String id = p.put();
        acked.put(id, System.nanoTime());
      }
    }
    worker.join();
    drop(queue);
    if (failed.get() != null) {
      throw failed.get();
    }
    if (picked.size() != n || !picked.keySet().equals(acked.keySet())) {
      throw new IllegalStateException(
          name()
              + " latency: the worker picked up "
              + picked.size()
              + " of "
              + n
              + " tasks, or others than were enqueued");
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    acked.forEach((id, ack) -> h.recordValue(Math.max(0, picked.get(id) - ack)));
    return Bench.latency(name(), n, interval, h);
  }
}
