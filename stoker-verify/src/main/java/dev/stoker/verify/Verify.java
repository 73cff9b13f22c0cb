package dev.stoker.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * One {@code stoker verify} run: starts the backend's servers as real processes, runs producers and
 * workers against them while a fault injector kills and pauses them, then stops the faults, lets the
 * workers drain the queue, reads every task back, and checks the history ({@link Checker}).
 *
 * <p>Writes into the output directory: {@code history.jsonl} (every operation, as it happens),
 * {@code summary.txt} (the table printed at the end), {@code timeline.png}, and the servers' data
 * (which every run starts empty).
 */
public final class Verify {
  private final VerifyConfig config;
  private final PrintStream log;

  private Verify(VerifyConfig config, PrintStream log) {
    this.config = config;
    this.log = log;
  }

  /** What a run found, and where it wrote its files. */
  public record Outcome(Checker.Result result, Path history, Path summary, Path timeline) {}

  /**
   * Runs verify as configured, printing progress and the summary to {@code log}.
   *
   * @throws IllegalArgumentException for a fault the backend cannot take
   * @throws Backend.Unavailable for a backend that is not built yet
   */
  public static Outcome run(VerifyConfig config, PrintStream log) throws IOException, InterruptedException {
    return new Verify(config, log).run();
  }

  private Outcome run() throws IOException, InterruptedException {
    Path out = Files.createDirectories(config.out());
    Path historyFile = out.resolve("history.jsonl");
    config.backend().check(config.faults());
    Cluster cluster = config.backend().cluster(out, config.faults());
    List<Op> ops;
    // Interrupted (Ctrl-C), verify must not leave servers behind, least of all stopped ones.
    Thread cleanup = new Thread(() -> {
      try {
        cluster.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "verify-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try (cluster; History history = new History(historyFile)) {
      cluster.start();
      List<Endpoint> nodes = cluster.urls().stream().map(Endpoint::new).toList();
      Workload w = new Workload(history, nodes, config.lease().toMillis());
      configureQueue(nodes.get(0));
      log.printf("verify: %s backend at %s on %s%n", config.backend().label(), cluster.urls(), cluster.data());
      log.printf("verify: %s for %s, faults %s, seed %d; history in %s%n", config.producers() + " producers, "
              + config.workers() + " workers", config.duration(),
          config.faults().stream().map(Fault::label).sorted().toList(), config.seed(), historyFile);
      ops = load(cluster, w);
    } finally {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
    Checker.Result result = Checker.check(ops);
    Path summary = out.resolve("summary.txt");
    try (PrintStream s = new PrintStream(Files.newOutputStream(summary), true, StandardCharsets.UTF_8)) {
      Summary.print(result, ops, s);
      s.printf("%nbackend %s, seed %d, duration %s, faults %s, producers %d, workers %d, lease %s, fault interval"
              + " %s%n", config.backend().label(), config.seed(), config.duration(),
          config.faults().stream().map(Fault::label).sorted().toList(), config.producers(), config.workers(),
          config.lease(), config.faultInterval());
    }
    Summary.print(result, ops, log);
    Path png = out.resolve("timeline.png");
    Timeline.write(ops, png);
    log.printf("%nverify: history %s, summary %s, timeline %s%n", historyFile, summary, png);
    return new Outcome(result, historyFile, summary, png);
  }

  /**
   * Checks a history file written by an earlier run again, printing the same table; e.g. after a
   * change to the checker, or to look at a run from another machine.
   */
  public static Checker.Result check(Path historyFile, PrintStream log) throws IOException {
    List<Op> ops = History.read(historyFile);
    Checker.Result result = Checker.check(ops);
    Summary.print(result, ops, log);
    return result;
  }

  /** Short backoff, so failed tasks come back within the run. */
  private void configureQueue(Endpoint api) throws InterruptedException, IOException {
    Endpoint.Reply r = api.put("/v1/queues/" + Workload.QUEUE, Map.of("backoff", Map.of("initial_ms", 100,
        "max_ms", 1_000), "lease_ms", config.lease().toMillis()), Workload.TIMEOUT);
    if (!r.ok()) {
      throw new IOException("cannot set up the queue: " + r.error());
    }
  }

  private List<Op> load(Cluster cluster, Workload w) throws InterruptedException, IOException {
    SplittableRandom seeds = new SplittableRandom(config.seed());
    RandomGenerator nemesisRandom = seeds.split();
    List<Thread> producers = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < config.producers(); i++) {
      producers.add(Thread.ofPlatform().name("verify-producer-" + i).start(new Producer(i, w, seeds.split())));
    }
    for (int i = 0; i < config.workers(); i++) {
      workers.add(Thread.ofPlatform().name("verify-worker-" + i)
          .start(new MisbehavingWorker(i, w, seeds.split())));
    }
    List<Fault> faults = config.faults().stream().sorted().toList();
    Nemesis nemesis = new Nemesis(cluster, faults, w, nemesisRandom, config.faultInterval().toMillis());
    Thread nemesisThread = Thread.ofPlatform().name("verify-nemesis").start(nemesis);
    try {
      long end = System.nanoTime() + config.duration().toNanos();
      long nextReport = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < end && nemesis.failure() == null) {
        Thread.sleep(Math.min(250, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        if (System.nanoTime() >= nextReport) {
          nextReport += 10_000_000_000L;
          progress(w, "load");
        }
      }
      nemesis.stop();
      nemesisThread.join();
      if (nemesis.failure() != null) {
        log.println("verify: the fault injector failed: " + nemesis.failure().getMessage());
      }
      w.stopProducing();
      join(producers);
      log.println("verify: faults stopped, producers stopped; draining");
      w.drain();
      drain(w);
      w.stopWorking();
      join(workers);
      w.joinStalled();
      finalRead(w);
    } finally {
      nemesis.stop();
      w.stopProducing();
      w.stopWorking();
      nemesisThread.interrupt();
      producers.forEach(Thread::interrupt);
      workers.forEach(Thread::interrupt);
    }
    return w.history.ops();
  }

  private void progress(Workload w, String phase) {
    List<Op> ops = w.history.ops();
    long faults = ops.stream().filter(o -> o.f() == Op.Fn.KILL || o.f() == Op.Fn.PAUSE || o.f() == Op.Fn.POWER).count();
    log.printf("verify: %s %4ds: %d ops, %d acknowledged, %d completed, %d faults%n", phase,
        w.history.now() / 1_000_000_000L, ops.size(), w.acknowledged.get(), w.completed.get(), faults);
  }

  /** Waits until the queue has nothing pending, scheduled or working, twice in a row, or the drain times out. */
  private void drain(Workload w) throws InterruptedException {
    long end = System.nanoTime() + config.drainTimeout().toNanos();
    int quiet = 0;
    long nextReport = System.nanoTime() + 10_000_000_000L;
    while (quiet < 2 && System.nanoTime() < end) {
      Thread.sleep(500);
      Endpoint.Reply r = w.node(0).get("/v1/queues/" + Workload.QUEUE, Workload.TIMEOUT);
      if (r.ok()) {
        JsonNode c = r.body().get("counts");
        long open = c.get("pending").asLong() + c.get("scheduled").asLong() + c.get("working").asLong();
        quiet = open == 0 ? quiet + 1 : 0;
      }
      if (System.nanoTime() >= nextReport) {
        nextReport += 10_000_000_000L;
        progress(w, "drain");
      }
    }
    if (quiet < 2) {
      log.println("verify: the drain timed out after " + config.drainTimeout() + "; what is left counts as stuck");
    }
  }

  /** Reads every task of the queue, page by page, into one final-read operation. */
  private void finalRead(Workload w) throws InterruptedException {
    Endpoint api = w.node(0);
    long t0 = w.history.now();
    List<Op.Item> items = new ArrayList<>();
    String cursor = null;
    Endpoint.Reply r;
    do {
      String path = "/v1/queues/" + Workload.QUEUE + "/tasks?limit=1000"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      r = readPage(api, path);
      if (!r.ok()) {
        w.record("final", Op.Fn.FINAL_READ, t0, 0, List.of(), r);
        return;
      }
      for (JsonNode t : r.body().get("tasks")) {
        items.add(new Op.Item(t.at("/params/v").asText(), t.get("id").asText(), null, t.get("state").asText()));
      }
      JsonNode next = r.body().get("next_cursor");
      cursor = next == null || next.isNull() ? null : next.asText();
    } while (cursor != null);
    w.record("final", Op.Fn.FINAL_READ, t0, 0, items, r);
  }

  /** A page of the final read; a page that failed is asked for again a few times (reads change nothing). */
  private static Endpoint.Reply readPage(Endpoint api, String path) throws InterruptedException {
    Endpoint.Reply r = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      r = api.get(path, Duration.ofSeconds(30));
      if (r.ok()) {
        return r;
      }
      Thread.sleep(1_000);
    }
    return r;
  }

  private static void join(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      t.join();
    }
  }
}
