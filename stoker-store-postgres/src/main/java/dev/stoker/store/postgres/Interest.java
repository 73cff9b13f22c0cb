package dev.stoker.store.postgres;

import dev.stoker.core.store.StoreObserver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether any server over the database wants the others' {@link TransitionNotices}, kept in {@code
 * feed_interest} (one row per node with an expiry, by the database's clock). A transaction that
 * NOTIFYs takes a database-wide lock at commit, so writers add notices only while another server's
 * interest is live ({@link #othersWatch}); the wake-ups of claims are sent regardless.
 *
 * <p>On a thread of its own: advertises this server's interest while its observer is {@link
 * StoreObserver#watching} (the row written at once when watching starts, then refreshed every
 * {@link #REFRESH_MS}, live {@link #TTL_MS} after each write, so a subscriber that reconnects
 * within that keeps it), and reads the other servers' interest every {@link #READ_MS}. When this
 * server's interest lapses (no one watched for {@link #TTL_MS}, or the writes failed that long),
 * the others stop sending notices: that is reported as {@link StoreObserver#missedElsewhere}, so a
 * subscriber resuming from before it is told to reload. See docs/backends/postgres.md#events.
 */
final class Interest implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Interest.class);

  static final long TICK_MS = 100;
  static final long READ_MS = 1_000;
  static final long REFRESH_MS = 5_000;
  static final long TTL_MS = 15_000;

  private final Db db;
  private final int node;
  private final Supplier<StoreObserver> observer;
  private final long ttlMs;
  private final Thread thread;
  private volatile boolean othersWatch;
  private volatile boolean stopped;

  /** When this server's row was last written (System.nanoTime before the write); 0: no live row. */
  private long wroteAt;

  private long readAt;

  Interest(Db db, int node, Supplier<StoreObserver> observer) {
    this(db, node, observer, TTL_MS);
  }

  /** With a shorter life for a row than the default, for tests. */
  Interest(Db db, int node, Supplier<StoreObserver> observer, long ttlMs) {
    this.db = db;
    this.node = node;
    this.observer = observer;
    this.ttlMs = ttlMs;
    this.thread = new Thread(this, "stoker-pg-interest");
    thread.setDaemon(true);
  }

  /**
   * Reads the other servers' interest once before returning, so the first writes already tell them
   * what they wait for, then goes on in the background.
   */
  void start() {
    read();
    thread.start();
  }

  /** Whether another server's interest was live at the last read (at most {@link #READ_MS} ago). */
  boolean othersWatch() {
    return othersWatch;
  }

  @Override
  public void run() {
    while (!stopped) {
      try {
        Thread.sleep(TICK_MS);
      } catch (InterruptedException e) {
        return;
      }
      tick();
    }
  }

  private void tick() {
    long now = System.nanoTime();
    StoreObserver o = observer.get();
    boolean watching = o != StoreObserver.NONE && o.watching();
    if (wroteAt != 0 && now - wroteAt > TimeUnit.MILLISECONDS.toNanos(ttlMs)) {
      // The row expired: the others stop (or stopped) sending notices from here on.
      wroteAt = 0;
      delete();
      o.missedElsewhere();
    }
    if (watching && (wroteAt == 0 || now - wroteAt >= TimeUnit.MILLISECONDS.toNanos(refreshMs()))) {
      write(now);
    }
    if (now - readAt >= TimeUnit.MILLISECONDS.toNanos(READ_MS)) {
      read();
    }
  }

  /** Refreshes several times in a row's life, so one failed write does not let it lapse. */
  private long refreshMs() {
    return Math.min(REFRESH_MS, ttlMs / 3);
  }

  private void write(long now) {
    try {
      db.tx(
          c -> {
            try (PreparedStatement ps =
                c.prepareStatement(
                    db.sql(
                        "INSERT INTO ${schema}.feed_interest (node, until)"
                            + " VALUES (?, now() + ? * interval '1 millisecond')"
                            + " ON CONFLICT (node) DO UPDATE SET until = EXCLUDED.until"))) {
              ps.setInt(1, node);
              ps.setLong(2, ttlMs);
              ps.executeUpdate();
            }
            return null;
          });
      wroteAt = now;
    } catch (RuntimeException e) {
      log.debug("could not advertise interest in other servers' transitions: {}", e.getMessage());
    }
  }

  private void read() {
    readAt = System.nanoTime();
    try {
      othersWatch =
          db.tx(
              c -> {
                try (PreparedStatement ps =
                    c.prepareStatement(
                        db.sql(
                            "SELECT EXISTS (SELECT 1 FROM ${schema}.feed_interest"
                                + " WHERE node <> ? AND until > now())"))) {
                  ps.setInt(1, node);
                  try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                  }
                }
              });
    } catch (RuntimeException e) {
      // unsure: tell; the notices cost the writers some throughput, never an event
      othersWatch = true;
    }
  }

  /** Removes this server's row, so the others stop sending notices now rather than at expiry. */
  private void delete() {
    try {
      db.tx(
          c -> {
            try (PreparedStatement ps =
                c.prepareStatement(db.sql("DELETE FROM ${schema}.feed_interest WHERE node = ?"))) {
              ps.setInt(1, node);
              ps.executeUpdate();
            }
            return null;
          });
    } catch (RuntimeException e) {
      // it expires anyway
    }
  }

  /** Stops, and withdraws this server's interest. */
  void stop() {
    stopped = true;
    thread.interrupt();
    try {
      thread.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (wroteAt != 0) {
      delete();
    }
  }
}
