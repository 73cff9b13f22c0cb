package dev.stoker.store.postgres;

import dev.stoker.core.Backoff;
import dev.stoker.core.QueueSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The queues' numbers by name, cached (a queue is never renamed or removed), and their settings,
 * read from the database in the transaction that needs them so that a change made on any server
 * counts at once. The retention is also kept here as a hint for when this server should next prune.
 */
final class Queues {
  static final String SETTINGS =
      "lease_ms, max_attempts, backoff_initial_ms, backoff_multiplier, backoff_max_ms,"
          + " retention_ms, paused";

  private final Db db;
  private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, String> names = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, Long> retention = new ConcurrentHashMap<>();

  Queues(Db db) {
    this.db = db;
  }

  /** The queue's number, or null when it was never used. */
  Integer find(Connection c, String name) throws SQLException {
    Integer id = ids.get(name);
    return id != null
        ? id
        : lookup(
            c, "SELECT id, name FROM ${schema}.queues WHERE name = ?", ps -> ps.setString(1, name));
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  /** Reads one queue's (id, name) and remembers it; returns the id, or null when there is none. */
  private Integer lookup(Connection c, String sql, Binder binder) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(db.sql(sql))) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? remember(rs.getInt(1), rs.getString(2)) : null;
      }
    }
  }

  /** The queue's number, creating the queue (committed on its own) when it is new. */
  int ensure(String name) {
    Integer id = ids.get(name);
    if (id != null) {
      return id;
    }
    return db.tx(
        c -> {
          try (PreparedStatement ins =
              c.prepareStatement(
                  db.sql(
                      "INSERT INTO ${schema}.queues (name) VALUES (?) ON CONFLICT (name) DO NOTHING"))) {
            ins.setString(1, name);
            ins.executeUpdate();
          }
          return find(c, name);
        });
  }

  String name(Connection c, int id) throws SQLException {
    String name = names.get(id);
    if (name == null
        && lookup(c, "SELECT id, name FROM ${schema}.queues WHERE id = ?", ps -> ps.setInt(1, id))
            == null) {
      throw new IllegalStateException("a task names unknown queue number " + id);
    }
    return names.get(id);
  }

  QueueSettings settings(Connection c, int id, boolean forUpdate) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            db.sql(
                "SELECT "
                    + SETTINGS
                    + " FROM ${schema}.queues WHERE id = ?"
                    + (forUpdate ? " FOR UPDATE" : "")))) {
      ps.setInt(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return settings(id, rs, 1);
      }
    }
  }

  /** Reads the {@link #SETTINGS} columns starting at {@code at}. */
  QueueSettings settings(int id, ResultSet rs, int at) throws SQLException {
    QueueSettings s =
        new QueueSettings(
            rs.getLong(at),
            rs.getInt(at + 1),
            new Backoff(rs.getLong(at + 2), rs.getDouble(at + 3), rs.getLong(at + 4)),
            rs.getLong(at + 5),
            rs.getBoolean(at + 6));
    retention.put(id, s.retentionMs());
    return s;
  }

  void update(Connection c, int id, QueueSettings s) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            db.sql(
                "UPDATE ${schema}.queues SET lease_ms = ?, max_attempts = ?,"
                    + " backoff_initial_ms = ?, backoff_multiplier = ?, backoff_max_ms = ?, retention_ms = ?, paused = ?"
                    + " WHERE id = ?"))) {
      ps.setLong(1, s.leaseMs());
      ps.setInt(2, s.maxAttempts());
      ps.setLong(3, s.backoff().initialMs());
      ps.setDouble(4, s.backoff().multiplier());
      ps.setLong(5, s.backoff().maxMs());
      ps.setLong(6, s.retentionMs());
      ps.setBoolean(7, s.paused());
      ps.setInt(8, id);
      ps.executeUpdate();
    }
    retention.put(id, s.retentionMs());
  }

  /** The retention last seen for the queue: a hint for scheduling the next prune, not a rule. */
  long retentionHint(int id) {
    return retention.getOrDefault(id, QueueSettings.DEFAULT.retentionMs());
  }

  private Integer remember(int id, String name) {
    ids.put(name, id);
    names.put(id, name);
    return id;
  }
}
