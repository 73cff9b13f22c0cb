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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * One {@code stoker verify} run: starts the backend's servers as real processes, runs producers and
 * workers against them while a fault injector kills and pauses them, then stops the faults, lets
 * the workers drain the queue, reads every task back, and checks the history ({@link Checker}).
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
  public static Outcome run(VerifyConfig config, PrintStream log)
      throws IOException, InterruptedException {
    return new Verify(config, log).run();
  }

  private Outcome run() throws IOException, InterruptedException {
    Path out = Files.createDirectories(config.out());
    Path historyFile = out.resolve("history.jsonl");
    config.backend().check(config.faults());
    Cluster cluster = config.backend().cluster(out, config.faults());
    List<Op> ops;
    // Interrupted (Ctrl-C), verify must not leave servers behind, least of all stopped ones.
    Thread cleanup =
        new Thread(
            () -> {
              try {
                cluster.close();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "verify-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try (cluster;
        History history = new History(historyFile)) {
      cluster.start();
      List<Endpoint> nodes = cluster.urls().stream().map(Endpoint::new).toList();
      Workload w = new Workload(history, nodes, config);
      if (cluster.replicated()) {
        w.event(
            "nemesis",
            Op.Fn.CLUSTER,
            0,
            IntStream.range(0, nodes.size()).mapToObj(i -> Op.Item.of("node-" + i)).toList(),
            "a replica on every node; pI and wI use node I mod " + nodes.size());
        for (Endpoint node : nodes) {
          configureQueue(node); // a queue's settings are per node in the AP cluster
        }
      } else {
        configureQueue(nodes.get(0));
      }
      log.printf(
          "verify: %s backend at %s on %s%n",
          config.backend().label(), cluster.urls(), cluster.data());
      log.printf(
          "verify: %s for %s, faults %s, seed %d; history in %s%n",
          config.producers()
              + " producers, "
              + config.workers()
              + " workers, batches of up to "
              + config.batch(),
          bound(),
          config.faults().stream().map(Fault::label).sorted().toList(),
          config.seed(),
          historyFile);
      ops = load(cluster, w, cluster.replicated());
    } finally {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
    Checker.Result result = Checker.check(ops);
    Path summary = out.resolve("summary.txt");
    try (PrintStream s =
        new PrintStream(Files.newOutputStream(summary), true, StandardCharsets.UTF_8)) {
      Summary.print(result, ops, s);
      s.printf(
          "%nbackend %s, seed %d, %s, faults %s, producers %d, workers %d, batch %d, lease %s, fault"
              + " interval %s%n",
          config.backend().label(),
          config.seed(),
          bound(),
          config.faults().stream().map(Fault::label).sorted().toList(),
          config.producers(),
          config.workers(),
          config.batch(),
          config.lease(),
          config.faultInterval());
    }
    Summary.print(result, ops, log);
    Path png = out.resolve("timeline.png");
    Timeline.write(ops, png);
    log.printf("%nverify: history %s, summary %s, timeline %s%n", historyFile, summary, png);
    return new Outcome(result, historyFile, summary, png);
  }

  /** What ends the load: the duration, or a number of tasks (whichever comes first). */
  private String bound() {
    if (config.tasks() == 0) {
      return "duration " + config.duration();
    }
    return config.tasks()
        + " tasks"
        + (config.duration().compareTo(VerifyConfig.NO_TIME_LIMIT) < 0
            ? " (at most " + config.duration() + ")"
            : "");
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

  /**
   * Short backoff, so failed tasks come back within the run. Asked again a few times (the settings
   * are the same each time): a server on a loaded machine may not answer the first request in time.
   */
  private void configureQueue(Endpoint api) throws InterruptedException, IOException {
    Endpoint.Reply r = null;
    for (int attempt = 0; attempt < 5 && (r == null || !r.ok()); attempt++) {
      r =
          api.put(
              "/v1/queues/" + Workload.QUEUE,
              Map.of(
                  "backoff",
                  Map.of("initial_ms", 100, "max_ms", 1_000),
                  "lease_ms",
                  config.lease().toMillis()),
              Workload.TIMEOUT);
    }
    if (!r.ok()) {
      throw new IOException("cannot set up the queue: " + r.error());
    }
  }

  private List<Op> load(Cluster cluster, Workload w, boolean replicated)
      throws InterruptedException, IOException {
    SplittableRandom seeds = new SplittableRandom(config.seed());
    RandomGenerator nemesisRandom = seeds.split();
    List<Thread> producers = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < config.producers(); i++) {
      producers.add(
          Thread.ofPlatform()
              .name("verify-producer-" + i)
              .start(new Producer(i, w, seeds.split())));
    }
    for (int i = 0; i < config.workers(); i++) {
      workers.add(
          Thread.ofPlatform()
              .name("verify-worker-" + i)
              .start(new MisbehavingWorker(i, w, seeds.split())));
    }
    List<ClusterSampler> samplers = new ArrayList<>();
    List<Thread> sampling = new ArrayList<>();
    for (int i = 0; replicated && i < w.nodes.size(); i++) {
      samplers.add(new ClusterSampler(w, i));
      sampling.add(Thread.ofPlatform().name("verify-sampler-" + i).start(samplers.get(i)));
    }
    List<Fault> faults = config.faults().stream().sorted().toList();
    Nemesis nemesis =
        new Nemesis(cluster, faults, w, nemesisRandom, config.faultInterval().toMillis());
    Thread nemesisThread = Thread.ofPlatform().name("verify-nemesis").start(nemesis);
    try {
      long end = System.nanoTime() + config.duration().toNanos();
      long nextReport = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < end && nemesis.failure() == null && !w.budgetSpent()) {
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
      drain(w, replicated ? w.nodes : List.of(w.node(0)));
      w.stopWorking();
      join(workers);
      w.joinStalled();
      if (replicated) {
        converge(w);
        for (int i = 0; i < w.nodes.size(); i++) {
          finalRead(w, i);
        }
      } else {
        finalRead(w, 0);
      }
    } finally {
      nemesis.stop();
      w.stopProducing();
      w.stopWorking();
      nemesisThread.interrupt();
      producers.forEach(Thread::interrupt);
      workers.forEach(Thread::interrupt);
      samplers.forEach(ClusterSampler::stop);
      sampling.forEach(Thread::interrupt);
      join(sampling); // the history closes next: no sample may come after
    }
    return w.history.ops();
  }

  private void progress(Workload w, String phase) {
    List<Op> ops = w.history.ops();
    long faults =
        ops.stream()
            .filter(
                o ->
                    o.f() == Op.Fn.KILL
                        || o.f() == Op.Fn.PAUSE
                        || o.f() == Op.Fn.POWER
                        || o.f() == Op.Fn.PARTITION
                        || o.f() == Op.Fn.SKEW)
            .count();
    log.printf(
        "verify: %s %4ds: %d ops, %d acknowledged, %d completed, %d faults%n",
        phase,
        w.history.now() / 1_000_000_000L,
        ops.size(),
        w.acknowledged.get(),
        w.completed.get(),
        faults);
  }

  /**
   * Waits until the queue has nothing pending, scheduled or working on any of {@code nodes}, twice
   * in a row, or the drain times out.
   */
  private void drain(Workload w, List<Endpoint> nodes) throws InterruptedException {
    long end = System.nanoTime() + config.drainTimeout().toNanos();
    int quiet = 0;
    long nextReport = System.nanoTime() + 10_000_000_000L;
    while (quiet < 2 && System.nanoTime() < end) {
      Thread.sleep(500);
      boolean empty = true;
      for (Endpoint node : nodes) {
        Endpoint.Reply r = node.get("/v1/queues/" + Workload.QUEUE, Workload.TIMEOUT);
        JsonNode c = r.ok() ? r.body().get("counts") : null;
        empty &=
            c != null
                && c.get("pending").asLong()
                        + c.get("scheduled").asLong()
                        + c.get("working").asLong()
                    == 0;
      }
      quiet = empty ? quiet + 1 : 0;
      if (System.nanoTime() >= nextReport) {
        nextReport += 10_000_000_000L;
        progress(w, "drain");
      }
    }
    if (quiet < 2) {
      log.println(
          "verify: the drain timed out after "
              + config.drainTimeout()
              + "; what is left counts as stuck");
    }
  }

  /**
   * Waits until every node of a replicated cluster holds every event (equal vectors in {@code GET
   * /v1/cluster}), as long as the drain may take: what a node still lacks then shows in its final
   * read.
   */
  private void converge(Workload w) throws InterruptedException {
    long end = System.nanoTime() + config.drainTimeout().toNanos();
    while (System.nanoTime() < end) {
      Set<JsonNode> vectors = new HashSet<>();
      for (Endpoint node : w.nodes) {
        Endpoint.Reply r = node.get("/v1/cluster", Workload.TIMEOUT);
        vectors.add(r.ok() ? r.body().get("vector") : null);
      }
      if (vectors.size() == 1 && !vectors.contains(null)) {
        log.println("verify: every node holds every event");
        return;
      }
      Thread.sleep(250);
    }
    log.println("verify: the nodes did not converge within " + config.drainTimeout());
  }

  /**
   * Reads every task of the queue from node {@code i}, page by page, into one final-read operation
   * (process {@code final}, or {@code final-I} for the other nodes of a replicated cluster).
   */
  private void finalRead(Workload w, int i) throws InterruptedException {
    Endpoint api = w.node(i);
    String process = i == 0 ? "final" : "final-" + i;
    long t0 = w.history.now();
    List<Op.Item> items = new ArrayList<>();
    String cursor = null;
    Endpoint.Reply r;
    do {
      String path =
          "/v1/queues/"
              + Workload.QUEUE
              + "/tasks?limit=1000"
              + (cursor == null
                  ? ""
                  : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      r = readPage(api, path);
      if (!r.ok()) {
        w.record(process, Op.Fn.FINAL_READ, t0, 0, List.of(), r);
        return;
      }
      for (JsonNode t : r.body().get("tasks")) {
        items.add(
            new Op.Item(
                t.at("/params/v").asText(), t.get("id").asText(), null, t.get("state").asText()));
      }
      JsonNode next = r.body().get("next_cursor");
      cursor = next == null || next.isNull() ? null : next.asText();
    } while (cursor != null);
    w.record(process, Op.Fn.FINAL_READ, t0, 0, items, r);
  }

  /**
   * A page of the final read; a page that failed is asked for again a few times (reads change
   * nothing).
   */
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
