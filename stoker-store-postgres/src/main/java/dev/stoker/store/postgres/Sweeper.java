package dev.stoker.store.postgres;

import dev.stoker.core.Clock;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The time-driven changes: delayed tasks falling due (moved into the claim index), leases running
 * out (the task pending again, or dead on its last attempt) and finished tasks past their queue's
 * retention (deleted). Each kind is one index range on time, taken in bounded batches with {@code
 * FOR UPDATE SKIP LOCKED}, so any number of servers can sweep at once without waiting on each other
 * or doing the same work twice.
 *
 * <p>A server sweeps when something it knows of falls due ({@link Due}), checked before every
 * write, and every sweep interval from a background thread, which picks up what other servers
 * wrote.
 */
final class Sweeper {
  /**
   * The most rows of each kind one sweep handles; the rest waits for the next, which comes at once.
   */
  static final int BUDGET = 2_000;

  private final Store store;
  private final Clock clock;
  private final Due due;
  private final ReentrantLock lock = new ReentrantLock();

  /** What the sweeper needs from the store. */
  interface Store {
    <R> R run(TxWork<R> work);
  }

  @FunctionalInterface
  interface TxWork<R> {
    R apply(Tx tx) throws SQLException;
  }

  Sweeper(Store store, Clock clock, Due due) {
    this.store = store;
    this.clock = clock;
    this.due = due;
  }

  /** Sweeps if something this server knows of is due. */
  void sweepIfDue() {
    if (due.isDue(clock.millis())) {
      sweep(false);
    }
  }

  /** Sweeps; unless {@code always}, only if something is still due once the lock is ours. */
  void sweep(boolean always) {
    lock.lock();
    try {
      if (!always && !due.isDue(clock.millis())) {
        return; // another sweep just did it
      }
      due.sweepStarted();
      try {
        boolean more = promote();
        more |= expireLeases();
        more |= prune();
        foldCounts();
        due.sweepEnded(more ? Long.MIN_VALUE : nextDue());
      } catch (RuntimeException e) {
        due.sweepFailed();
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean promote() {
    return each(
        "WITH due AS (SELECT id FROM ${schema}.tasks"
            + " WHERE state = "
            + StateCodes.PENDING
            + " AND scheduled AND run_at <= ? ORDER BY run_at LIMIT ?"
            + " FOR UPDATE SKIP LOCKED)"
            + " UPDATE ${schema}.tasks t SET scheduled = false FROM due WHERE t.id = due.id"
            + " RETURNING t.queue_id, (SELECT name FROM ${schema}.queues q WHERE q.id = t.queue_id)",
        (tx, rs) -> tx.moved(rs.getInt(1), rs.getString(2), Rows.SCHEDULED, Rows.PENDING));
  }

  @FunctionalInterface
  private interface RowAction {
    void accept(Tx tx, ResultSet rs) throws SQLException;
  }

  /**
   * Runs a statement with parameters (now, {@link #BUDGET}) that returns one row per task it
   * handled; returns whether it used the whole budget (more may be due).
   */
  private boolean each(String sql, RowAction action) {
    return store.run(
        tx -> {
          int n = 0;
          try (PreparedStatement ps = tx.c.prepareStatement(tx.sql(sql))) {
            ps.setLong(1, tx.now);
            ps.setInt(2, BUDGET);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                action.accept(tx, rs);
                n++;
              }
            }
          }
          return n >= BUDGET;
        });
  }

  private boolean expireLeases() {
    // Locking an expired lease expires it (Tx.lockAll), in this transaction.
    return store.run(
        tx ->
            tx.lockAll(
                        "SELECT "
                            + Rows.COLUMNS
                            + " FROM ${schema}.tasks"
                            + " WHERE state = "
                            + StateCodes.WORKING
                            + " AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?"
                            + " FOR UPDATE SKIP LOCKED",
                        ps -> {
                          ps.setLong(1, tx.now);
                          ps.setInt(2, BUDGET);
                        })
                    .size()
                == BUDGET);
  }

  private boolean prune() {
    return each(
        "WITH gone AS (SELECT t.id FROM ${schema}.queues q"
            + " CROSS JOIN LATERAL (SELECT id FROM ${schema}.tasks t WHERE t.queue_id = q.id AND t.state >= "
            + StateCodes.FIRST_FINISHED
            + " AND t.updated_at <= ? - q.retention_ms ORDER BY t.updated_at LIMIT ?"
            + " FOR UPDATE SKIP LOCKED) t)"
            + " DELETE FROM ${schema}.tasks t USING gone WHERE t.id = gone.id RETURNING t.queue_id, t.state",
        (tx, rs) -> tx.removed(rs.getInt(1), Rows.slot(StateCodes.state(rs.getShort(2)), false)));
  }

  /** Folds the appended count changes into the counts, a bounded batch at a time. */
  private void foldCounts() {
    store.run(
        tx -> {
          try (PreparedStatement ps =
              tx.c.prepareStatement(
                  tx.sql(
                      "WITH d AS (DELETE FROM ${schema}.count_deltas"
                          + " WHERE id IN (SELECT id FROM ${schema}.count_deltas ORDER BY id LIMIT 50000 FOR UPDATE SKIP LOCKED)"
                          + " RETURNING *)"
                          + " INSERT INTO ${schema}.counts AS c (queue_id, pending, scheduled, working, done, dead, cancelled)"
                          + " SELECT queue_id, sum(pending), sum(scheduled), sum(working), sum(done), sum(dead), sum(cancelled)"
                          + " FROM d GROUP BY queue_id ORDER BY queue_id"
                          + " ON CONFLICT (queue_id) DO UPDATE SET pending = c.pending + EXCLUDED.pending,"
                          + " scheduled = c.scheduled + EXCLUDED.scheduled, working = c.working + EXCLUDED.working,"
                          + " done = c.done + EXCLUDED.done, dead = c.dead + EXCLUDED.dead, cancelled = c.cancelled + EXCLUDED.cancelled"))) {
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * The earliest time anything in the database falls due: one index probe per kind (and per queue).
   */
  private long nextDue() {
    return store.run(
        tx -> {
          try (PreparedStatement ps =
                  tx.c.prepareStatement(
                      tx.sql(
                          "SELECT"
                              + " (SELECT min(run_at) FROM ${schema}.tasks WHERE state = "
                              + StateCodes.PENDING
                              + " AND scheduled),"
                              + " (SELECT min(lease_expires_at) + 1 FROM ${schema}.tasks WHERE state = "
                              + StateCodes.WORKING
                              + "),"
                              + " (SELECT min(f.at + q.retention_ms) FROM ${schema}.queues q CROSS JOIN LATERAL"
                              + "   (SELECT min(updated_at) AS at FROM ${schema}.tasks t WHERE t.queue_id = q.id"
                              + " AND t.state >= "
                              + StateCodes.FIRST_FINISHED
                              + ") f)"));
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            long next = Long.MAX_VALUE;
            for (int i = 1; i <= 3; i++) {
              long v = rs.getLong(i);
              if (!rs.wasNull()) {
                next = Math.min(next, v);
              }
            }
            return next;
          }
        });
  }
}
