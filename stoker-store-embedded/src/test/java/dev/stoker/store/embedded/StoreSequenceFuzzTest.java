package dev.stoker.store.embedded;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.StoreVersusModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes sequences of store operations on the embedded store against the reference model ({@link
 * StoreVersusModel}), each on a queue of its own in one long-lived store. In the suite this replays
 * the inputs under {@code
 * src/test/resources/dev/stoker/store/embedded/StoreSequenceFuzzTestInputs/}, which the PostgreSQL
 * store replays too; see docs/fuzzing.md.
 */
class StoreSequenceFuzzTest {
  private static final ManualClock CLOCK = new ManualClock();
  private static final Path DIR = tempDir();
  private static final EmbeddedStore EMBEDDED =
      EmbeddedStore.open(DIR, CLOCK, 1, new SplittableRandom(7));
  private static final StoreVersusModel SEQUENCES = new StoreVersusModel(CLOCK, EMBEDDED);

  @AfterAll
  static void close() throws IOException {
    EMBEDDED.close();
    try (var files = Files.walk(DIR.getParent())) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @FuzzTest(maxDuration = "30s")
  void sequences(FuzzedDataProvider data) {
    SEQUENCES.run(data);
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("stoker-fuzz-").resolve("store");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
