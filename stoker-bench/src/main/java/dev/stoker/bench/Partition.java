package dev.stoker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.client.ProblemException;
import dev.stoker.client.QueueCounts;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskRequest;
import dev.stoker.verify.ApCluster;
import dev.stoker.verify.ServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The partition workload of the AP cluster (docs/backends/cluster.md): how long after a partition
 * heals its nodes agree again. It starts three {@code stoker serve --cluster} nodes of its own
 * (verify's {@link ApCluster}: every link between two nodes goes through a proxy, so a cut leaves
 * the clients' connections alone), cuts node 1 off from nodes 2 and 3 for the partition's length,
 * and meanwhile enqueues the configured number of tasks, spread evenly over the three nodes and
 * over the time, while the configured workers, spread over the nodes, claim and complete them on
 * their own node. Both sides go on working, as the design wants; each side steals the other's
 * pending tasks once {@code steal_delay} passed. When the time is up the load stops, the partition
 * heals, and convergence is the time from the heal until every node holds every event (equal {@code
 * vector}s in {@code GET /v1/cluster}) and counts the same tasks in every state.
 */
public final class Partition {
  /** The partition of issue 15's figure ("time to converge after a 30 s partition"). */
  public static final Duration DURATION = Duration.ofSeconds(30);

  private static final int NODES = 3;
  private static final int BATCH = 100;
  private static final String QUEUE = "partition";
  private static final Duration CONVERGE_WITHIN = Duration.ofMinutes(5);
  private static final Duration CLAIM_WAIT = Duration.ofMillis(200);
  private static final Duration LEASE = Duration.ofSeconds(30);

  /**
   * What one partition showed.
   *
   * @param partitionSeconds how long node 1 was cut off
   * @param enqueued tasks acknowledged during the partition, on all nodes
   * @param completed completions acknowledged during it, on all nodes
   * @param events the events every node held once converged (the sum of the vector)
   * @param convergedMs from the heal until the nodes agreed
   * @param duplicates the work the nodes found handed out twice, summed over nodes and causes
   * @param counts the queue's counts, the same on every node once converged
   */
  public record Result(
      double partitionSeconds,
      long enqueued,
      long completed,
      long events,
      double convergedMs,
      long duplicates,
      QueueCounts counts) {}

  private Partition() {}

  /** Runs one partition of {@code length} with {@code config}'s tasks and workers. */
  public static Result run(BenchConfig config, PrintStream log, String params, Duration length)
      throws InterruptedException {
    Path dir;
    try {
      dir = Files.createTempDirectory("stoker-bench-partition");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (ApCluster cluster = new ApCluster(dir, ServerProcess.AS_LAUNCHED)) {
      cluster.start();
      List<StokerClient> nodes = new ArrayList<>();
      for (String url : cluster.urls()) {
        nodes.add(
            StokerClient.builder().baseUrl(url).requestTimeout(Duration.ofSeconds(30)).build());
      }
      log.printf(
          "partition: 3 nodes at %s; node 1 cut off from nodes 2 and 3 for %d s, %d tasks, %d workers%n",
          cluster.urls(), length.toSeconds(), config.tasks(), config.workers());
      awaitLinked(cluster.urls());
      cluster.partition(List.of(0));
      long cut = System.nanoTime();
      AtomicLong enqueued = new AtomicLong();
      AtomicLong completed = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread.Builder load =
          Thread.ofVirtual()
              .uncaughtExceptionHandler(
                  (t, e) -> {
                    failed.compareAndSet(null, e);
                    stop.set(true);
                  });
      for (int n = 0; n < NODES; n++) {
        StokerClient node = nodes.get(n);
        long share = config.tasks() / NODES + (n < config.tasks() % NODES ? 1 : 0);
        threads.add(load.start(() -> produce(node, share, params, cut, length, enqueued, stop)));
      }
      for (int w = 0; w < config.workers(); w++) {
        StokerClient node = nodes.get(w % NODES);
        String worker = "partition-w" + w;
        threads.add(load.start(() -> work(node, worker, completed, stop)));
      }
      long left = length.toNanos() - (System.nanoTime() - cut);
      while (left > 0 && !stop.get()) {
        Thread.sleep(Math.min(100, left / 1_000_000 + 1));
        left = length.toNanos() - (System.nanoTime() - cut);
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      if (failed.get() != null) {
        throw new IllegalStateException("partition: the load failed", failed.get());
      }
      double cutSeconds = (System.nanoTime() - cut) / 1e9;
      cluster.heal();
      long healed = System.nanoTime();
      QueueCounts counts = awaitAgreement(cluster.urls(), nodes, healed);
      double convergedMs = (System.nanoTime() - healed) / 1e6;
      List<JsonNode> status = statuses(cluster.urls());
      long events = 0;
      for (JsonNode held : status.get(0).get("vector")) {
        events += held.asLong();
      }
      long duplicates = 0;
      for (JsonNode s : status) {
        for (JsonNode d : s.get("duplicates")) {
          duplicates += d.asLong();
        }
      }
      Result r =
          new Result(
              cutSeconds, enqueued.get(), completed.get(), events, convergedMs, duplicates, counts);
      log.printf(
          "partition: %.1f s cut, %d enqueued and %d completed meanwhile; converged %.0f ms after"
              + " the heal (%d events on every node; %s); duplicates counted: %d%n",
          r.partitionSeconds(),
          r.enqueued(),
          r.completed(),
          r.convergedMs(),
          r.events(),
          r.counts(),
          r.duplicates());
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      Depth.delete(dir);
    }
  }

  /** Enqueues {@code share} tasks on one node in batches, evenly over the partition. */
  private static void produce(
      StokerClient node,
      long share,
      String params,
      long cut,
      Duration length,
      AtomicLong enqueued,
      AtomicBoolean stop) {
    long sent = 0;
    while (sent < share && !stop.get()) {
      // the batch due by now, so the tasks arrive at an even rate over the partition
      long due =
          Math.min(share, share * ((System.nanoTime() - cut) / 1_000_000) / length.toMillis());
      if (due <= sent) {
        sleep(5);
        continue;
      }
      int n = (int) Math.min(BATCH, due - sent);
      List<TaskRequest> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        batch.add(TaskRequest.of("bench").paramsJson(params));
      }
      enqueued.addAndGet(node.enqueueAll(QUEUE, batch).size());
      sent += n;
    }
  }

  /** Claims one task at a time on one node and completes it, until told to stop. */
  private static void work(
      StokerClient node, String worker, AtomicLong completed, AtomicBoolean stop) {
    while (!stop.get()) {
      for (Task t : node.claim(QUEUE, worker, 1, LEASE, CLAIM_WAIT)) {
        try {
          node.complete(t.id(), t.lease().token(), null);
          completed.incrementAndGet();
        } catch (ProblemException e) {
          // 409: the other side of the partition had it done already, or this node learnt so
          if (e.status() != 409) {
            throw e;
          }
        }
      }
    }
  }

  /**
   * Waits until every node is ready and connected to every peer, so the cut finds a healthy cluster
   * rather than nodes still meeting each other.
   */
  private static void awaitLinked(List<String> urls) throws InterruptedException {
    long deadline = System.nanoTime() + CONVERGE_WITHIN.toNanos();
    while (true) {
      boolean linked = true;
      for (JsonNode s : statuses(urls)) {
        linked &= s.path("ready").asBoolean();
        for (JsonNode p : s.path("peers")) {
          linked &= p.path("connected").asBoolean() && p.path("reachable").asBoolean();
        }
      }
      if (linked) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "partition: the nodes were not all linked within "
                + CONVERGE_WITHIN.toSeconds()
                + " s");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Waits until every node shows the same vector and the same counts for the queue; returns those
   * counts.
   */
  private static QueueCounts awaitAgreement(
      List<String> urls, List<StokerClient> nodes, long healed) throws InterruptedException {
    long deadline = healed + CONVERGE_WITHIN.toNanos();
    while (true) {
      List<JsonNode> status = statuses(urls);
      List<QueueCounts> counts = new ArrayList<>();
      for (StokerClient n : nodes) {
        counts.add(n.queue(QUEUE).counts());
      }
      boolean same = true;
      for (int i = 1; i < NODES; i++) {
        same &=
            status.get(i).get("vector").equals(status.get(0).get("vector"))
                && Objects.equals(counts.get(i), counts.get(0));
      }
      if (same) {
        return counts.get(0);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "partition: the nodes did not agree within "
                + CONVERGE_WITHIN.toSeconds()
                + " s of the heal: "
                + status
                + " "
                + counts);
      }
      Thread.sleep(10);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static List<JsonNode> statuses(List<String> urls) throws InterruptedException {
    List<JsonNode> all = new ArrayList<>();
    for (String url : urls) {
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/v1/cluster"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        all.add(JSON.readTree(r.body()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
