package dev.stoker.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The results of one {@code stoker bench} run: throughput per phase, and pickup latency. */
public final class Report {
  /** One timed phase of one system: how many tasks went through in how long. */
  public record Phase(String target, String workload, String phase, long tasks, double seconds) {
    public double perSecond() {
      return tasks / seconds;
    }
  }

  /**
   * Pickup latency (enqueue acknowledged → worker holds the task) of one system, in milliseconds.
   */
  public record Latency(
      String target,
      long tasks,
      double offeredPerSecond,
      double p50,
      double p99,
      double p999,
      double max) {}

  /**
   * A system in the run: Stoker or a peer, what its acknowledgements guarantee, whether that is
   * durable per acknowledgement (only such peers count as "best peer" in the ratios), and why W2
   * does not apply to it (null when it does). For Stoker's rows, {@code backend} names the store
   * behind it ({@code "under test"} for the server given with {@code --server}) and {@code servers}
   * how many servers share it; a peer has no backend and one server.
   */
  public record SystemInfo(
      String system,
      String backend,
      int servers,
      boolean durable,
      String durability,
      String noBatches) {
    static SystemInfo of(Peer peer) {
      return peer instanceof StokerPeer s
          ? new SystemInfo(s.name(), s.backend(), s.servers(), true, s.durability(), null)
          : new SystemInfo(
              peer.name(), null, 1, peer.durable(), peer.durability(), peer.noBatches());
    }

    /** Whether this is Stoker (on any backend) rather than a peer. */
    public boolean stoker() {
      return backend != null;
    }
  }

  /**
   * The peer that runs on the same system as a Stoker backend: Stoker on PostgreSQL is compared
   * with the plain SKIP LOCKED loop on the same database as well as with the best peer.
   */
  private static final Map<String, String> SAME_SYSTEM_PEER = Map.of("postgres", PostgresPeer.NAME);

  /**
   * Replication in an AP cluster during one workload: how many events went from one node to
   * another, within what lag at p50 and p99 (bucket bounds of the nodes' histograms, ms), and how
   * long after the last completion of the workload's drain every node held every task done (ms);
   * and the bytes the nodes received on the wire per new event, frames included, and the new events
   * per exchange.
   */
  public record Replication(
      String system,
      String workload,
      long events,
      double p50Ms,
      double p99Ms,
      double convergedMs,
      double bytesPerEvent,
      double eventsPerExchange) {}

  /** A workload that failed for one system; the other systems' rows still stand. */
  public record Failure(String system, String workload, String error) {}

  /**
   * The same-run references: a bare hello server on Stoker's HTTP stack, fsync'd appends one at a
   * time and grouped, and Stoker's own claim requests/s (each claim taking one task) beside them.
   */
  public record Baseline(References.Figures machine, double claimsPerSecond) {
    public double claimToHello() {
      return claimsPerSecond / machine.helloPerSecond();
    }
  }

  private final List<Phase> phases = new ArrayList<>();
  private final List<Latency> latencies = new ArrayList<>();
  private final List<SystemInfo> systems = new ArrayList<>();
  private final List<Failure> failures = new ArrayList<>();
  private final List<Replication> replications = new ArrayList<>();
  private Baseline baseline;
  private List<Depth.Level> depth = List.of();
  private Partition.Result partition;
  private final String server;
  private final BenchConfig config;

  Report(BenchConfig config) {
    this.config = config;
    this.server = config.server();
  }

  void add(Phase p) {
    phases.add(p);
  }

  void system(SystemInfo s) {
    systems.add(s);
  }

  void failure(Failure f) {
    failures.add(f);
  }

  public List<SystemInfo> systems() {
    return List.copyOf(systems);
  }

  /** Workloads that failed, per system; empty when everything ran. */
  public List<Failure> failures() {
    return List.copyOf(failures);
  }

  void replication(Replication r) {
    replications.add(r);
  }

  /** The AP clusters' replication figures, one per cluster and workload. */
  public List<Replication> replications() {
    return List.copyOf(replications);
  }

  void latency(Latency l) {
    latencies.add(l);
  }

  public List<Phase> phases() {
    return List.copyOf(phases);
  }

  /** Stoker's pickup latency, or null when not measured. */
  public Latency latency() {
    return latencies.stream().filter(l -> l.target().equals(Bench.TARGET)).findFirst().orElse(null);
  }

  public List<Latency> latencies() {
    return List.copyOf(latencies);
  }

  void baseline(Baseline b) {
    this.baseline = b;
  }

  public Baseline baseline() {
    return baseline;
  }

  void depth(List<Depth.Level> levels) {
    this.depth = List.copyOf(levels);
  }

  /** The depth workload's figures, one per depth; empty when it did not run. */
  public List<Depth.Level> depth() {
    return depth;
  }

  void partition(Partition.Result r) {
    this.partition = r;
  }

  /** The partition workload's figures; null when it did not run. */
  public Partition.Result partition() {
    return partition;
  }

  /** A table for people. */
  public void print(PrintStream out) {
    out.printf(
        "stoker bench against %s: %d tasks per phase, %d workers, ~%d-byte params%n",
        server, config.tasks(), config.workers(), config.paramsBytes());
    out.printf(
        "%-22s %-9s %-10s %10s %9s %12s %10s%n",
        "SYSTEM", "WORKLOAD", "PHASE", "TASKS", "SECONDS", "TASKS/S", "× BEST PEER");
    for (String workload : List.of("w1", "w2")) {
      for (Phase p : phases) {
        if (p.workload().equals(workload)) {
          out.printf(
              Locale.ROOT,
              "%-22s %-9s %-10s %10d %9.2f %12.0f %10s%n",
              p.target(),
              p.workload(),
              p.phase(),
              p.tasks(),
              p.seconds(),
              p.perSecond(),
              format(ratio(p)));
        }
      }
      if (phases.stream()
          .anyMatch(p -> p.workload().equals(workload) && p.target().equals(Bench.TARGET))) {
        for (SystemInfo s : systems) {
          if (workload.equals("w2") && s.noBatches() != null) {
            out.printf("%-22s %-9s n/a: %s%n", s.system(), workload, s.noBatches());
          }
        }
      }
    }
    comparisons().forEach(out::println);
    double w2ToW1 = w2ToBestW1();
    if (!Double.isNaN(w2ToW1)) {
      out.printf(
          Locale.ROOT,
          "Stoker's W2 end-to-end = %.2f × the best durable peer's W1 end-to-end%n",
          w2ToW1);
    }
    for (Latency l : latencies) {
      out.printf(
          Locale.ROOT,
          "%s pickup latency, %d tasks offered at %.0f/s to one idle worker: p50 %.2f ms, p99 %.2f ms,"
              + " p99.9 %.2f ms, max %.2f ms%n",
          l.target(),
          l.tasks(),
          l.offeredPerSecond(),
          l.p50(),
          l.p99(),
          l.p999(),
          l.max());
    }
    for (Replication r : replications) {
      out.printf(
          Locale.ROOT,
          "%s %s replication: %d events between nodes, lag p50 ≤ %s ms, p99 ≤ %s ms, %.0f bytes"
              + " received per event, %.1f events per exchange; every node held every task done"
              + " %.0f ms after the drain's last completion%n",
          r.system(),
          r.workload(),
          r.events(),
          bound(r.p50Ms()),
          bound(r.p99Ms()),
          r.bytesPerEvent(),
          r.eventsPerExchange(),
          r.convergedMs());
    }
    if (!systems.isEmpty()) {
      out.println(
          "durability (× BEST PEER compares with the best peer whose acknowledgements are durable):");
      for (SystemInfo s : systems) {
        out.printf(
            "  %-22s %s%s%n",
            s.system(), s.durable() ? "" : "NOT per-ack durable: ", s.durability());
      }
    }
    for (Failure f : failures) {
      out.printf("FAILED: %s %s: %s%n", f.system(), f.workload(), f.error());
    }
    if (baseline != null) {
      References.Figures m = baseline.machine();
      out.printf(
          Locale.ROOT,
          "references, same run: bare hello server (Helidon, %d connections) %.0f req/s; Stoker claims"
              + " %.0f req/s = %.0f %% of it; fsync'd 128-byte appends: %.0f/s one at a time, %.0f/s grouped (%d writers)%n",
          config.workers(),
          m.helloPerSecond(),
          baseline.claimsPerSecond(),
          100 * baseline.claimToHello(),
          m.fsyncSinglePerSecond(),
          m.fsyncGroupedPerSecond(),
          config.workers());
    }
    Depth.print(depth, config.depthEtcd(), out);
    if (partition != null) {
      Partition.Result r = partition;
      out.printf(
          Locale.ROOT,
          "AP cluster partition: node 1 cut off from nodes 2 and 3 for %.1f s under load (%d tasks"
              + " enqueued, %d completed meanwhile): every node agreed %.0f ms after the heal"
              + " (target ≤ 10 s); %d events on every node; duplicates counted by the nodes: %d%n",
          r.partitionSeconds(),
          r.enqueued(),
          r.completed(),
          r.convergedMs(),
          r.events(),
          r.duplicates());
    }
  }

  /**
   * Stoker's rate over the best durable peer's in the same phase of the same run, on Stoker's rows
   * (any backend); NaN on peers' rows and when no durable peer ran the phase.
   */
  double ratio(Phase p) {
    if (info(p.target()).filter(SystemInfo::stoker).isEmpty()) {
      return Double.NaN;
    }
    return p.perSecond() / best(p.workload(), p.phase());
  }

  /**
   * For Stoker on a backend that a peer also runs on (PostgreSQL): each end-to-end rate over that
   * peer's, and several servers over one server of the same backend; for an AP cluster, its
   * end-to-end rate over the one node under test's. One line each, for people.
   */
  List<String> comparisons() {
    List<String> lines = new ArrayList<>();
    for (SystemInfo s : systems) {
      String peer = s.stoker() ? SAME_SYSTEM_PEER.get(s.backend()) : null;
      if (peer == null) {
        continue;
      }
      SystemInfo single =
          systems.stream()
              .filter(o -> s.backend().equals(o.backend()) && o.servers() == 1)
              .findFirst()
              .orElse(null);
      for (String workload : List.of("w1", "w2")) {
        double mine = rate(s.system(), workload, "end-to-end");
        double peers = rate(peer, workload, "end-to-end");
        if (Double.isNaN(mine) || Double.isNaN(peers)) {
          continue; // one of the two did not run this workload
        }
        StringBuilder line =
            new StringBuilder(
                String.format(
                    Locale.ROOT,
                    "%s %s end-to-end = %s × %s's %s",
                    s.system(),
                    workload,
                    format(mine / peers),
                    peer,
                    workload));
        if (single != null && s.servers() > 1) {
          line.append(
              String.format(
                  Locale.ROOT,
                  ", %s × %s's",
                  format(mine / rate(single.system(), workload, "end-to-end")),
                  single.system()));
        }
        lines.add(line.toString());
      }
    }
    for (SystemInfo s : systems) {
      if (!"cluster".equals(s.backend())) {
        continue;
      }
      for (String workload : List.of("w1", "w2")) {
        double nodes = rate(s.system(), workload, "end-to-end");
        double one = rate(Bench.TARGET, workload, "end-to-end");
        if (!Double.isNaN(nodes) && !Double.isNaN(one)) {
          lines.add(
              String.format(
                  Locale.ROOT,
                  "%s %s end-to-end = %s × one node's (%s %s)",
                  s.system(),
                  workload,
                  format(nodes / one),
                  Bench.TARGET,
                  workload));
        }
      }
    }
    return lines;
  }

  private double rate(String system, String workload, String phase) {
    return phases.stream()
        .filter(
            p ->
                p.target().equals(system)
                    && p.workload().equals(workload)
                    && p.phase().equals(phase))
        .mapToDouble(Phase::perSecond)
        .findFirst()
        .orElse(Double.NaN);
  }

  private Optional<SystemInfo> info(String system) {
    return systems.stream().filter(s -> s.system().equals(system)).findFirst();
  }

  /** Stoker's W2 end-to-end over the best durable peer's W1 end-to-end (issue 5's W2 target). */
  double w2ToBestW1() {
    return phases.stream()
        .filter(
            p ->
                p.target().equals(Bench.TARGET)
                    && p.workload().equals("w2")
                    && p.phase().equals("end-to-end"))
        .mapToDouble(p -> p.perSecond() / best("w1", "end-to-end"))
        .findFirst()
        .orElse(Double.NaN);
  }

  private double best(String workload, String phase) {
    return phases.stream()
        .filter(
            o ->
                durablePeer(o.target()) && o.workload().equals(workload) && o.phase().equals(phase))
        .mapToDouble(Phase::perSecond)
        .max()
        .orElse(Double.NaN);
  }

  private boolean durablePeer(String system) {
    return info(system).filter(s -> !s.stoker() && s.durable()).isPresent();
  }

  private static String format(double ratio) {
    return Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio);
  }

  private static String bound(double ms) {
    return Double.isNaN(ms)
        ? "?"
        : Double.isInfinite(ms) ? "∞" : String.format(Locale.ROOT, "%.0f", ms);
  }

  private static String number(double ratio) {
    return !Double.isFinite(ratio) ? "null" : String.format(Locale.ROOT, "%.3f", ratio);
  }

  private static String quoted(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** Appends {@code items} as a JSON array, each as {@code json} writes it. */
  private static <T> void array(
      StringBuilder b, List<T> items, java.util.function.Function<T, String> json) {
    b.append('[');
    for (int i = 0; i < items.size(); i++) {
      b.append(i == 0 ? "" : ",").append(json.apply(items.get(i)));
    }
    b.append(']');
  }

  /** The same as JSON, for scripts and charts. */
  public String json() {
    StringBuilder b = new StringBuilder();
    b.append("{\"server\":\"")
        .append(server)
        .append("\",\"tasks\":")
        .append(config.tasks())
        .append(",\"workers\":")
        .append(config.workers())
        .append(",\"params_bytes\":")
        .append(config.paramsBytes())
        .append(",\"phases\":");
    array(
        b,
        phases,
        p ->
            String.format(
                Locale.ROOT,
                "{\"system\":\"%s\",\"workload\":\"%s\",\"phase\":\"%s\",\"tasks\":%d,\"seconds\":%.4f,"
                    + "\"per_second\":%.1f,\"vs_best_durable_peer\":%s}",
                p.target(),
                p.workload(),
                p.phase(),
                p.tasks(),
                p.seconds(),
                p.perSecond(),
                number(ratio(p))));
    b.append(",\"pickup_latency_ms\":");
    array(
        b,
        latencies,
        l ->
            String.format(
                Locale.ROOT,
                "{\"system\":\"%s\",\"tasks\":%d,"
                    + "\"offered_per_second\":%.1f,\"p50\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f}",
                l.target(),
                l.tasks(),
                l.offeredPerSecond(),
                l.p50(),
                l.p99(),
                l.p999(),
                l.max()));
    b.append(",\"replication\":");
    array(
        b,
        replications,
        r ->
            String.format(
                Locale.ROOT,
                "{\"system\":%s,\"workload\":\"%s\",\"events\":%d,\"lag_p50_ms_at_most\":%s,"
                    + "\"lag_p99_ms_at_most\":%s,\"converged_ms\":%.1f,\"bytes_per_event\":%s,"
                    + "\"events_per_exchange\":%s}",
                quoted(r.system()),
                r.workload(),
                r.events(),
                number(r.p50Ms()),
                number(r.p99Ms()),
                r.convergedMs(),
                number(r.bytesPerEvent()),
                number(r.eventsPerExchange())));
    b.append(",\"systems\":[");
    for (int i = 0; i < systems.size(); i++) {
      SystemInfo s = systems.get(i);
      b.append(i == 0 ? "" : ",")
          .append("{\"system\":")
          .append(quoted(s.system()))
          .append(",\"backend\":")
          .append(quoted(s.backend()))
          .append(",\"servers\":")
          .append(s.servers())
          .append(",\"durable\":")
          .append(s.durable())
          .append(",\"durability\":")
          .append(quoted(s.durability()))
          .append(",\"w2_not_applicable\":")
          .append(quoted(s.noBatches()))
          .append('}');
    }
    b.append("],\"comparisons\":[");
    List<String> lines = comparisons();
    for (int i = 0; i < lines.size(); i++) {
      b.append(i == 0 ? "" : ",").append(quoted(lines.get(i)));
    }
    b.append("],\"w2_end_to_end_vs_best_durable_peer_w1\":").append(number(w2ToBestW1()));
    b.append(",\"failures\":[");
    for (int i = 0; i < failures.size(); i++) {
      Failure f = failures.get(i);
      b.append(i == 0 ? "" : ",")
          .append("{\"system\":")
          .append(quoted(f.system()))
          .append(",\"workload\":")
          .append(quoted(f.workload()))
          .append(",\"error\":")
          .append(quoted(f.error()))
          .append('}');
    }
    b.append("]");
    if (baseline != null) {
      References.Figures m = baseline.machine();
      b.append(
          String.format(
              Locale.ROOT,
              ",\"references\":{\"hello_per_second\":%.1f,\"claims_per_second\":%.1f,"
                  + "\"claims_to_hello\":%.3f,\"fsync_single_per_second\":%.1f,\"fsync_grouped_per_second\":%.1f}",
              m.helloPerSecond(),
              baseline.claimsPerSecond(),
              baseline.claimToHello(),
              m.fsyncSinglePerSecond(),
              m.fsyncGroupedPerSecond()));
    }
    if (!depth.isEmpty()) {
      b.append(",\"depth\":").append(Depth.json(depth));
    }
    if (partition != null) {
      Partition.Result r = partition;
      b.append(
          String.format(
              Locale.ROOT,
              ",\"partition\":{\"seconds\":%.3f,\"enqueued\":%d,\"completed\":%d,\"events\":%d,"
                  + "\"converged_ms\":%.1f,\"duplicates\":%d}",
              r.partitionSeconds(),
              r.enqueued(),
              r.completed(),
              r.events(),
              r.convergedMs(),
              r.duplicates()));
    }
    return b.append("}").toString();
  }
}
