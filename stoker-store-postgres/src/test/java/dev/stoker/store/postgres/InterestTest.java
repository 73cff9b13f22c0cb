package dev.stoker.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.store.StoreObserver;
import dev.stoker.testkit.PgTemp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two servers' {@link Interest} over one real schema, with rows that live one second: a server
 * advertises interest while its observer watches, the other then sees it (and neither counts its
 * own), an interest nobody refreshes lapses and is reported as a miss once, and a server that stops
 * withdraws its interest at once.
 */
class InterestTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final String schema = PgTemp.freshSchema();
  private final PostgresConfig config =
      PostgresConfig.of(PgTemp.shared().url()).withSchema(schema).withPoolSize(2);

  /** An observer whose watching is switched by the test, counting the misses it is told. */
  private static final class Watcher implements StoreObserver {
    final AtomicBoolean watching = new AtomicBoolean();
    final AtomicInteger missed = new AtomicInteger();

    @Override
    public boolean watching() {
      return watching.get();
    }

    @Override
    public void missedElsewhere() {
      missed.incrementAndGet();
    }
  }

  @Test
  void a_server_tells_the_others_while_it_watches_and_its_interest_lapses_as_a_miss()
      throws Exception {
    PostgresStore.open(config).close(); // migrates the schema
    Watcher wa = new Watcher();
    Watcher wb = new Watcher();
    try (Db dbA = new Db(config);
        Db dbB = new Db(config)) {
      Interest a = new Interest(dbA, 1, () -> wa, 1_000);
      Interest b = new Interest(dbB, 2, () -> wb, 1_000);
      a.start();
      b.start();
      assertThat(a.othersWatch()).isFalse();
      assertThat(b.othersWatch()).isFalse();

      wa.watching.set(true);
      Awaitility.await().atMost(WITHIN).until(b::othersWatch);
      assertThat(rows()).as("A's row only").isEqualTo(1);
      assertThat(a.othersWatch()).as("A's own interest is not another server's").isFalse();

      // Nobody watches on A any more: its row is not refreshed, lapses, and A reports the miss.
      wa.watching.set(false);
      Awaitility.await().atMost(WITHIN).until(() -> wa.missed.get() == 1);
      Awaitility.await().atMost(WITHIN).until(() -> !b.othersWatch());
      assertThat(rows()).as("the lapsed row deleted").isZero();

      // Watching again, then stopping: the row goes at once.
      wa.watching.set(true);
      Awaitility.await().atMost(WITHIN).until(b::othersWatch);
      a.stop();
      assertThat(rows()).isZero();
      Awaitility.await().atMost(WITHIN).until(() -> !b.othersWatch());
      assertThat(wa.missed.get()).as("one lapse, one miss").isEqualTo(1);
      assertThat(wb.missed.get()).as("B never watched").isZero();
      b.stop();
    }
  }

  private int rows() throws Exception {
    try (Connection c = DriverManager.getConnection(PgTemp.shared().url());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".feed_interest")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
