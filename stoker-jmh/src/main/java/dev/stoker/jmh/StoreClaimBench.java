package dev.stoker.jmh;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.TaskStore;
import dev.stoker.store.embedded.EmbeddedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The embedded store's claim path without HTTP: 16 threads each claim one task and complete it, as
 * W1's workers do, every write fsync'd before it returns (group commit shares the syncs). The queue
 * is refilled a thousand tasks at a time whenever a claim finds it empty.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(16)
public class StoreClaimBench {
  static final String QUEUE = "jmh";
  static final int REFILL = 1_000;

  Path dir;
  TaskStore store;
  List<TaskSpec> refill;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("stoker-jmh-store-");
    store = EmbeddedStore.open(dir);
    refill = Collections.nCopies(REFILL, TaskSpec.of("bench", Payload.PARAMS));
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    store.close();
    TempDirs.delete(dir);
  }

  @Benchmark
  public Outcome claimAndComplete() {
    ClaimParams claim = new ClaimParams(QUEUE, "jmh", 1, null, 0);
    List<Task> got = store.taskClaimMany(claim);
    while (got.isEmpty()) {
      store.taskEnqueueMany(QUEUE, refill);
      got = store.taskClaimMany(claim);
    }
    Task t = got.get(0);
    return store.taskComplete(t.id(), t.lease().token(), "{\"ok\":true}");
  }
}
