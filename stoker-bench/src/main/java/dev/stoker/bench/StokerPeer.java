package dev.stoker.bench;

import dev.stoker.client.ProblemException;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Stoker itself as a system of the run: the server under test, or Stoker on another backend given
 * with {@code --peer stoker-postgres=URL[,URL…]} (several servers over one database) or {@code
 * --peer stoker-etcd=URL[,URL…]} (several servers over one etcd cluster), or an AP cluster given
 * with {@code --peer stoker-cluster=URL,URL…} (one URL per node). Each phase runs on a fresh queue
 * and ends with a check, through the Java client, that the counts add up (every task enqueued,
 * claimed and completed exactly as often as the phase says): on the first server, or for a cluster
 * on every node once replication has brought them there, which also times the convergence. With
 * several servers the workers are spread over them round robin, the producer sends its batches to
 * each in turn, and the latency run enqueues on the last server while its worker waits on the
 * first, so that the wake-up crosses servers. The load goes over lean keep-alive connections
 * ({@link RawHttp}), one per worker, so that the measurement is of the server and not of the
 * client's CPU on a shared machine.
 */
final class StokerPeer implements Peer {
  private static final Duration POLL = Duration.ofSeconds(1);

  /** The backend of the server under test ({@code --server}): whatever it was started with. */
  static final String UNDER_TEST = "under test";

  private final String name;
  private final String backend;
  private final List<URI> servers;
  private final BenchConfig config;
  private final PrintStream log;
  private final String params;

  /** One per server, in the order of {@link #servers}. */
  private final List<StokerClient> clients = new ArrayList<>();

  private final StokerClient client;

  /** How long a cluster's nodes get to agree on a phase's counts. */
  private static final Duration CONVERGE_WITHIN = Duration.ofSeconds(60);

  /** Tells apart the queues of two Stoker systems sharing one database in one run. */
  private static final AtomicLong RUNS = new AtomicLong();

  private final String run =
      Long.toString(System.currentTimeMillis(), 36) + "-" + RUNS.incrementAndGet();

  /**
   * @param backend the store behind the servers, for the report: {@code postgres}, or {@link
   *     #UNDER_TEST}
   * @param servers one or more servers over the same store
   */
  StokerPeer(
      String name,
      String backend,
      List<URI> servers,
      BenchConfig config,
      PrintStream log,
      String params) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("Stoker needs at least one server URL");
    }
    this.name = name;
    this.backend = backend;
    this.servers = List.copyOf(servers);
    this.config = config;
    this.log = log;
    this.params = params;
    for (URI server : servers) {
      clients.add(
          StokerClient.builder()
              .baseUrl(server.toString())
              .requestTimeout(Duration.ofSeconds(60))
              .build());
    }
    this.client = clients.get(0);
  }

  /** Stoker on PostgreSQL: {@code URL[,URL…]}, servers sharing one database. */
  static StokerPeer postgres(String urls, BenchConfig config, PrintStream log, String params) {
    return shared("postgres", urls, config, log, params);
  }

  /** Stoker on etcd: {@code URL[,URL…]}, servers sharing one etcd cluster. */
  static StokerPeer etcd(String urls, BenchConfig config, PrintStream log, String params) {
    return shared("etcd", urls, config, log, params);
  }

  /** An AP cluster: {@code URL,URL…}, one per node. */
  static StokerPeer cluster(String urls, BenchConfig config, PrintStream log, String params) {
    return shared("cluster", urls, config, log, params);
  }

  private boolean cluster() {
    return backend.equals("cluster");
  }

  private static StokerPeer shared(
      String backend, String urls, BenchConfig config, PrintStream log, String params) {
    List<URI> servers = new ArrayList<>();
    for (String url : urls.split(",")) {
      servers.add(URI.create(url.strip()));
    }
    return new StokerPeer(
        "stoker/" + backend + " ×" + servers.size(), backend, servers, config, log, params);
  }

  @Override
  public String name() {
    return name;
  }

  /** The store behind this Stoker, e.g. {@code embedded} or {@code postgres}. */
  String backend() {
    return backend;
  }

  int servers() {
    return servers.size();
  }

  @Override
  public String durability() {
    return switch (backend) {
      case UNDER_TEST ->
          "as the server under test is configured, before every reply (the embedded store: WAL"
              + " fsync, group commit; --store postgres or etcd: that store's commit)";
      case "postgres" ->
          "PostgreSQL commit (synchronous_commit as the database is configured), group commit, before"
              + " every reply; "
              + servers.size()
              + " server(s) over one database";
      case "etcd" ->
          "etcd commit (raft quorum, WAL fdatasync'd), claims of concurrent workers combined, before every"
              + " reply; "
              + servers.size()
              + " server(s) over one etcd cluster";
      case "cluster" ->
          "each node's WAL fsync (group commit) before every reply, the events sent on to the other"
              + " nodes after it (asynchronous replication); "
              + servers.size()
              + " nodes, each holding every task";
      default -> "as the " + backend + " store is configured";
    };
  }

  @Override
  public String noBatches() {
    return null;
  }

  @Override
  public void throughput(Report report, String workload, int claimMax) throws InterruptedException {
    String queue = "bench-" + run + "-" + workload;
    ReplicationScrape before = cluster() ? ReplicationScrape.scrape(servers) : null;
    long start = System.nanoTime();
    enqueue(queue, config.tasks());
    phase(report, workload, "enqueue", queue, start, System.nanoTime(), config.tasks(), 0);

    start = System.nanoTime();
    long end = work(queue, claimMax, config.tasks(), null);
    // Convergence is timed on the drain: its workers stop at once (no long poll to wait out), so
    // the check starts right after the last completion.
    double convergedMs =
        phase(report, workload, "drain", queue, start, end, config.tasks(), config.tasks());

    String e2e = queue + "-e2e";
    long[] finished = new long[1];
    long began =
        Bench.endToEnd(
            config.workers(),
            () -> enqueue(e2e, config.tasks()),
            ready -> finished[0] = work(e2e, claimMax, config.tasks(), ready));
    phase(report, workload, "end-to-end", e2e, began, finished[0], config.tasks(), config.tasks());
    if (before != null) {
      ReplicationScrape r = ReplicationScrape.scrape(servers).since(before);
      report.replication(
          new Report.Replication(
              name,
              workload,
              r.events(),
              r.quantileMs(0.5),
              r.quantileMs(0.99),
              convergedMs,
              r.bytesPerEvent(),
              r.eventsPerExchange()));
    }
  }

  /**
   * Checks the phase's counts and reports it; returns how long after {@code endNanos} the counts
   * added up on every server checked (ms).
   */
  private double phase(
      Report report,
      String workload,
      String phase,
      String queue,
      long startNanos,
      long endNanos,
      long tasks,
      long expectDone)
      throws InterruptedException {
    double seconds = (endNanos - startNanos) / 1e9;
    long expectPending = tasks - expectDone;
    long deadline = System.nanoTime() + CONVERGE_WITHIN.toNanos();
    for (StokerClient server : cluster() ? clients : List.of(client)) {
      QueueCounts c;
      while (!addUp(c = counts(server, queue), expectDone, expectPending)) {
        if (!cluster() || System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              name
                  + " "
                  + workload
                  + " "
                  + phase
                  + ": counts do not add up: expected "
                  + expectDone
                  + " done and "
                  + expectPending
                  + " pending, the server says "
                  + c
                  + (cluster() ? " after " + CONVERGE_WITHIN.toSeconds() + " s" : ""));
        }
        Thread.sleep(5);
      }
    }
    double settledMs = (System.nanoTime() - endNanos) / 1e6;
    Report.Phase p = new Report.Phase(name, workload, phase, tasks, seconds);
    report.add(p);
    log.printf(
        "%s %s %s: %d tasks in %.2f s (%.0f/s)%n",
        name, workload, phase, tasks, seconds, p.perSecond());
    return settledMs;
  }

  /** The queue's counts on one server; null on a cluster node that has not heard of it yet. */
  private QueueCounts counts(StokerClient server, String queue) {
    try {
      return server.queue(queue).counts();
    } catch (ProblemException e) {
      if (cluster() && e.isNotFound()) {
        return null;
      }
      throw e;
    }
  }

  private static boolean addUp(QueueCounts c, long done, long pending) {
    return c != null
        && c.done() == done
        && c.pending() + c.scheduled() == pending
        && c.working() == 0
        && c.dead() == 0;
  }

  /**
   * One producer, the best batching API: batches of 1,000 tasks in one request, to each server in
   * turn.
   */
  void enqueue(String queue, int n) {
    List<RawHttp> connections = new ArrayList<>();
    try {
      for (URI server : servers) {
        connections.add(new RawHttp(server));
      }
      byte[] full = batchBody(Bench.ENQUEUE_BATCH);
      int batch = 0;
      for (int sent = 0; sent < n; sent += Bench.ENQUEUE_BATCH, batch++) {
        int size = Math.min(Bench.ENQUEUE_BATCH, n - sent);
        RawHttp http = connections.get(batch % connections.size());
        expect(
            201, http.post(tasksPath(queue), size == Bench.ENQUEUE_BATCH ? full : batchBody(size)));
      }
    } finally {
      connections.forEach(RawHttp::close);
    }
  }

  private static String tasksPath(String queue) {
    return "/v1/queues/" + queue + "/tasks";
  }

  private byte[] batchBody(int size) {
    StringBuilder b = new StringBuilder(size * (params.length() + 40)).append("{\"tasks\":[");
    for (int i = 0; i < size; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"name\":\"bench\",\"params\":")
          .append(params)
          .append('}');
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static RawHttp.Response expect(int status, RawHttp.Response r) {
    if (r.status() != status) {
      throw new IllegalStateException(
          "expected HTTP " + status + ", got " + r.status() + ": " + r.text());
    }
    return r;
  }

  /**
   * Runs the workers until {@code n} tasks of the queue are completed; returns when the last
   * completion was acknowledged (not when the last idle worker's long poll ran out). With {@code
   * ready} they long-poll (an end-to-end phase: the queue fills while they wait) and count down
   * once started.
   */
  private long work(String queue, int claimMax, int n, CountDownLatch ready)
      throws InterruptedException {
    AtomicLong completed = new AtomicLong();
    AtomicLong finishedAt = new AtomicLong();
    AtomicReference<RuntimeException> failed = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < config.workers(); w++) {
      String worker = "bench-" + w;
      URI server = servers.get(w % servers.size());
      byte[] claim =
          ("{\"worker\":\""
                  + worker
                  + "\",\"max\":"
                  + claimMax
                  + ",\"wait_ms\":"
                  + (ready != null ? POLL.toMillis() : 0)
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      workers.add(
          Thread.ofPlatform()
              .name(worker)
              .start(
                  () -> {
                    if (ready != null) {
                      ready.countDown();
                    }
                    try (RawHttp http = new RawHttp(server)) {
                      List<Claimed> next = List.of();
                      while (completed.get() < n && failed.get() == null) {
                        List<Claimed> tasks =
                            next.isEmpty()
                                ? Claimed.parse(
                                    expect(200, http.post("/v1/queues/" + queue + "/claim", claim))
                                        .body())
                                : next;
                        next = List.of();
                        if (tasks.isEmpty()) {
                          continue;
                        }
                        if (claimMax == 1 && !config.separateClaims()) {
                          // as a worker does: the completion claims the next task, one request per
                          // task
                          Claimed t = tasks.get(0);
                          next =
                              Claimed.parseNext(
                                  expect(
                                          200,
                                          http.post(
                                              "/v1/tasks/" + t.id() + "/complete",
                                              completeAndClaimBody(t.token(), worker)))
                                      .body());
                        } else if (claimMax == 1) {
                          Claimed t = tasks.get(0);
                          expect(
                              200,
                              http.post("/v1/tasks/" + t.id() + "/complete", tokenBody(t.token())));
                        } else {
                          expect(200, http.post("/v1/tasks/complete", completions(tasks)));
                        }
                        if (completed.addAndGet(tasks.size()) >= n) {
                          finishedAt.compareAndSet(0, System.nanoTime());
                        }
                      }
                    } catch (RuntimeException e) {
                      failed.compareAndSet(null, e);
                      log.println(worker + " failed: " + e);
                    }
                  }));
    }
    for (Thread t : workers) {
      t.join();
    }
    if (failed.get() != null) {
      // the first worker's error in the message: a report of failures shows messages, not the log
      throw new IllegalStateException(
          "a worker failed: " + failed.get().getMessage(), failed.get());
    }
    return finishedAt.get() == 0 ? System.nanoTime() : finishedAt.get();
  }

  private static byte[] completeAndClaimBody(String token, String worker) {
    return ("{\"token\":\"" + token + "\",\"claim\":{\"worker\":\"" + worker + "\",\"max\":1}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] tokenBody(String token) {
    return ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] completions(List<Claimed> tasks) {
    StringBuilder b = new StringBuilder(tasks.size() * 160).append("{\"tasks\":[");
    for (int i = 0; i < tasks.size(); i++) {
      Claimed t = tasks.get(i);
      b.append(i == 0 ? "" : ",")
          .append("{\"id\":\"")
          .append(t.id())
          .append("\",\"token\":\"")
          .append(t.token())
          .append("\"}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Claim requests/s, each claim taking one task, from W connections to the first server and a
   * queue deep enough that no claim comes back empty: the figure set beside the bare hello
   * server's.
   */
  double claimsPerSecond(Duration time) throws InterruptedException {
    String queue = "bench-" + run + "-claims";
    enqueue(queue, CLAIM_REFERENCE_DEPTH);
    byte[] claim = "{\"worker\":\"claims\"}".getBytes(StandardCharsets.UTF_8);
    AtomicLong empty = new AtomicLong();
    double claims =
        References.drive(
            config.workers(),
            time,
            http -> {
              if (Claimed.parse(
                      expect(200, http.post("/v1/queues/" + queue + "/claim", claim)).body())
                  .isEmpty()) {
                empty.incrementAndGet();
              }
            },
            servers.get(0));
    if (empty.get() > 0) {
      throw new IllegalStateException(
          "the claims reference ran out of tasks ("
              + empty.get()
              + " empty claims); raise CLAIM_REFERENCE_DEPTH");
    }
    return claims;
  }

  static final int CLAIM_REFERENCE_DEPTH = 150_000;

  /**
   * One idle worker on the first server; tasks enqueued one at a time on the last, at the
   * configured interval.
   */
  @Override
  public Report.Latency pickupLatency() throws InterruptedException {
    String queue = "bench-" + run + "-latency";
    int n = config.latencyTasks();
    Map<String, Long> acked = new ConcurrentHashMap<>();
    Map<String, Long> picked = new ConcurrentHashMap<>();
    byte[] claim = "{\"worker\":\"latency\",\"wait_ms\":5000}".getBytes(StandardCharsets.UTF_8);
    Thread worker =
        Thread.ofPlatform()
            .name("bench-latency-worker")
            .start(
                () -> {
                  try (RawHttp http = new RawHttp(servers.get(0))) {
                    while (picked.size() < n) {
                      List<Claimed> tasks =
                          Claimed.parse(
                              expect(200, http.post("/v1/queues/" + queue + "/claim", claim))
                                  .body());
                      long now = System.nanoTime();
                      for (Claimed t : tasks) {
                        picked.put(t.id(), now);
                        expect(
                            200,
                            http.post("/v1/tasks/" + t.id() + "/complete", tokenBody(t.token())));
                      }
                    }
                  }
                });
    // Let the worker's first claim park before the first enqueue.
    client.queue(queue);
    long interval = config.latencyInterval().toNanos();
    long next = System.nanoTime() + interval;
    byte[] one =
        ("{\"name\":\"latency\",\"params\":" + params + "}").getBytes(StandardCharsets.UTF_8);
    try (RawHttp http = new RawHttp(servers.get(servers.size() - 1))) {
      for (int i = 0; i < n; i++) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += interval;
        RawHttp.Response r = expect(201, http.post(tasksPath(queue), one));
        long now = System.nanoTime();
        acked.put(idOf(r.body()), now);
      }
    }
    if (!worker.join(Duration.ofSeconds(60))) {
      throw new IllegalStateException(
          "the latency worker picked up " + picked.size() + " of " + n + " tasks");
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    acked.forEach((id, ack) -> h.recordValue(Math.max(0, picked.get(id) - ack)));
    return Bench.latency(name, n, interval, h);
  }

  /** The id of the task in an enqueue reply (its first field). */
  private static String idOf(byte[] taskJson) {
    String s = new String(taskJson, 0, Math.min(taskJson.length, 64), StandardCharsets.UTF_8);
    int start = s.indexOf("\"id\":\"") + 6;
    return s.substring(start, s.indexOf('"', start));
  }

  @Override
  public void close() {
    client.close();
  }
}
