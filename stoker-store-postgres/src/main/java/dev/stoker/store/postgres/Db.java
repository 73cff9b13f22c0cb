package dev.stoker.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stoker.core.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.LongConsumer;

/**
 * The connection pool and the one way the store runs a transaction: retried on a serialization
 * failure or deadlock, and any other database error turned into {@link StoreUnavailableException}
 * (HTTP 503), after which nothing was committed.
 */
final class Db implements AutoCloseable {
  private static final int ATTEMPTS = 5;

  @FunctionalInterface
  interface Work<R> {
    R apply(Connection c) throws SQLException;
  }

  final String schema;
  private final HikariDataSource pool;

  Db(PostgresConfig config) {
    this.schema = config.schema();
    HikariConfig h = new HikariConfig();
    h.setJdbcUrl(config.url());
    h.setPoolName("stoker-pg");
    h.setMaximumPoolSize(config.poolSize());
    h.setMinimumIdle(Math.min(2, config.poolSize()));
    h.setAutoCommit(false);
    // While the database is down every call waits this long for a connection before its 503.
    h.setConnectionTimeout(config.connectionTimeout().toMillis());
    // Checking an idle connection (done inside getConnection) must not outlast that budget either.
    h.setValidationTimeout(Math.min(5_000, config.connectionTimeout().toMillis()));
    // Start even when the database is down; calls answer 503 until it is back.
    h.setInitializationFailTimeout(-1);
    h.addDataSourceProperty("reWriteBatchedInserts", "true");
    h.addDataSourceProperty("tcpKeepAlive", "true");
    h.addDataSourceProperty("ApplicationName", "stoker");
    this.pool = new HikariDataSource(h);
  }

  /** Runs {@code work} in one transaction and commits it. */
  <R> R tx(Work<R> work) {
    return tx(work, nanos -> {});
  }

  /**
   * Runs {@code work} in one transaction and commits it, telling {@code commitTook} how long the
   * commit took.
   */
  <R> R tx(Work<R> work, LongConsumer commitTook) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = pool.getConnection()) {
        try {
          R r = work.apply(c);
          long start = System.nanoTime();
          c.commit();
          commitTook.accept(System.nanoTime() - start);
          return r;
        } catch (SQLException | RuntimeException | Error e) {
          rollbackQuietly(c);
          throw e;
        }
      } catch (SQLException e) {
        if (attempt < ATTEMPTS && retryable(e)) {
          continue;
        }
        throw unavailable(e);
      }
    }
  }

  /** A connection of the pool, for work that manages its own transaction. */
  Connection connection() throws SQLException {
    return pool.getConnection();
  }

  static StoreUnavailableException unavailable(SQLException e) {
    return new StoreUnavailableException("database unavailable: " + e.getMessage(), e);
  }

  private static boolean retryable(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool will discard it
    }
  }

  /** {@code sql} with {@code ${schema}} replaced by the schema's name. */
  String sql(String sql) {
    return sql.replace("${schema}", schema);
  }

  @Override
  public void close() {
    pool.close();
  }
}
