package dev.stoker.store.embedded;

import dev.stoker.core.store.TaskStore;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.StoreConformanceSuite;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store runs the one conformance suite, unchanged. */
class EmbeddedStoreConformanceTest extends StoreConformanceSuite {
  @TempDir Path dir;

  @Override
  protected TaskStore newStore(ManualClock clock) {
    return EmbeddedStore.open(
        dir.resolve("store-" + System.nanoTime()), clock, 1, new SplittableRandom(7));
  }
}
