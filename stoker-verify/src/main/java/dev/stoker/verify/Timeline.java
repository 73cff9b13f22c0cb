package dev.stoker.verify;

import dev.stoker.chart.Chart;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The PNG timeline of a run: completions and acknowledged enqueues per second, fault windows
 * shaded.
 */
final class Timeline {
  private Timeline() {}

  static void write(List<Op> ops, Path png) throws IOException {
    long endNs = ops.stream().mapToLong(Op::completeNs).max().orElse(0);
    int seconds = (int) (endNs / 1_000_000_000L) + 1;
    double[] x = new double[seconds];
    double[] completed = new double[seconds];
    double[] enqueued = new double[seconds];
    for (int s = 0; s < seconds; s++) {
      x[s] = s;
    }
    Chart chart =
        new Chart(
            "stoker verify: throughput under faults", "seconds since start", "tasks per second");
    for (Op op : ops) {
      int s = (int) (op.completeNs() / 1_000_000_000L);
      switch (op.f()) {
        case COMPLETE -> completed[s] += op.ok() ? 1 : 0;
        case ENQUEUE -> enqueued[s] += op.ok() ? op.items().size() : 0;
        case KILL -> chart.band(op.invokeNs() / 1e9, op.completeNs() / 1e9, "kill", Chart.RED);
        case POWER ->
            chart.band(op.invokeNs() / 1e9, op.completeNs() / 1e9, "power cut", Chart.PURPLE);
        case PAUSE -> chart.band(op.invokeNs() / 1e9, op.completeNs() / 1e9, "pause", Chart.ORANGE);
        default -> {}
      }
    }
    chart
        .bars("completed/s", x, completed, Chart.BLUE)
        .line("enqueued (acknowledged)/s", x, enqueued, Chart.GREEN)
        .writePng(png, Math.max(1000, Math.min(4000, seconds * 4)), 500);
  }
}
