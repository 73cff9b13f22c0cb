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
 *     unavailable (HTTP 503)
 * @param sweepInterval how often each server looks for delayed tasks falling due, leases running out
 *     and finished tasks past their retention, including those that other servers wrote
 * @param pollInterval how often a waiting claim looks again without a notification (the fallback in case
 *     one is missed)
 */
public record PostgresConfig(
    String url, String schema, int poolSize, Duration connectionTimeout, Duration sweepInterval,
    Duration pollInterval) {
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

  public PostgresConfig {
    if (url == null || !url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("the PostgreSQL URL must be a JDBC URL (jdbc:postgresql://HOST:PORT/DB?...), was "
          + url);
    }
    checkSchema(schema);
    if (poolSize < 2) {
      throw new IllegalArgumentException("the pool needs at least 2 connections, was " + poolSize);
    }
  }

  static void checkSchema(String schema) {
    if (schema == null || !SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException("the schema must be 1-48 characters of [a-z0-9_], not starting with a digit,"
          + " was " + schema);
    }
  }

  /** The defaults: schema {@code stoker}, 16 connections, 5 s to get one, sweep and poll every second. */
  public static PostgresConfig of(String url) {
    return new PostgresConfig(url, "stoker", 16, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(1));
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

  /** The channel of LISTEN/NOTIFY wake-ups for this schema. */
  String channel() {
    return "stoker_" + schema;
  }
}
