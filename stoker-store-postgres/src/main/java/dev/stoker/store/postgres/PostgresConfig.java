package dev.stoker.store.postgres;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How to reach the database and how the store behaves over it.
 *
 * @param url the JDBC URL, e.g. {@code jdbc:postgresql://db:5432/app?user=stoker&password=...}
 * @param schema the schema that holds Stoker's tables (created and migrated at start-up)
 * @param poolSize the most connections this server holds (HikariCP's maximum pool size)
 * @param connectionTimeout how long a call waits for a connection before the store reports itself
 *     unavailable (HTTP 503): while the database is down, every call waits this long before its
 *     503; {@value #MIN_CONNECTION_TIMEOUT_MS} ms to {@value #MAX_CONNECTION_TIMEOUT_MS} ms
 *     (HikariCP refuses less than 250 ms)
 * @param sweepInterval how often each server looks for delayed tasks falling due, leases running
 *     out and finished tasks past their retention, including those that other servers wrote, and
 *     folds the count deltas; {@value #MIN_SWEEP_INTERVAL_MS} ms to {@value #MAX_SWEEP_INTERVAL_MS}
 *     ms
 * @param pollInterval how often a waiting claim looks again without a notification (the fallback in
 *     case one is missed)
 */
public record PostgresConfig(
    String url,
    String schema,
    int poolSize,
    Duration connectionTimeout,
    Duration sweepInterval,
    Duration pollInterval) {
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

  /** HikariCP's own minimum: it refuses a shorter connection timeout. */
  static final long MIN_CONNECTION_TIMEOUT_MS = 250;

  /** Longer would hold HTTP requests (and their clients) for minutes while the database is down. */
  static final long MAX_CONNECTION_TIMEOUT_MS = 300_000;

  /** Shorter would keep a core busy sweeping an idle database. */
  static final long MIN_SWEEP_INTERVAL_MS = 10;

  /** Longer would let count deltas pile up and delay delayed tasks of other servers by as much. */
  static final long MAX_SWEEP_INTERVAL_MS = 60_000;

  public PostgresConfig {
    if (url == null || !url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "the PostgreSQL URL must be a JDBC URL (jdbc:postgresql://HOST:PORT/DB?...), was " + url);
    }
    checkSchema(schema);
    if (poolSize < 2) {
      throw new IllegalArgumentException("the pool needs at least 2 connections, was " + poolSize);
    }
    checkMillis(
        "the connection timeout",
        connectionTimeout,
        MIN_CONNECTION_TIMEOUT_MS,
        MAX_CONNECTION_TIMEOUT_MS);
    checkMillis("the sweep interval", sweepInterval, MIN_SWEEP_INTERVAL_MS, MAX_SWEEP_INTERVAL_MS);
    if (pollInterval == null || pollInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "the poll interval must be at least 1 ms, was " + pollInterval);
    }
  }

  private static void checkMillis(String what, Duration d, long min, long max) {
    if (d == null || d.toMillis() < min || d.toMillis() > max) {
      throw new IllegalArgumentException(
          what
              + " must be "
              + min
              + "-"
              + max
              + " ms, was "
              + (d == null ? null : d.toMillis() + " ms"));
    }
  }

  static void checkSchema(String schema) {
    if (schema == null || !SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "the schema must be 1-48 characters of [a-z0-9_], not starting with a digit,"
              + " was "
              + schema);
    }
  }

  /**
   * The default connection timeout: a request gets its 503 this soon while the database is down.
   */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(2);

  /**
   * The defaults: schema {@code stoker}, 16 connections, 2 s to get one, sweep and poll every
   * second.
   */
  public static PostgresConfig of(String url) {
    return new PostgresConfig(
        url,
        "stoker",
        16,
        DEFAULT_CONNECTION_TIMEOUT,
        Duration.ofSeconds(1),
        Duration.ofSeconds(1));
  }

  public PostgresConfig withSchema(String s) {
    return new PostgresConfig(url, s, poolSize, connectionTimeout, sweepInterval, pollInterval);
  }

  public PostgresConfig withPoolSize(int n) {
    return new PostgresConfig(url, schema, n, connectionTimeout, sweepInterval, pollInterval);
  }

  public PostgresConfig withConnectionTimeout(Duration d) {
    return new PostgresConfig(url, schema, poolSize, d, sweepInterval, pollInterval);
  }

  public PostgresConfig withSweepInterval(Duration d) {
    return new PostgresConfig(url, schema, poolSize, connectionTimeout, d, pollInterval);
  }

  /** The channel of LISTEN/NOTIFY wake-ups for this schema. */
  String channel() {
    return "stoker_" + schema;
  }
}
