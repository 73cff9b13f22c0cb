package dev.stoker.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.HdrHistogram.Histogram;

/**
 * The load generator: runs the workloads of docs/benchmarks.md against one Stoker server (the
 * {@link StokerPeer} labelled {@value #TARGET}) and, in the same run, against each configured peer:
 * other message queues, and Stoker on other backends.
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
  /** How the server under test's rows are labelled beside the peers'. */
  static final String TARGET = "stoker";

  static final int ENQUEUE_BATCH = 1_000;
  static final int W2_CLAIM = 100;

  private Bench() {}

  /** Runs the configured workloads; {@code log} gets a line per phase as it ends. */
  public static Report run(BenchConfig config, PrintStream log) throws InterruptedException {
    String params = params(config.paramsBytes());
    Report report = new Report(config);
    List<Peer> peers = new ArrayList<>();
    StokerPeer target =
        new StokerPeer(
            TARGET,
            StokerPeer.UNDER_TEST,
            List.of(URI.create(config.server())),
            config,
            log,
            params);
    try {
      for (String spec : config.peers()) {
        peers.add(Peers.open(spec, config, log, params));
      }
      peers.add(target);
      for (Peer peer : peers) {
        report.system(Report.SystemInfo.of(peer));
      }
      for (String workload : List.of("w1", "w2")) {
        if (config.workloads().contains(workload)) {
          int claimMax = workload.equals("w1") ? 1 : W2_CLAIM;
          for (Peer peer : peers) {
            if (workload.equals("w1") || peer.noBatches() == null) {
              guarded(
                  report,
                  log,
                  peer,
                  workload,
                  peer == target,
                  () -> peer.throughput(report, workload, claimMax));
            }
          }
        }
      }
      if (config.workloads().contains("latency")) {
        for (Peer peer : peers) {
          guarded(
              report,
              log,
              peer,
              "latency",
              peer == target,
              () -> report.latency(peer.pickupLatency()));
        }
      }
      if (config.workloads().contains("references")) {
        report.baseline(references(target, config, log));
      }
      if (config.workloads().contains("depth")) {
        report.depth(Depth.run(config, log, params));
      }
      if (config.workloads().contains("partition")) {
        report.partition(Partition.run(config, log, params, Partition.DURATION));
      }
    } finally {
      peers.remove(target);
      peers.add(target); // closed once, whether or not the peers all opened
      for (Peer peer : peers) {
        close(peer);
      }
    }
    return report;
  }

  /** A peer's workload. */
  private interface Step {
    void run() throws Exception;
  }

  /**
   * Runs a peer's workload; a peer that fails is reported as failed and the run goes on, so that
   * one peer's trouble does not cost the others' figures (the run then exits non-zero, see Report).
   * The server under test ({@code mustRun}) failing fails the run.
   */
  private static void guarded(
      Report report, PrintStream log, Peer peer, String workload, boolean mustRun, Step step)
      throws InterruptedException {
    try {
      step.run();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      if (mustRun && e instanceof RuntimeException r) {
        throw r;
      }
      report.failure(new Report.Failure(peer.name(), workload, String.valueOf(e)));
      log.println(peer.name() + " " + workload + " failed: " + e);
    }
  }

  private static void close(Peer peer) {
    try {
      peer.close();
    } catch (Exception e) {
      // The run's figures stand; a peer that does not close cleanly is stopped by its script
      // anyway.
    }
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
    Thread producer =
        Thread.ofPlatform()
            .name("bench-producer")
            .start(
                () -> {
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

  /** How long each reference runs. */
  static final Duration REFERENCE_TIME = Duration.ofSeconds(3);

  /**
   * The machine's references, and Stoker's claim requests/s beside the hello server's: W
   * connections, each claiming one task per request, from a queue deep enough that no claim comes
   * back empty.
   */
  private static Report.Baseline references(StokerPeer target, BenchConfig config, PrintStream log)
      throws InterruptedException {
    double claims = target.claimsPerSecond(REFERENCE_TIME);
    log.printf("claims: %.0f req/s%n", claims);
    Path scratch;
    try {
      scratch = Files.createTempDirectory(Path.of("."), ".stoker-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      References.Figures machine = References.measure(config.workers(), REFERENCE_TIME, scratch);
      log.printf(
          "hello: %.0f req/s; fsync'd appends: %.0f/s single, %.0f/s grouped%n",
          machine.helloPerSecond(),
          machine.fsyncSinglePerSecond(),
          machine.fsyncGroupedPerSecond());
      return new Report.Baseline(machine, claims);
    } finally {
      scratch.toFile().delete();
    }
  }

  /** Percentiles of a histogram of nanoseconds, in milliseconds. */
  static Report.Latency latency(String target, int n, long intervalNanos, Histogram h) {
    double ms = 1e6;
    return new Report.Latency(
        target,
        n,
        1e9 / intervalNanos,
        h.getValueAtPercentile(50) / ms,
        h.getValueAtPercentile(99) / ms,
        h.getValueAtPercentile(99.9) / ms,
        h.getMaxValue() / ms);
  }

  /** A JSON object of about {@code bytes} bytes, shaped like a real task's params. */
  public static String params(int bytes) {
    String head =
        "{\"user\":123456,\"email\":\"someone@example.com\",\"template\":\"welcome-v2\",\"pad\":\"";
    int pad = Math.max(0, bytes - head.length() - 2);
    return head + "x".repeat(pad) + "\"}";
  }
}
