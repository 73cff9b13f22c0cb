package dev.stoker.verify;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table a run prints at the end, and the findings behind a failed run. */
final class Summary {
  private static final int SHOWN = 20;

  private Summary() {}

  /** Prints the table for {@code ops}, whose findings are {@code r}. */
  static void print(Checker.Result r, List<Op> ops, PrintStream out) {
    long leaseMs =
        ops.stream().filter(o -> o.f() == Op.Fn.CLAIM).mapToLong(Op::leaseMs).max().orElse(0);
    long kills = ops.stream().filter(o -> o.f() == Op.Fn.KILL).count();
    long databaseKills = ops.stream().filter(Nemesis::isDatabaseKill).count();
    List<Op> pauses = ops.stream().filter(o -> o.f() == Op.Fn.PAUSE).toList();
    long longPauses =
        pauses.stream().filter(o -> o.completeNs() - o.invokeNs() > leaseMs * 1_000_000L).count();
    long powerCuts = ops.stream().filter(o -> o.f() == Op.Fn.POWER).count();
    List<Op> partitions = ops.stream().filter(o -> o.f() == Op.Fn.PARTITION).toList();
    List<Op> skews = ops.stream().filter(o -> o.f() == Op.Fn.SKEW).toList();
    long seconds = ops.stream().mapToLong(Op::completeNs).max().orElse(0) / 1_000_000_000L;
    out.printf("%n%-34s %s%n", "stoker verify", r.valid() ? "VALID" : "INVALID");
    row(out, "run time (s)", seconds);
    row(out, "fault events", kills + powerCuts + pauses.size() + partitions.size() + skews.size());
    row(out, "  kill -9 + restart", kills - databaseKills);
    if (databaseKills > 0) {
      row(out, "  database kill -9 + restart", databaseKills);
    }
    if (powerCuts > 0) {
      row(out, "  power cut + restart", powerCuts);
    }
    row(out, "  SIGSTOP/SIGCONT", pauses.size());
    row(out, "    longer than the lease", longPauses);
    if (!partitions.isEmpty() || !skews.isEmpty()) {
      long stealDelayNs = ApCluster.STEAL_DELAY_MS * 1_000_000L;
      row(out, "  partition + heal", partitions.size());
      row(
          out,
          "    longer than steal_delay",
          partitions.stream().filter(o -> o.completeNs() - o.invokeNs() > stealDelayNs).count());
      row(out, "  clock skew (restarts)", skews.size());
      row(
          out,
          "    beyond max_offset",
          skews.stream()
              .filter(o -> Math.abs(Nemesis.clockOffsetMs(o)) > ApCluster.MAX_OFFSET_MS)
              .count());
    }
    row(out, "operations", ops.size());
    for (Map.Entry<Op.Fn, Map<Op.Type, Integer>> e : r.ops().entrySet()) {
      Map<Op.Type, Integer> t = e.getValue();
      out.printf(
          "  %-32s ok %d, fail %d, unknown %d%n",
          e.getKey().name().toLowerCase(),
          t.getOrDefault(Op.Type.OK, 0),
          t.getOrDefault(Op.Type.FAIL, 0),
          t.getOrDefault(Op.Type.INFO, 0));
    }
    row(out, "tasks attempted", r.attempted());
    row(out, "  acknowledged", r.acknowledged());
    row(out, "  refused", r.refused());
    row(out, "  outcome unknown", r.unknown());
    row(out, "done at the end", r.completed());
    row(out, "retries (failed or released)", r.retries());
    row(out, "recovered", r.recovered().size());
    row(out, "duplicated (explained)", r.duplicates().size() - r.unexplained().size());
    r.duplicateCauses()
        .forEach(
            (cause, n) -> {
              if (!cause.equals("UNEXPLAINED")) {
                row(out, "  " + cause, n);
              }
            });
    if (!r.diverged().isEmpty()) {
      row(out, "diverged across nodes (explained)", r.diverged().size());
    }
    row(out, "final read", r.finalRead() ? "yes" : "NO");
    Map<String, List<Checker.Finding>> failures = r.failures();
    failures.forEach((kind, list) -> row(out, kind.toUpperCase(Locale.ROOT), list.size()));
    failures.forEach(
        (kind, list) -> {
          list.stream()
              .limit(SHOWN)
              .forEach(f -> out.printf("%s: %s (%s): %s%n", kind, f.value(), f.id(), f.detail()));
          if (list.size() > SHOWN) {
            out.printf("%s: ... and %d more%n", kind, list.size() - SHOWN);
          }
        });
  }

  private static void row(PrintStream out, String label, Object value) {
    out.printf("%-34s %s%n", label, value);
  }
}
