package dev.stoker.bench;

import dev.stoker.chart.Chart;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The PNG charts of a {@link Report}, drawn by the benchmark itself ({@code stoker bench --charts
 * DIR}): throughput per system for each of W1 and W2 (a group of bars per phase, a bar per system),
 * pickup latency percentiles per system, and the enqueue and claim rates against the depth. Only
 * what the run measured is drawn; rates and latencies are on log axes, as the systems differ by
 * orders of magnitude.
 */
public final class Charts {
  static final int WIDTH = 1200;
  static final int HEIGHT = 560;
  private static final List<String> PHASES = List.of("enqueue", "drain", "end-to-end");

  /**
   * The colours of the systems, in the order of the run (Stoker is last and keeps the first
   * colour).
   */
  private static final Color[] PALETTE = {
    Chart.BLUE,
    Chart.ORANGE,
    Chart.GREEN,
    Chart.RED,
    Chart.PURPLE,
    Chart.GREY,
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0xbcbd22),
    new Color(0x17becf)
  };

  private Charts() {}

  /**
   * Writes the charts the report has data for into {@code dir} (created if missing); returns the
   * files.
   */
  public static List<Path> write(Report report, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    for (String workload : List.of("w1", "w2")) {
      Chart c = throughput(report, workload);
      if (c != null) {
        written.add(png(c, dir.resolve("throughput-" + workload + ".png")));
      }
    }
    if (!report.latencies().isEmpty()) {
      written.add(png(latency(report), dir.resolve("latency.png")));
    }
    if (!report.depth().isEmpty()) {
      written.add(png(depth(report.depth()), dir.resolve("depth.png")));
    }
    return written;
  }

  private static Path png(Chart chart, Path file) throws IOException {
    chart.writePng(file, WIDTH, HEIGHT);
    return file;
  }

  /** Stoker first, then the peers in the order they ran. */
  private static List<String> systems(List<String> inRun) {
    Set<String> ordered = new LinkedHashSet<>();
    if (inRun.contains(Bench.TARGET)) {
      ordered.add(Bench.TARGET);
    }
    ordered.addAll(inRun);
    return List.copyOf(ordered);
  }

  /** A group of bars per phase, one bar per system; null when the workload did not run. */
  static Chart throughput(Report report, String workload) {
    List<Report.Phase> phases =
        report.phases().stream().filter(p -> p.workload().equals(workload)).toList();
    if (phases.isEmpty()) {
      return null;
    }
    List<String> systems = systems(phases.stream().map(Report.Phase::target).distinct().toList());
    List<String> everyone =
        systems(report.systems().stream().map(Report.SystemInfo::system).toList());
    Chart c =
        new Chart(
                workload.toUpperCase(Locale.ROOT)
                    + " throughput per system ("
                    + report.phases().get(0).tasks()
                    + " tasks per phase; higher is better)",
                "phase",
                "tasks/s (log scale)")
            .logY()
            .valueLabels();
    double width = 0.8 / systems.size();
    for (int s = 0; s < systems.size(); s++) {
      String system = systems.get(s);
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Report.Phase p : phases) {
        if (p.target().equals(system)) {
          xs.add(PHASES.indexOf(p.phase()) - 0.4 + s * width);
          ys.add(p.perSecond());
        }
      }
      // A system keeps its colour from chart to chart, also where others have no bars (W2).
      int colour = everyone.contains(system) ? everyone.indexOf(system) : s;
      c.bars(system, array(xs), array(ys), PALETTE[colour % PALETTE.length], width);
    }
    return c.xTicks(new double[] {0, 1, 2}, PHASES.toArray(String[]::new)).xRange(-0.6, 2.6);
  }

  /** A group of bars per system: p50, p99, p99.9. */
  static Chart latency(Report report) {
    List<Report.Latency> all = report.latencies();
    List<String> systems = systems(all.stream().map(Report.Latency::target).toList());
    double[][] values = new double[3][systems.size()];
    double[] at = new double[systems.size()];
    for (int i = 0; i < systems.size(); i++) {
      String system = systems.get(i);
      Report.Latency l =
          all.stream().filter(x -> x.target().equals(system)).findFirst().orElseThrow();
      values[0][i] = l.p50();
      values[1][i] = l.p99();
      values[2][i] = l.p999();
      at[i] = i;
    }
    Chart c =
        new Chart(
                String.format(
                    Locale.ROOT,
                    "Pickup latency per system (%d tasks at %.0f/s to one idle worker;"
                        + " lower is better)",
                    all.get(0).tasks(),
                    all.get(0).offeredPerSecond()),
                "system",
                "milliseconds (log scale)")
            .logY()
            .valueLabels();
    String[] names = {"p50", "p99", "p99.9"};
    Color[] colours = {Chart.BLUE, Chart.ORANGE, Chart.RED};
    for (int k = 0; k < 3; k++) {
      double[] xs = new double[systems.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = i - 0.39 + k * 0.26;
      }
      c.bars(names[k], xs, values[k], colours[k], 0.26);
    }
    return c.xTicks(at, systems.toArray(String[]::new)).xRange(-0.6, systems.size() - 0.4);
  }

  /** Enqueue and claim rates against the depth, on a log depth axis. */
  static Chart depth(List<Depth.Level> levels) {
    double[] x = new double[levels.size()];
    double[] enqueue = new double[levels.size()];
    double[] claim = new double[levels.size()];
    String[] labels = new String[levels.size()];
    for (int i = 0; i < levels.size(); i++) {
      Depth.Level l = levels.get(i);
      x[i] = Math.log10(l.depth());
      enqueue[i] = l.enqueuePerSecond();
      claim[i] = l.claimPerSecond();
      labels[i] = depthLabel(l.depth());
    }
    return new Chart(
            "Rate vs depth (Stoker, embedded store; one producer in batches of 1,000; workers claiming one"
                + " and completing it)",
            "pending tasks in the queue (log scale)",
            "tasks/s (log scale)")
        .logY()
        .lineWithPoints("enqueue/s", x, enqueue, Chart.BLUE)
        .lineWithPoints("claim + complete/s", x, claim, Chart.ORANGE)
        .xTicks(x, labels)
        .xRange(x[0] - 0.25, x[x.length - 1] + 0.25);
  }

  /** 10000 → "10 k", 10000000 → "10 M". */
  static String depthLabel(long depth) {
    if (depth >= 1_000_000 && depth % 100_000 == 0) {
      return trim(depth / 1e6) + " M";
    } else if (depth >= 1_000 && depth % 100 == 0) {
      return trim(depth / 1e3) + " k";
    }
    return Long.toString(depth);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static double[] array(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
