package dev.stoker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A peer whose client exists only for Node (BullMQ, pg-boss): {@code bench/node/peer.mjs} runs the
 * same phases with the same task count, worker count and params, checks its counts, and prints one
 * JSON object per line, which become this peer's rows. Pickup latencies come back raw and go
 * through the same histogram as every other system's. The script's packages are installed with
 * bench/node/install (bench/compare.sh and run-tests run it).
 */
final class NodePeer implements Peer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BenchConfig config;
  private final PrintStream log;
  private final String params;
  private final String system;
  private final String name;
  private final String url;
  private final String noBatches;
  private final Path script;
  private final String durability;
  private final boolean durable;
  private final String run = Long.toString(System.currentTimeMillis(), 36);

  private NodePeer(
      BenchConfig config,
      PrintStream log,
      String params,
      String system,
      String name,
      String url,
      String noBatches)
      throws Exception {
    this.config = config;
    this.log = log;
    this.params = params;
    this.system = system;
    this.name = name;
    this.url = url;
    this.noBatches = noBatches;
    this.script = script();
    JsonNode described = node("describe").getFirst();
    this.durability = described.path("durability").asText();
    this.durable = described.path("durable").asBoolean();
  }

  /** BullMQ on Redis: one Worker with concurrency W; no batch claim outside BullMQ Pro. */
  static NodePeer bullmq(BenchConfig config, PrintStream log, String params, String redisUrl)
      throws Exception {
    return new NodePeer(
        config,
        log,
        params,
        "bullmq",
        "bullmq redis",
        redisUrl,
        "no batch claim (batches are BullMQ Pro)");
  }

  /**
   * pg-boss on PostgreSQL: W loops of fetch + complete; W2 fetches 100 and completes them at once.
   */
  static NodePeer pgboss(BenchConfig config, PrintStream log, String params, String postgresUrl)
      throws Exception {
    return new NodePeer(config, log, params, "pgboss", "pg-boss", postgresUrl, null);
  }

  /** bench/node/peer.mjs in the current directory or the nearest parent that has it. */
  private static Path script() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("bench/node/peer.mjs");
      if (Files.isRegularFile(script)) {
        if (!Files.isDirectory(script.resolveSibling("node_modules"))) {
          throw new IllegalStateException("run " + script.resolveSibling("install") + " first");
        }
        return script;
      }
    }
    throw new IllegalStateException("no bench/node/peer.mjs in the current directory or above it");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String durability() {
    return durability;
  }

  @Override
  public boolean durable() {
    return durable;
  }

  @Override
  public String noBatches() {
    return noBatches;
  }

  @Override
  public void throughput(Report report, String workload, int claimMax) throws Exception {
    for (JsonNode phase :
        node(
            "throughput",
            "bench_" + run + "_" + workload,
            Integer.toString(config.tasks()),
            Integer.toString(config.workers()),
            Integer.toString(claimMax),
            params)) {
      Report.Phase p =
          new Report.Phase(
              name,
              workload,
              phase.path("phase").asText(),
              phase.path("tasks").asLong(),
              phase.path("seconds").asDouble());
      report.add(p);
      log.printf(
          "%s %s %s: %d tasks in %.2f s (%.0f/s)%n",
          name, workload, p.phase(), p.tasks(), p.seconds(), p.perSecond());
    }
  }

  @Override
  public Report.Latency pickupLatency() throws Exception {
    long interval = config.latencyInterval().toNanos();
    JsonNode pickup =
        node(
                "latency",
                "bench_" + run + "_latency",
                Integer.toString(config.latencyTasks()),
                Long.toString(config.latencyInterval().toMillis()),
                params)
            .getFirst()
            .path("pickup_ns");
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    pickup.forEach(ns -> h.recordValue(Math.min(ns.asLong(), h.getHighestTrackableValue())));
    return Bench.latency(name, pickup.size(), interval, h);
  }

  /** Runs the script and returns its JSON lines; its stderr goes to the log. */
  private List<JsonNode> node(String command, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("node", script.toString(), command, system, url));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
    Thread errors =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (BufferedReader r = p.errorReader(StandardCharsets.UTF_8)) {
                    r.lines().forEach(l -> log.println(name + ": " + l));
                  } catch (IOException ignored) {
                    // the process is gone
                  }
                });
    List<JsonNode> out = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        out.add(JSON.readTree(line));
      }
    }
    int exit = p.waitFor();
    errors.join();
    if (exit != 0 || out.isEmpty()) {
      throw new IllegalStateException(
          name + ": node " + command + " exited " + exit + " (its output is above)");
    }
    return out;
  }
}
