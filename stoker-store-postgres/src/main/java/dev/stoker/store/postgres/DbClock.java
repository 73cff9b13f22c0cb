package dev.stoker.store.postgres;

import dev.stoker.core.Clock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The database's clock, read without a round trip: this machine's clock plus the offset to the
 * database's {@code clock_timestamp()}, measured at start-up and again every sweep interval. Every
 * server over one database therefore judges run_at, leases and retention by (nearly) one clock,
 * whatever the machines' own clocks say. The offset is taken from the fastest of a few round trips,
 * so it is off by at most half that round trip.
 */
final class DbClock implements Clock {
  private volatile long offsetMs;

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMs;
  }

  long offsetMs() {
    return offsetMs;
  }

  void measure(Connection c) throws SQLException {
    long bestRtt = Long.MAX_VALUE;
    long best = offsetMs;
    try (Statement st = c.createStatement()) {
      for (int i = 0; i < 3; i++) {
        long before = System.currentTimeMillis();
        long t0 = System.nanoTime();
        long db;
        try (ResultSet rs =
            st.executeQuery("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")) {
          rs.next();
          db = rs.getLong(1);
        }
        long rtt = System.nanoTime() - t0;
        if (rtt < bestRtt) {
          bestRtt = rtt;
          best = db - (before + rtt / 2_000_000);
        }
      }
    }
    c.rollback();
    offsetMs = best;
  }
}
