package dev.stoker.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results of one {@code stoker bench} run: throughput per phase, and pickup latency. */
public final class Report {
  /** One timed phase of one system: how many tasks went through in how long. */
  public record Phase(String target, String workload, String phase, long tasks, double seconds) {
    public double perSecond() {
      return tasks / seconds;
    }
  }

  /** Pickup latency (enqueue acknowledged → worker holds the task) of one system, in milliseconds. */
  public record Latency(String target, long tasks, double offeredPerSecond, double p50, double p99, double p999,
      double max) {}

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
  private Baseline baseline;
  private final String server;
  private final BenchConfig config;

  Report(BenchConfig config) {
    this.config = config;
    this.server = config.server();
  }

  void add(Phase p) {
    phases.add(p);
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

  /** A table for people. */
  public void print(PrintStream out) {
    out.printf("stoker bench against %s: %d tasks per phase, %d workers, ~%d-byte params%n", server, config.tasks(),
        config.workers(), config.paramsBytes());
    out.printf("%-16s %-9s %-10s %10s %9s %12s %8s%n", "SYSTEM", "WORKLOAD", "PHASE", "TASKS", "SECONDS", "TASKS/S",
        "× PEER");
    for (Phase p : phases) {
      out.printf(Locale.ROOT, "%-16s %-9s %-10s %10d %9.2f %12.0f %8s%n", p.target(), p.workload(), p.phase(),
          p.tasks(), p.seconds(), p.perSecond(), ratio(p));
    }
    for (Latency l : latencies) {
      out.printf(Locale.ROOT, "%s pickup latency, %d tasks offered at %.0f/s to one idle worker: p50 %.2f ms, p99 %.2f ms,"
          + " p99.9 %.2f ms, max %.2f ms%n", l.target(), l.tasks(), l.offeredPerSecond(), l.p50(), l.p99(), l.p999(),
          l.max());
    }
    if (baseline != null) {
      References.Figures m = baseline.machine();
      out.printf(Locale.ROOT, "references, same run: bare hello server (Helidon, %d connections) %.0f req/s; Stoker claims"
          + " %.0f req/s = %.0f %% of it; fsync'd 128-byte appends: %.0f/s one at a time, %.0f/s grouped (%d writers)%n",
          config.workers(), m.helloPerSecond(), baseline.claimsPerSecond(), 100 * baseline.claimToHello(),
          m.fsyncSinglePerSecond(), m.fsyncGroupedPerSecond(), config.workers());
    }
  }

  /** Stoker's rate over the best peer's in the same phase of the same run, on Stoker's rows. */
  private String ratio(Phase p) {
    if (!p.target().equals(Bench.TARGET)) {
      return "";
    }
    double best = phases.stream()
        .filter(o -> !o.target().equals(Bench.TARGET) && o.workload().equals(p.workload()) && o.phase().equals(p.phase()))
        .mapToDouble(Phase::perSecond).max().orElse(Double.NaN);
    return Double.isNaN(best) ? "" : String.format(Locale.ROOT, "%.2f", p.perSecond() / best);
  }

  /** The same as JSON, for scripts and charts. */
  public String json() {
    StringBuilder b = new StringBuilder();
    b.append("{\"server\":\"").append(server).append("\",\"tasks\":").append(config.tasks())
        .append(",\"workers\":").append(config.workers()).append(",\"params_bytes\":").append(config.paramsBytes())
        .append(",\"phases\":[");
    for (int i = 0; i < phases.size(); i++) {
      Phase p = phases.get(i);
      b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
          "{\"system\":\"%s\",\"workload\":\"%s\",\"phase\":\"%s\",\"tasks\":%d,\"seconds\":%.4f,"
              + "\"per_second\":%.1f}",
          p.target(), p.workload(), p.phase(), p.tasks(), p.seconds(), p.perSecond()));
    }
    b.append("]");
    b.append(",\"pickup_latency_ms\":[");
    for (int i = 0; i < latencies.size(); i++) {
      Latency l = latencies.get(i);
      b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"system\":\"%s\",\"tasks\":%d,"
          + "\"offered_per_second\":%.1f,\"p50\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f}", l.target(),
          l.tasks(), l.offeredPerSecond(), l.p50(), l.p99(), l.p999(), l.max()));
    }
    b.append("]");
    if (baseline != null) {
      References.Figures m = baseline.machine();
      b.append(String.format(Locale.ROOT, ",\"references\":{\"hello_per_second\":%.1f,\"claims_per_second\":%.1f,"
          + "\"claims_to_hello\":%.3f,\"fsync_single_per_second\":%.1f,\"fsync_grouped_per_second\":%.1f}",
          m.helloPerSecond(), baseline.claimsPerSecond(), baseline.claimToHello(), m.fsyncSinglePerSecond(),
          m.fsyncGroupedPerSecond()));
    }
    return b.append("}").toString();
  }
}
