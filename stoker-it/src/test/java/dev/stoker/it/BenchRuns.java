package dev.stoker.it;

import dev.stoker.bench.Bench;
import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Report;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code stoker bench} in a test, its progress and its table in the test's output. */
final class BenchRuns {
  private BenchRuns() {}

  /** The run's report; its log is printed even when it throws, its table when it returns. */
  static Report run(BenchConfig config) throws Exception {
    return run(config, new ByteArrayOutputStream());
  }

  /** As {@link #run(BenchConfig)}, the log also kept in {@code log}. */
  static Report run(BenchConfig config, ByteArrayOutputStream log) throws Exception {
    Report report;
    try {
      report = Bench.run(config, new PrintStream(log, true, StandardCharsets.UTF_8));
    } finally {
      System.out.print(log.toString(StandardCharsets.UTF_8));
    }
    report.print(System.out);
    return report;
  }
}
