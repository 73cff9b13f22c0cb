package dev.stoker.jmh;

import dev.stoker.cluster.CatchUp;
import dev.stoker.core.Clock;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.store.embedded.DispatchRights;
import dev.stoker.store.embedded.EmbeddedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A claim on a node of the AP cluster whose replica holds {@code others} pending tasks of another
 * home, older than its own. With one range of the ready index per home (docs/storage.md) the claim
 * never reads them, so its cost should not depend on how many there are; it once walked past all of
 * them. One thread, one task per claim, each claim a synced round; the node's own tasks are
 * refilled a thousand at a time, behind the others.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ClusterClaimWalkBench {
  static final String QUEUE = "jmh";

  @Param({"0", "10000", "100000"})
  int others;

  Path dirs;
  EmbeddedStore home;
  EmbeddedStore node;
  List<TaskSpec> refill;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dirs = Files.createTempDirectory("stoker-jmh-walk-");
    home = open(dirs.resolve("home"), 1);
    node = open(dirs.resolve("node"), 2);
    List<TaskSpec> batch = Collections.nCopies(100, TaskSpec.of("other", Payload.PARAMS));
    for (int i = 0; i < others / 100; i++) {
      home.taskEnqueueMany(QUEUE, batch);
    }
    while (node.replication()
            .receive(
                CatchUp.answer(home.replication(), node.replication().vector(), 10_000).events())
        > 0) {}
    refill = Collections.nCopies(1_000, TaskSpec.of("own", Payload.PARAMS));
  }

  private static EmbeddedStore open(Path dir, int id) {
    EmbeddedStore s =
        EmbeddedStore.openCluster(dir, Clock.system(), id, new SplittableRandom(id), 500);
    s.replication().rights(DispatchRights.only(id));
    return s;
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    node.close();
    home.close();
    TempDirs.delete(dirs);
  }

  @Benchmark
  public Task claimPastOthers() {
    ClaimParams claim = new ClaimParams(QUEUE, "jmh", 1, null, 0);
    List<Task> got = node.taskClaimMany(claim);
    while (got.isEmpty()) {
      node.taskEnqueueMany(QUEUE, refill);
      got = node.taskClaimMany(claim);
    }
    return got.get(0);
  }
}
