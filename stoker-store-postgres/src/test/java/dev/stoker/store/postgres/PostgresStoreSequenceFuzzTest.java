package dev.stoker.store.postgres;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.PgTemp;
import dev.stoker.testkit.StoreVersusModel;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes sequences of store operations on the PostgreSQL store against the reference model ({@link
 * StoreVersusModel}), each on a queue of its own in one store on a real server. In the suite this
 * replays the embedded store's corpus (the pom maps {@code StoreSequenceFuzzTestInputs} of
 * stoker-store-embedded onto this test's inputs), so both stores meet the same sequences; see
 * docs/fuzzing.md.
 */
class PostgresStoreSequenceFuzzTest {
  private static final ManualClock CLOCK = new ManualClock();
  private static final PostgresStore STORE =
      PostgresStore.open(
          PostgresConfig.of(PgTemp.shared().url())
              .withSchema(PgTemp.freshSchema())
              .withPoolSize(4)
              .withConnectionTimeout(Duration.ofSeconds(30)),
          CLOCK,
          1,
          new SplittableRandom(7));
  private static final StoreVersusModel SEQUENCES = new StoreVersusModel(CLOCK, STORE);

  @AfterAll
  static void close() {
    STORE.close();
  }

  @FuzzTest(maxDuration = "30s")
  void sequences(FuzzedDataProvider data) {
    SEQUENCES.run(data);
  }
}
