package dev.stoker.bench;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.StokerClient;
import dev.stoker.verify.ServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The depth workload: how Stoker's store holds up as the queue grows. It starts its own {@code
 * stoker serve} on a fresh data directory (so that it can read the server's memory, its bytes on
 * disk, and kill and restart it), on the embedded store or, with {@link BenchConfig#depthEtcd()},
 * on that etcd cluster under a fresh key prefix (the bytes on disk are then only the server's own,
 * not etcd's), fills one queue with ~200-byte tasks in batches of 1,000 and, at each configured
 * depth, measures:
 *
 * <ul>
 *   <li>the enqueue rate: one producer, batches of 1,000 (W1's enqueue), in rounds of {@code w}
 *       tasks, each round taken back out afterwards (untimed, batch claims) so that the depth stays
 *       between {@code d} and {@code d + w};
 *   <li>the claim rate: W workers each claiming one task and completing it (W1's drain), in rounds
 *       of {@code w} tasks, each round put back afterwards (untimed), so the depth stays between
 *       {@code d - w} and {@code d};
 *   <li>the server's resident memory (VmRSS) and its peak (VmHWM) from /proc, and the bytes of its
 *       data directory;
 *   <li>restart: SIGKILL, start again on the same data directory and port, and the time until
 *       {@code /readyz} answers 200 and until a first claim returns a task.
 * </ul>
 *
 * {@code w} is a tenth of the depth, at most 10,000 tasks; each rate's rounds go on until the timed
 * part reaches the configured window, after one untimed window of each to warm the server up (it
 * runs in a JVM like {@code ./stoker serve}'s, {@code -Xmx512m}, and was restarted after the
 * previous depth). After each depth the server's counts must add up: the queue holds exactly that
 * many pending tasks, none working.
 */
public final class Depth {
  /** The most a measuring round moves the depth. */
  static final long MAX_ROUND = 10_000;

  /** Connections filling the queue between depths (not a measured phase). */
  static final int FILL_CONNECTIONS = 4;

  private static final String QUEUE = "depth";
  private static final String NAME = "bench";

  /**
   * The figures at one depth.
   *
   * @param depth pending tasks in the queue while measuring
   * @param tasksHeld every task the store held when disk was measured: pending and done
   * @param round tasks per measuring round (how far the depth moved while measuring)
   * @param enqueuePerSecond one producer, batches of 1,000
   * @param claimPerSecond W workers, each claiming one and completing it
   * @param rssBytes the server's VmRSS after measuring
   * @param peakRssBytes the server's VmHWM (peak RSS since it started or restarted)
   * @param diskBytes bytes of files under the server's data directory
   * @param payloadBytes {@code tasksHeld × (name + params bytes)}: what the tasks themselves weigh
   * @param readySeconds SIGKILL and restart until {@code /readyz} answered 200 (JVM start included)
   * @param firstClaimSeconds the same until a claim returned a task
   * @param fillSeconds how long filling the queue up to this depth took (not a target; for scale)
   */
  public record Level(
      long depth,
      long tasksHeld,
      long round,
      double enqueuePerSecond,
      double claimPerSecond,
      long rssBytes,
      long peakRssBytes,
      long diskBytes,
      long payloadBytes,
      double readySeconds,
      double firstClaimSeconds,
      double fillSeconds) {
    public double diskToPayload() {
      return (double) diskBytes / payloadBytes;
    }
  }

  private final BenchConfig config;
  private final PrintStream log;
  private final String task;
  private final long payloadPerTask;
  private final byte[] fullBatch;
  private final byte[] claimOne;
  private final byte[] claimBatch;
  private ServerProcess server;
  private URI uri;
  private String etcdPrefix;

  private Depth(BenchConfig config, PrintStream log, String params) {
    this.config = config;
    this.log = log;
    this.task = "{\"name\":\"" + NAME + "\",\"params\":" + params + "}";
    this.payloadPerTask = NAME.length() + params.getBytes(StandardCharsets.UTF_8).length;
    this.fullBatch = body(Bench.ENQUEUE_BATCH);
    this.claimOne = "{\"worker\":\"depth\"}".getBytes(StandardCharsets.US_ASCII);
    this.claimBatch =
        ("{\"worker\":\"depth-mover\",\"max\":" + Bench.W2_CLAIM + "}")
            .getBytes(StandardCharsets.US_ASCII);
  }

  /** Runs the depth workload on a server of its own; its data directory is deleted afterwards. */
  static List<Level> run(BenchConfig config, PrintStream log, String params)
      throws InterruptedException {
    Path data;
    try {
      data = Files.createTempDirectory("stoker-depth-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Depth depth = new Depth(config, log, params);
    try {
      return depth.levels(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (depth.server != null) {
        depth.server.close();
      }
      delete(data);
    }
  }

  private List<Level> levels(Path data) throws IOException, InterruptedException {
    server = start(data, 0, etcdPrefix());
    uri = URI.create(server.url());
    log.printf("depth: stoker serve pid %d on %s, data in %s%n", server.pid(), server.url(), data);
    List<Level> levels = new ArrayList<>();
    try (StokerClient client =
        StokerClient.builder()
            .baseUrl(server.url())
            .requestTimeout(Duration.ofSeconds(60))
            .build()) {
      for (long d : config.depths()) {
        long fillStart = System.nanoTime();
        long pending = client.queue(QUEUE).counts().pending();
        enqueue(d - pending, FILL_CONNECTIONS);
        double fill = seconds(System.nanoTime() - fillStart);
        log.printf(Locale.ROOT, "depth %d: filled %d tasks in %.1f s%n", d, d - pending, fill);
        long round = Math.max(1, Math.min(MAX_ROUND, d / 10));
        // Untimed once first: the server was just (re)started, and its JIT has not seen claims yet.
        enqueueRate(round);
        claimRate(round);
        double enqueueRate = enqueueRate(round);
        double claimRate = claimRate(round);
        QueueCounts c = client.queue(QUEUE).counts();
        if (c.pending() != d || c.working() != 0 || c.dead() != 0 || c.scheduled() != 0) {
          throw new IllegalStateException(
              "depth "
                  + d
                  + ": counts do not add up: expected "
                  + d
                  + " pending and none working, the server says "
                  + c);
        }
        long held = c.pending() + c.done();
        long[] rss = memory(server.pid());
        long disk = bytesUnder(data);
        long payload = held * payloadPerTask;
        double[] restart = restart(data);
        Level level =
            new Level(
                d,
                held,
                round,
                enqueueRate,
                claimRate,
                rss[0],
                rss[1],
                disk,
                payload,
                restart[0],
                restart[1],
                fill);
        log.printf(
            Locale.ROOT,
            "depth %d: enqueue %.0f/s, claim %.0f/s, RSS %d MiB (peak %d MiB), disk %d MiB"
                + " (%.2f × payload), restart to ready %.2f s, to first claim %.2f s%n",
            d,
            enqueueRate,
            claimRate,
            rss[0] >> 20,
            rss[1] >> 20,
            disk >> 20,
            level.diskToPayload(),
            restart[0],
            restart[1]);
        levels.add(level);
      }
    }
    return levels;
  }

  /** Rounds of {@code round} tasks enqueued (timed) and taken back out (untimed); tasks/s. */
  private double enqueueRate(long round) throws InterruptedException {
    long timed = 0;
    long tasks = 0;
    do {
      long start = System.nanoTime();
      enqueue(round, 1);
      timed += System.nanoTime() - start;
      tasks += round;
      takeOut(round);
    } while (timed < config.depthWindow().toNanos());
    return tasks / seconds(timed);
  }

  /**
   * Rounds of {@code round} tasks claimed one at a time and completed by W workers (timed), then
   * put back.
   */
  private double claimRate(long round) throws InterruptedException {
    long timed = 0;
    long tasks = 0;
    do {
      long start = System.nanoTime();
      claimEach(round);
      timed += System.nanoTime() - start;
      tasks += round;
      enqueue(round, 1);
    } while (timed < config.depthWindow().toNanos());
    return tasks / seconds(timed);
  }

  private byte[] body(int tasks) {
    return ("{\"tasks\":[" + String.join(",", Collections.nCopies(tasks, task)) + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Enqueues {@code n} tasks in batches of 1,000 over {@code connections} connections. */
  private void enqueue(long n, int connections) throws InterruptedException {
    AtomicLong left = new AtomicLong(n);
    parallel(
        connections,
        http -> {
          for (long take = take(left, Bench.ENQUEUE_BATCH);
              take > 0;
              take = take(left, Bench.ENQUEUE_BATCH)) {
            check(
                201,
                http.post(
                    "/v1/queues/" + QUEUE + "/tasks",
                    take == Bench.ENQUEUE_BATCH ? fullBatch : body((int) take)));
          }
        });
  }

  /** W workers claim one task each and complete it, until {@code n} are done. */
  private void claimEach(long n) throws InterruptedException {
    AtomicLong left = new AtomicLong(n);
    parallel(
        config.workers(),
        http -> {
          while (take(left, 1) > 0) {
            List<Claimed> got =
                Claimed.parse(
                    check(200, http.post("/v1/queues/" + QUEUE + "/claim", claimOne)).body());
            if (got.size() != 1) {
              throw new IllegalStateException(
                  "a claim at depth came back with " + got.size() + " tasks");
            }
            complete(http, got.get(0));
          }
        });
  }

  private static void complete(RawHttp http, Claimed t) {
    check(
        200,
        http.post(
            "/v1/tasks/" + t.id() + "/complete",
            ("{\"token\":\"" + t.token() + "\"}").getBytes(StandardCharsets.US_ASCII)));
  }

  /** Takes {@code n} tasks out with claims of up to 100, each task completed; untimed. */
  private void takeOut(long n) throws InterruptedException {
    AtomicLong left = new AtomicLong(n);
    parallel(
        FILL_CONNECTIONS,
        http -> {
          for (long take = take(left, Bench.W2_CLAIM);
              take > 0;
              take = take(left, Bench.W2_CLAIM)) {
            byte[] claim =
                take == Bench.W2_CLAIM
                    ? claimBatch
                    : ("{\"worker\":\"depth-mover\",\"max\":" + take + "}")
                        .getBytes(StandardCharsets.US_ASCII);
            List<Claimed> got =
                Claimed.parse(
                    check(200, http.post("/v1/queues/" + QUEUE + "/claim", claim)).body());
            if (got.size() != take) {
              throw new IllegalStateException(
                  "asked for " + take + " tasks at depth, got " + got.size());
            }
            StringBuilder b = new StringBuilder("{\"tasks\":[");
            for (Claimed t : got) {
              b.append(b.length() > 10 ? "," : "")
                  .append("{\"id\":\"")
                  .append(t.id())
                  .append("\",\"token\":\"")
                  .append(t.token())
                  .append("\"}");
            }
            check(
                200,
                http.post(
                    "/v1/tasks/complete",
                    b.append("]}").toString().getBytes(StandardCharsets.US_ASCII)));
          }
        });
  }

  /** Up to {@code most} of what is left, or 0 when nothing is. */
  private static long take(AtomicLong left, long most) {
    long before = left.getAndUpdate(l -> Math.max(0, l - most));
    return Math.min(before, most);
  }

  private interface Connection {
    void run(RawHttp http);
  }

  /**
   * Runs {@code body} on {@code n} threads, each with its own connection; rethrows the first
   * failure.
   */
  private void parallel(int n, Connection body) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    List<RuntimeException> failures = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      threads.add(
          Thread.ofPlatform()
              .name("depth-" + i)
              .start(
                  () -> {
                    try (RawHttp http = new RawHttp(uri)) {
                      body.run(http);
                    } catch (RuntimeException e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  private static RawHttp.Response check(int status, RawHttp.Response r) {
    if (r.status() != status) {
      throw new IllegalStateException(
          "expected HTTP " + status + ", got " + r.status() + ": " + r.text());
    }
    return r;
  }

  /**
   * SIGKILL, start again on the same data directory and port; seconds until {@code /readyz}
   * answered 200 and until a claim returned a task (which is then completed and replaced, to keep
   * the depth).
   */
  private double[] restart(Path data) throws IOException, InterruptedException {
    int port = server.port();
    server.kill();
    long start = System.nanoTime();
    server = start(data, port, etcdPrefix());
    long deadline = start + Duration.ofMinutes(10).toNanos();
    double ready;
    try (RawHttp http = new RawHttp(uri)) {
      while (http.get("/readyz").status() != 200) {
        pause(deadline, "ready");
      }
      ready = seconds(System.nanoTime() - start);
      List<Claimed> got;
      while ((got =
              Claimed.parse(
                  check(200, http.post("/v1/queues/" + QUEUE + "/claim", claimOne)).body()))
          .isEmpty()) {
        pause(deadline, "a first claim");
      }
      double claimed = seconds(System.nanoTime() - start);
      complete(http, got.get(0));
      enqueue(1, 1);
      return new double[] {ready, claimed};
    }
  }

  /** The etcd key prefix of this run's tasks: fresh, so that a run finds none of an earlier one. */
  private String etcdPrefix() {
    if (etcdPrefix == null) {
      etcdPrefix = "/bench-depth-" + Long.toString(System.currentTimeMillis(), 36);
    }
    return etcdPrefix;
  }

  /**
   * A server in the JVM {@code ./stoker serve} runs in, so the rates and memory are those users
   * get.
   */
  private ServerProcess start(Path data, int port, String prefix) throws IOException {
    List<String> store =
        config.depthEtcd() == null
            ? List.of("--data", data.toString())
            : List.of(
                "--data",
                data.toString(),
                "--store",
                "etcd",
                "--etcd",
                config.depthEtcd(),
                "--etcd-prefix",
                prefix);
    return ServerProcess.start(ServerProcess.AS_LAUNCHED, store, port);
  }

  private static void pause(long deadline, String what) throws InterruptedException {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException(
          "the restarted server did not come to " + what + " within 10 minutes");
    }
    Thread.sleep(5);
  }

  /** VmRSS and VmHWM of a process, in bytes, from /proc (Linux); zeros elsewhere. */
  static long[] memory(long pid) {
    long[] rssAndPeak = new long[2];
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rssAndPeak[0] = kilobytes(line);
        } else if (line.startsWith("VmHWM:")) {
          rssAndPeak[1] = kilobytes(line);
        }
      }
    } catch (IOException e) {
      // Not Linux: the figures stay zero and the table says so.
    }
    return rssAndPeak;
  }

  private static long kilobytes(String statusLine) {
    return 1024 * Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
  }

  /** Bytes of the regular files under {@code dir}. */
  static long bytesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0; // a file RocksDB removed while we walked
                }
              })
          .sum();
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory; the OS cleans up what is left
    }
  }

  /** Issue 5's depth targets, stated beside the figures (never asserted). */
  static final long TARGET_RSS = 1L << 30;

  static final double TARGET_RATE_SHARE = 0.9;
  static final double TARGET_RESTART_SECONDS = 10;
  static final double TARGET_DISK_TO_PAYLOAD = 2;

  /** The table for people, and each target checked at the deepest level against the shallowest. */
  static void print(List<Level> levels, String depthEtcd, PrintStream out) {
    if (levels.isEmpty()) {
      return;
    }
    out.printf(
        "depth (a server of the bench's own, %s, one queue; rates measured within ±10 %% of the depth):%n",
        depthEtcd == null ? "embedded store" : "on etcd at " + depthEtcd);
    out.printf(
        "%12s %11s %11s %9s %9s %9s %8s %9s %9s%n",
        "PENDING",
        "ENQUEUE/S",
        "CLAIM/S",
        "RSS MiB",
        "PEAK MiB",
        "DISK MiB",
        "×PAYLOAD",
        "READY S",
        "CLAIM S");
    for (Level l : levels) {
      out.printf(
          Locale.ROOT,
          "%12d %11.0f %11.0f %9d %9d %9d %8.2f %9.2f %9.2f%n",
          l.depth(),
          l.enqueuePerSecond(),
          l.claimPerSecond(),
          l.rssBytes() >> 20,
          l.peakRssBytes() >> 20,
          l.diskBytes() >> 20,
          l.diskToPayload(),
          l.readySeconds(),
          l.firstClaimSeconds());
    }
    Level first = levels.get(0);
    Level last = levels.get(levels.size() - 1);
    out.printf(
        Locale.ROOT,
        "depth targets at %d pending: RSS %d MiB (≤ 1024: %s), enqueue %.0f %% and claim %.0f %% of"
            + " the %d case (≥ 90 %%: %s), restart to ready %.2f s (≤ 10: %s), disk %.2f × payload (≤ 2: %s)%n",
        last.depth(),
        last.rssBytes() >> 20,
        met(last.rssBytes() <= TARGET_RSS),
        100 * last.enqueuePerSecond() / first.enqueuePerSecond(),
        100 * last.claimPerSecond() / first.claimPerSecond(),
        first.depth(),
        met(
            last.enqueuePerSecond() >= TARGET_RATE_SHARE * first.enqueuePerSecond()
                && last.claimPerSecond() >= TARGET_RATE_SHARE * first.claimPerSecond()),
        last.readySeconds(),
        met(last.readySeconds() <= TARGET_RESTART_SECONDS),
        last.diskToPayload(),
        met(last.diskToPayload() <= TARGET_DISK_TO_PAYLOAD));
  }

  private static String met(boolean met) {
    return met ? "met" : "MISSED";
  }

  /** The levels as a JSON array. */
  static String json(List<Level> levels) {
    StringBuilder b = new StringBuilder("[");
    for (Level l : levels) {
      b.append(b.length() > 1 ? "," : "")
          .append(
              String.format(
                  Locale.ROOT,
                  "{\"pending\":%d,\"tasks_held\":%d,"
                      + "\"round\":%d,\"enqueue_per_second\":%.1f,\"claim_per_second\":%.1f,\"rss_bytes\":%d,"
                      + "\"peak_rss_bytes\":%d,\"disk_bytes\":%d,\"payload_bytes\":%d,\"restart_to_ready_seconds\":%.3f,"
                      + "\"restart_to_first_claim_seconds\":%.3f,\"fill_seconds\":%.1f}",
                  l.depth(),
                  l.tasksHeld(),
                  l.round(),
                  l.enqueuePerSecond(),
                  l.claimPerSecond(),
                  l.rssBytes(),
                  l.peakRssBytes(),
                  l.diskBytes(),
                  l.payloadBytes(),
                  l.readySeconds(),
                  l.firstClaimSeconds(),
                  l.fillSeconds()));
    }
    return b.append("]").toString();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
