package dev.stoker.store.postgres;

import dev.stoker.core.Clock;
import dev.stoker.core.store.StoreUnavailableException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * What opening a store finds or makes in the database before the store starts: the first connection
 * (waiting for a database that is still starting), the schema's migrations, the clock (the
 * database's, unless one is given), this server's node id and the lease-token key every server
 * shares.
 */
final class Bootstrap {
  /** What a store starts from; {@code dbClock} is null when the clock was given. */
  record Opened(Db db, Clock clock, DbClock dbClock, int node, byte[] leaseTokenKey) {}

  private Bootstrap() {}

  /**
   * Connects, migrates and reads what the store needs.
   *
   * @param clock the store's clock, or null for the database's
   * @param node the node id, or negative to take the next one from the database
   * @throws StoreUnavailableException when the database cannot be reached or migrated
   */
  static Opened open(PostgresConfig config, Clock clock, int node) {
    Db db = new Db(config);
    try (Connection c = firstConnection(db)) {
      Migrations.apply(c, config.schema());
      DbClock dbClock = null;
      if (clock == null) {
        dbClock = new DbClock();
        dbClock.measure(c);
        clock = dbClock;
      }
      if (node < 0) {
        node = nextNodeId(c, db);
      }
      byte[] key = leaseTokenKey(c, db);
      c.commit();
      return new Opened(db, clock, dbClock, node, key);
    } catch (SQLException e) {
      db.close();
      throw new StoreUnavailableException("cannot open the PostgreSQL store: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /** How long a server waits at start-up for the database to accept a connection. */
  static final long STARTUP_WAIT_MS = 30_000;

  /** A connection, waiting up to {@link #STARTUP_WAIT_MS} for a database that is still starting. */
  private static Connection firstConnection(Db db) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_WAIT_MS);
    while (true) {
      try {
        return db.connection();
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  /**
   * The next node id from the sequence, modulo 65535 (65535 is SQL's; V1__tasks.sql's comment says
   * 65536, but a shipped script is never edited, not even a comment: its checksum would change).
   * After 65,535 starts, or with a {@code --node-id} that equals a handed-out one, two live servers
   * can share an id. That is harmless, because nothing here needs node ids to be unique
   * (docs/backends/postgres.md#node-ids):
   *
   * <ul>
   *   <li>task ids: the low word is random per millisecond (as for ids made in SQL, which all share
   *       node 65535), so two servers with one id in one millisecond collide with odds of about
   *       2^-63 per pair of ids, and a collision is a primary-key violation that fails the enqueue
   *       (503, nothing acknowledged), never a second task under one id;
   *   <li>versions and lease tokens: a task's row is only changed under its row lock, after reading
   *       it (which advances this server's HLC past the row's), and every claim after the first has
   *       a larger epoch or generation, so no two claims of a task share a token whatever the node;
   *   <li>nothing compares the versions of different servers to merge them: the database orders
   *       writes.
   * </ul>
   */
  private static int nextNodeId(Connection c, Db db) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(db.sql("SELECT nextval('${schema}.node_ids')"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return (int) (rs.getLong(1) % 65535);
    }
  }

  private static byte[] leaseTokenKey(Connection c, Db db) throws SQLException {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    try (PreparedStatement ins =
        c.prepareStatement(
            db.sql(
                "INSERT INTO ${schema}.meta (key, value) VALUES ('lease_token_key', ?) ON CONFLICT (key) DO NOTHING"))) {
      ins.setBytes(1, fresh);
      ins.executeUpdate();
    }
    try (PreparedStatement ps =
            c.prepareStatement(
                db.sql("SELECT value FROM ${schema}.meta WHERE key = 'lease_token_key'"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getBytes(1);
    }
  }
}
