package dev.stoker.bench;

import java.io.PrintStream;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * PostgreSQL as a queue with a plain {@code FOR UPDATE SKIP LOCKED} claim loop, one connection per
 * worker, as in shared/peer-baselines.md: the producer inserts 1,000 rows per transaction (a JDBC
 * batch) and notifies; a claim is {@code UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
 * LIMIT max) RETURNING id} and a completion a {@code DELETE}, each its own (autocommit)
 * transaction, so each is durable when acknowledged; idle workers wait on LISTEN/NOTIFY. W2 claims
 * up to 100 rows and deletes them in one statement.
 */
final class PostgresPeer extends ClientPeer {
  static final String NAME = "postgres skip-locked";
  private final String url;
  private final String durability;

  PostgresPeer(BenchConfig config, PrintStream log, String params, String jdbcUrl)
      throws SQLException {
    super(config, log, params, NAME);
    // Multi-row INSERTs for the JDBC batches: the driver's best batching.
    this.url = jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      this.durability =
          "synchronous_commit="
              + show(s, "synchronous_commit")
              + ", fsync="
              + show(s, "fsync")
              + ", wal_sync_method="
              + show(s, "wal_sync_method")
              + ": WAL flushed before each commit returns";
    }
  }

  private static String show(Statement s, String setting) throws SQLException {
    try (ResultSet r = s.executeQuery("SHOW " + setting)) {
      r.next();
      return r.getString(1);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  @Override
  public String durability() {
    return durability;
  }

  @Override
  public String noBatches() {
    return null;
  }

  @Override
  void create(String queue) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE "
              + queue
              + " (id bigserial PRIMARY KEY, params jsonb NOT NULL, worker text,"
              + " claimed_at timestamptz)");
      s.execute("CREATE INDEX ON " + queue + " (id) WHERE worker IS NULL");
    }
  }

  @Override
  void drop(String queue) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE " + queue);
    }
  }

  @Override
  long waiting(String queue) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM " + queue + " WHERE worker IS NULL")) {
      r.next();
      return r.getLong(1);
    }
  }

  @Override
  Producer producer(String queue) throws SQLException {
    Connection c = connect();
    PreparedStatement insert =
        c.prepareStatement("INSERT INTO " + queue + " (params) VALUES (?::jsonb)");
    PreparedStatement insertOne =
        c.prepareStatement("INSERT INTO " + queue + " (params) VALUES (?::jsonb) RETURNING id");
    PreparedStatement notify = c.prepareStatement("SELECT pg_notify('" + queue + "', '')");
    String params = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    return new Producer() {
      @Override
      public void enqueue(int n) throws SQLException {
        c.setAutoCommit(false);
        for (int sent = 0; sent < n; sent += Bench.ENQUEUE_BATCH) {
          for (int i = 0; i < Math.min(Bench.ENQUEUE_BATCH, n - sent); i++) {
            insert.setString(1, params);
            insert.addBatch();
          }
          insert.executeBatch();
          notify.execute();
          c.commit();
        }
        c.setAutoCommit(true);
      }

      @Override
      public String put() throws SQLException {
        insertOne.setString(1, params);
        String id;
        try (ResultSet r = insertOne.executeQuery()) {
          r.next();
          id = Long.toString(r.getLong(1));
        }
        notify.execute(); // autocommit: the insert is committed (durable) before the notify
        return id;
      }

      @Override
      public void close() throws SQLException {
        c.close();
      }
    };
  }

  @Override
  Consumer consumer(String queue, int max) throws SQLException {
    Connection c = connect();
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + queue);
    }
    PreparedStatement claim =
        c.prepareStatement(
            "UPDATE "
                + queue
                + " SET worker = ?, claimed_at = now()"
                + " WHERE id IN (SELECT id FROM "
                + queue
                + " WHERE worker IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"
                + " RETURNING id");
    claim.setString(1, Thread.currentThread().getName());
    PreparedStatement delete = c.prepareStatement("DELETE FROM " + queue + " WHERE id = ANY (?)");
    PGConnection pg = c.unwrap(PGConnection.class);
    return new Consumer() {
      private final List<Long> held = new ArrayList<>();

      @Override
      public List<String> take(int max, Duration wait) throws SQLException {
        List<String> ids = claim(max);
        if (ids.isEmpty() && !wait.isZero()) {
          // Notifications queue up on the connection, so one sent since the claim is not lost.
          pg.getNotifications((int) wait.toMillis());
          ids = claim(max);
        }
        return ids;
      }

      private List<String> claim(int max) throws SQLException {
        claim.setInt(2, max);
        List<String> ids = new ArrayList<>(max);
        try (ResultSet r = claim.executeQuery()) {
          while (r.next()) {
            held.add(r.getLong(1));
            ids.add(Long.toString(r.getLong(1)));
          }
        }
        return ids;
      }

      @Override
      public void completeHeld() throws SQLException {
        if (held.isEmpty()) {
          return;
        }
        Array ids = c.createArrayOf("bigint", held.toArray());
        delete.setArray(1, ids);
        int deleted = delete.executeUpdate();
        if (deleted != held.size()) {
          throw new IllegalStateException(
              "deleted " + deleted + " of the " + held.size() + " rows held");
        }
        held.clear();
      }

      @Override
      public void close() throws SQLException {
        c.close();
      }
    };
  }
}
