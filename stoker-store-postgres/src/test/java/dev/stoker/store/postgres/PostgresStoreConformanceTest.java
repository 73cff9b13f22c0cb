package dev.stoker.store.postgres;

import dev.stoker.core.store.TaskStore;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.PgTemp;
import dev.stoker.testkit.StoreConformanceSuite;
import java.util.SplittableRandom;

/**
 * The PostgreSQL store runs the one conformance suite, unchanged, on a real server; a fresh schema
 * per test.
 */
class PostgresStoreConformanceTest extends StoreConformanceSuite {
  @Override
  protected TaskStore newStore(ManualClock clock) {
    PostgresConfig config =
        PostgresConfig.of(PgTemp.shared().url())
            .withSchema(PgTemp.freshSchema())
            .withPoolSize(4)
            .withConnectionTimeout(
                java.time.Duration.ofSeconds(30)); // a loaded CI machine is slow to connect
    return PostgresStore.open(config, clock, 1, new SplittableRandom(7));
  }
}
