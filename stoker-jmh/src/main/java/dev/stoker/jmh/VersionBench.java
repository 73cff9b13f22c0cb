package dev.stoker.jmh;

import dev.stoker.core.Version;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Version compare and merge, the conflict policy every replica applies to every update it receives.
 * The pairs differ late in the tuple (hlc, node), as concurrent updates of one task usually do, so
 * each comparison walks most of the fields.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VersionBench {
  Version older =
      new Version(0, 2, Version.RANK_LIVE, 7, Version.PHASE_WORKING, 1_763_900_000_000L << 16, 3);
  Version newer =
      new Version(
          0, 2, Version.RANK_LIVE, 7, Version.PHASE_WORKING, (1_763_900_000_000L << 16) + 1, 1);

  @Benchmark
  public int compare() {
    return older.compareTo(newer);
  }

  @Benchmark
  public Version merge() {
    return Version.merge(older, newer);
  }
}
