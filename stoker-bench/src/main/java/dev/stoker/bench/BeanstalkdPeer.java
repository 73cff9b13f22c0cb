package dev.stoker.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * W1 and pickup latency against beanstalkd, defined as for Stoker: the producer pipelines puts 500
 * at a time (its best batching), each worker reserves one job and deletes it. Durability is the
 * server's setting ({@code -f 0} syncs every put and delete before the next command).
 */
final class BeanstalkdPeer {
  static final String TARGET = "beanstalkd -f0";
  private static final int PIPELINE = 500;

  private final BenchConfig config;
  private final String address;
  private final PrintStream log;
  private final byte[] body;
  private final String run = Long.toString(System.currentTimeMillis(), 36);

  BeanstalkdPeer(BenchConfig config, PrintStream log, String params) {
    this.config = config;
    this.address = config.beanstalkd();
    this.log = log;
    this.body = params.getBytes(StandardCharsets.UTF_8);
  }

  void w1(Report report) throws InterruptedException {
    String tube = "bench-" + run + "-w1";
    long start = System.nanoTime();
    enqueue(tube, config.tasks());
    add(report, "enqueue", start);
    start = System.nanoTime();
    work(tube, config.tasks(), null);
    add(report, "drain", start);

    String e2e = tube + "-e2e";
    long began = Bench.endToEnd(config.workers(), () -> enqueue(e2e, config.tasks()),
        ready -> work(e2e, config.tasks(), ready));
    add(report, "end-to-end", began);
  }

  private void add(Report report, String phase, long startNanos) {
    Report.Phase p = new Report.Phase(TARGET, "w1", phase, config.tasks(), (System.nanoTime() - startNanos) / 1e9);
    report.add(p);
    log.printf("%s w1 %s: %d jobs in %.2f s (%.0f/s)%n", TARGET, phase, p.tasks(), p.seconds(), p.perSecond());
  }

  private void enqueue(String tube, int n) {
    try (Beanstalkd b = new Beanstalkd(address)) {
      b.use(tube);
      for (int sent = 0; sent < n; sent += PIPELINE) {
        b.putMany(body, Math.min(PIPELINE, n - sent));
      }
    }
  }

  /** Workers reserve and delete until {@code n} jobs are done; waiting (1 s) for end to end. */
  private void work(String tube, int n, CountDownLatch ready) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < config.workers(); w++) {
      workers.add(Thread.ofPlatform().start(() -> {
        try (Beanstalkd b = new Beanstalkd(address)) {
          b.watchOnly(tube);
          if (ready != null) {
            ready.countDown();
          }
          while (done.get() < n) {
            long id = b.reserve(ready != null ? 1 : 0);
            if (id >= 0) {
              b.delete(id);
              done.incrementAndGet();
            }
          }
        }
      }));
    }
    for (Thread t : workers) {
      t.join();
    }
  }

  Report.Latency pickupLatency() throws InterruptedException {
    String tube = "bench-" + run + "-latency";
    int n = config.latencyTasks();
    Map<Long, Long> acked = new ConcurrentHashMap<>();
    Map<Long, Long> picked = new ConcurrentHashMap<>();
    CountDownLatch watching = new CountDownLatch(1);
    Thread worker = Thread.ofPlatform().start(() -> {
      try (Beanstalkd b = new Beanstalkd(address)) {
        b.watchOnly(tube);
        watching.countDown();
        while (picked.size() < n) {
          long id = b.reserve(-1);
          picked.put(id, System.nanoTime());
          b.delete(id);
        }
      }
    });
    watching.await();
    long interval = config.latencyInterval().toNanos();
    long next = System.nanoTime() + interval;
    try (Beanstalkd b = new Beanstalkd(address)) {
      b.use(tube);
      for (int i = 0; i < n; i++) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += interval;
        long id = b.put(body);
        acked.put(id, System.nanoTime());
      }
    }
    worker.join(TimeUnit.SECONDS.toMillis(60));
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    acked.forEach((id, ack) -> h.recordValue(Math.max(0, picked.getOrDefault(id, ack) - ack)));
    return Bench.latency(TARGET, n, interval, h);
  }
}
