package dev.stoker.bench;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.StokerClient;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The load generator: runs the workloads of docs/benchmarks.md against one Stoker server, each phase
 * on a fresh queue, and checks after every phase, through the Java client, that the server's counts
 * add up (every task enqueued, claimed and completed exactly as often as the phase says). The load
 * itself goes over lean keep-alive connections ({@link RawHttp}), one per worker, so that the
 * measurement is of the server and not of the client's CPU on a shared machine.
 *
 * <ul>
 *   <li><b>W1</b>, one at a time: enqueue N in batches of 1,000 (the best batching API); drain them
 *       with W workers that each claim one task and complete it; end to end, W workers waiting
 *       (long poll) while the producer enqueues.
 *   <li><b>W2</b>, batched: the same phases with claims of up to 100 and batch completion.
 *   <li><b>latency</b>: one idle worker long-polls; tasks are enqueued one by one at a fixed rate;
 *       pickup latency is from the enqueue's acknowledgement to the claim's reply, in one process.
 * </ul>
 */
public final class Bench {
  /** How Stoker's rows are labelled beside the peers'. */
  static final String TARGET = "stoker";
  static final int ENQUEUE_BATCH = 1_000;
  static final int W2_CLAIM = 100;
  private static final Duration POLL = Duration.ofSeconds(1);

  private final BenchConfig config;
  private final StokerClient client;
  private final PrintStream log;
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private final String params;
  private final URI server;

  private Bench(BenchConfig config, StokerClient client, PrintStream log) {
    this.config = config;
    this.client = client;
    this.server = URI.create(config.server());
    this.log = log;
    this.params = params(config.paramsBytes());
  }

  /** Runs the configured workloads; {@code log} gets a line per phase as it ends. */
  public static Report run(BenchConfig config, PrintStream log) throws InterruptedException {
    try (StokerClient client = StokerClient.builder().baseUrl(config.server()).requestTimeout(Duration.ofSeconds(60))
        .build()) {
      Bench bench = new Bench(config, client, log);
      Report report = new Report(config);
      List<Peer> peers = new ArrayList<>();
      try {
        for (String spec : config.peers()) {
          Peer peer = Peers.open(spec, config, log, bench.params);
          peers.add(peer);
          report.system(new Report.SystemInfo(peer.name(), peer.durable(), peer.durability(), peer.noBatches()));
        }
        report.system(new Report.SystemInfo(TARGET, true, DURABILITY, null));
        if (config.workloads().contains("w1")) {
          for (Peer peer : peers) {
            bench.guarded(report, peer, "w1", () -> peer.throughput(report, "w1", 1));
          }
          bench.throughput(report, "w1", 1);
        }
        if (config.workloads().contains("w2")) {
          for (Peer peer : peers) {
            if (peer.noBatches() == null) {
              bench.guarded(report, peer, "w2", () -> peer.throughput(report, "w2", W2_CLAIM));
            }
          }
          bench.throughput(report, "w2", W2_CLAIM);
        }
        if (config.workloads().contains("latency")) {
          for (Peer peer : peers) {
            bench.guarded(report, peer, "latency", () -> report.latency(peer.pickupLatency()));
          }
          report.latency(bench.pickupLatency());
        }
      } finally {
        for (Peer peer : peers) {
          close(peer);
        }
      }
      if (config.workloads().contains("references")) {
        report.baseline(bench.references());
      }
      if (config.workloads().contains("depth")) {
        report.depth(Depth.run(config, log, bench.params));
      }
      return report;
    }
  }

  /** What Stoker's rows promise: the server acknowledges only what its store has made durable. */
  static final String DURABILITY = "as the server under test is configured (embedded store: WAL fsync, group"
      + " commit, before every reply)";

  /** A peer's workload. */
  private interface Step {
    void run() throws Exception;
  }

  /**
   * Runs a peer's workload; a peer that fails is reported as failed and the run goes on, so that one
   * peer's trouble does not cost the others' figures (the run then exits non-zero, see Report).
   */
  private void guarded(Report report, Peer peer, String workload, Step step) throws InterruptedException {
    try {
      step.run();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      report.failure(new Report.Failure(peer.name(), workload, String.valueOf(e)));
      log.println(peer.name() + " " + workload + " failed: " + e);
    }
  }

  private static void close(Peer peer) {
    try {
      peer.close();
    } catch (Exception e) {
      // The run's figures stand; a peer that does not close cleanly is stopped by its script anyway.
    }
  }

  private void throughput(Report report, String workload, int claimMax) throws InterruptedException {
    String queue = "bench-" + run + "-" + workload;
    long start = System.nanoTime();
    enqueue(queue, config.tasks());
    phase(report, workload, "enqueue", queue, start, System.nanoTime(), config.tasks(), 0);

    start = System.nanoTime();
    long end = work(queue, claimMax, config.tasks(), null);
    phase(report, workload, "drain", queue, start, end, config.tasks(), config.tasks());

    String e2e = queue + "-e2e";
    long[] finished = new long[1];
    long began = endToEnd(config.workers(), () -> enqueue(e2e, config.tasks()),
        ready -> finished[0] = work(e2e, claimMax, config.tasks(), ready));
    phase(report, workload, "end-to-end", e2e, began, finished[0], config.tasks(), config.tasks());
  }

  /** The workers of an end-to-end phase: they count {@code ready} down once each is waiting. */
  interface Workers {
    void run(CountDownLatch ready) throws InterruptedException;
  }

  /**
   * An end-to-end phase of any system: the producer starts once every worker is waiting, and the
   * phase ends when the workers are done. Returns when the producer started, to time from.
   */
  static long endToEnd(int workers, Runnable produce, Workers work) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(workers);
    long[] began = new long[1];
    Thread producer = Thread.ofPlatform().name("bench-producer").start(() -> {
      try {
        ready.await();
        began[0] = System.nanoTime();
        produce.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    work.run(ready);
    producer.join();
    return began[0];
  }

  private void phase(Report report, String workload, String phase, String queue, long startNanos, long endNanos,
      long tasks, long expectDone) {
    double seconds = (endNanos - startNanos) / 1e9;
    QueueCounts c = client.queue(queue).counts();
    long expectPending = tasks - expectDone;
    if (c.done() != expectDone || c.pending() + c.scheduled() != expectPending || c.working() != 0 || c.dead() != 0) {
      throw new IllegalStateException(workload + " " + phase + ": counts do not add up: expected " + expectDone
          + " done and " + expectPending + " pending, the server says " + c);
    }
    Report.Phase p = new Report.Phase(TARGET, workload, phase, tasks, seconds);
    report.add(p);
    log.printf("%s %s: %d tasks in %.2f s (%.0f/s)%n", workload, phase, tasks, seconds, p.perSecond());
  }

  /** One producer, the best batching API: batches of 1,000 tasks in one request. */
  private void enqueue(String queue, int n) {
    try (RawHttp http = new RawHttp(server)) {
      byte[] full = batchBody(ENQUEUE_BATCH);
      for (int sent = 0; sent < n; sent += ENQUEUE_BATCH) {
        int size = Math.min(ENQUEUE_BATCH, n - sent);
        expect(201, http.post("/v1/queues/" + queue + "/tasks", size == ENQUEUE_BATCH ? full : batchBody(size)));
      }
    }
  }

  private byte[] batchBody(int size) {
    StringBuilder b = new StringBuilder(size * (params.length() + 40)).append("{\"tasks\":[");
    for (int i = 0; i < size; i++) {
      b.append(i == 0 ? "" : ",").append("{\"name\":\"bench\",\"params\":").append(params).append('}');
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static RawHttp.Response expect(int status, RawHttp.Response r) {
    if (r.status() != status) {
      throw new IllegalStateException("expected HTTP " + status + ", got " + r.status() + ": " + r.text());
    }
    return r;
  }

  /**
   * Runs the workers until {@code n} tasks of the queue are completed; returns when the last
   * completion was acknowledged (not when the last idle worker's long poll ran out). With {@code
   * ready} they long-poll (an end-to-end phase: the queue fills while they wait) and count down once
   * started.
   */
  private long work(String queue, int claimMax, int n, CountDownLatch ready) throws InterruptedException {
    AtomicLong completed = new AtomicLong();
    AtomicLong finishedAt = new AtomicLong();
    AtomicBoolean failed = new AtomicBoolean();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < config.workers(); w++) {
      String name = "bench-" + w;
      byte[] claim = ("{\"worker\":\"" + name + "\",\"max\":" + claimMax + ",\"wait_ms\":"
          + (ready != null ? POLL.toMillis() : 0) + "}").getBytes(StandardCharsets.UTF_8);
      workers.add(Thread.ofPlatform().name(name).start(() -> {
        if (ready != null) {
          ready.countDown();
        }
        try (RawHttp http = new RawHttp(server)) {
          while (completed.get() < n && !failed.get()) {
            List<Claimed> tasks = Claimed.parse(expect(200, http.post("/v1/queues/" + queue + "/claim", claim)).body());
            if (tasks.isEmpty()) {
              continue;
            }
            if (claimMax == 1) {
              Claimed t = tasks.get(0);
              expect(200, http.post("/v1/tasks/" + t.id() + "/complete", tokenBody(t.token())));
            } else {
              expect(200, http.post("/v1/tasks/complete", completions(tasks)));
            }
            if (completed.addAndGet(tasks.size()) >= n) {
              finishedAt.compareAndSet(0, System.nanoTime());
            }
          }
        } catch (RuntimeException e) {
          failed.set(true);
          log.println(name + " failed: " + e);
        }
      }));
    }
    for (Thread t : workers) {
      t.join();
    }
    if (failed.get()) {
      throw new IllegalStateException("a worker failed; see above");
    }
    return finishedAt.get() == 0 ? System.nanoTime() : finishedAt.get();
  }

  private static byte[] tokenBody(String token) {
    return ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] completions(List<Claimed> tasks) {
    StringBuilder b = new StringBuilder(tasks.size() * 160).append("{\"tasks\":[");
    for (int i = 0; i < tasks.size(); i++) {
      Claimed t = tasks.get(i);
      b.append(i == 0 ? "" : ",").append("{\"id\":\"").append(t.id()).append("\",\"token\":\"").append(t.token())
          .append("\"}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** How long each reference runs. */
  static final Duration REFERENCE_TIME = Duration.ofSeconds(3);

  /**
   * The machine's references, and Stoker's claim requests/s beside the hello server's: W connections,
   * each claiming one task per request, from a queue deep enough that no claim comes back empty.
   */
  private Report.Baseline references() throws InterruptedException {
    String queue = "bench-" + run + "-claims";
    enqueue(queue, CLAIM_REFERENCE_DEPTH);
    byte[] claim = "{\"worker\":\"claims\"}".getBytes(StandardCharsets.UTF_8);
    AtomicLong empty = new AtomicLong();
    double claims = References.drive(config.workers(), REFERENCE_TIME, http -> {
      if (Claimed.parse(expect(200, http.post("/v1/queues/" + queue + "/claim", claim)).body()).isEmpty()) {
        empty.incrementAndGet();
      }
    }, server);
    if (empty.get() > 0) {
      throw new IllegalStateException("the claims reference ran out of tasks (" + empty.get()
          + " empty claims); raise CLAIM_REFERENCE_DEPTH");
    }
    log.printf("claims: %.0f req/s%n", claims);
    java.nio.file.Path scratch;
    try {
      scratch = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("."), ".stoker-bench-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    try {
      References.Figures machine = References.measure(config.workers(), REFERENCE_TIME, scratch);
      log.printf("hello: %.0f req/s; fsync'd appends: %.0f/s single, %.0f/s grouped%n", machine.helloPerSecond(),
          machine.fsyncSinglePerSecond(), machine.fsyncGroupedPerSecond());
      return new Report.Baseline(machine, claims);
    } finally {
      scratch.toFile().delete();
    }
  }

  static final int CLAIM_REFERENCE_DEPTH = 150_000;

  /** One idle worker; tasks enqueued one at a time at the configured interval. */
  private Report.Latency pickupLatency() throws InterruptedException {
    String queue = "bench-" + run + "-latency";
    int n = config.latencyTasks();
    Map<String, Long> acked = new ConcurrentHashMap<>();
    Map<String, Long> picked = new ConcurrentHashMap<>();
    byte[] claim = "{\"worker\":\"latency\",\"wait_ms\":5000}".getBytes(StandardCharsets.UTF_8);
    Thread worker = Thread.ofPlatform().name("bench-latency-worker").start(() -> {
      try (RawHttp http = new RawHttp(server)) {
        while (picked.size() < n) {
          List<Claimed> tasks = Claimed.parse(expect(200, http.post("/v1/queues/" + queue + "/claim", claim)).body());
          long now = System.nanoTime();
          for (Claimed t : tasks) {
            picked.put(t.id(), now);
            expect(200, http.post("/v1/tasks/" + t.id() + "/complete", tokenBody(t.token())));
          }
        }
      }
    });
    // Let the worker's first claim park before the first enqueue.
    client.queue(queue);
    long interval = config.latencyInterval().toNanos();
    long next = System.nanoTime() + interval;
    byte[] one = ("{\"name\":\"latency\",\"params\":" + params + "}").getBytes(StandardCharsets.UTF_8);
    try (RawHttp http = new RawHttp(server)) {
      for (int i = 0; i < n; i++) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += interval;
        RawHttp.Response r = expect(201, http.post("/v1/queues/" + queue + "/tasks", one));
        long now = System.nanoTime();
        acked.put(idOf(r.body()), now);
      }
    }
    if (!joined(worker, Duration.ofSeconds(60))) {
      throw new IllegalStateException("the latency worker picked up " + picked.size() + " of " + n + " tasks");
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    acked.forEach((id, ack) -> h.recordValue(Math.max(0, picked.get(id) - ack)));
    return latency(TARGET, n, interval, h);
  }

  /** Percentiles of a histogram of nanoseconds, in milliseconds. */
  static Report.Latency latency(String target, int n, long intervalNanos, Histogram h) {
    double ms = 1e6;
    return new Report.Latency(target, n, 1e9 / intervalNanos, h.getValueAtPercentile(50) / ms,
        h.getValueAtPercentile(99) / ms, h.getValueAtPercentile(99.9) / ms, h.getMaxValue() / ms);
  }

  /** The id of the task in an enqueue reply (its first field). */
  private static String idOf(byte[] taskJson) {
    String s = new String(taskJson, 0, Math.min(taskJson.length, 64), StandardCharsets.UTF_8);
    int start = s.indexOf("\"id\":\"") + 6;
    return s.substring(start, s.indexOf('"', start));
  }

  private static boolean joined(Thread t, Duration within) throws InterruptedException {
    return t.join(within);
  }

  /** A JSON object of about {@code bytes} bytes, shaped like a real task's params. */
  static String params(int bytes) {
    String head = "{\"user\":123456,\"email\":\"someone@example.com\",\"template\":\"welcome-v2\",\"pad\":\"";
    int pad = Math.max(0, bytes - head.length() - 2);
    return head + "x".repeat(pad) + "\"}";
  }
}
