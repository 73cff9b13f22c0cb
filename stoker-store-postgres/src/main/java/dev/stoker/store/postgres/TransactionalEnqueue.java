package dev.stoker.store.postgres;

import dev.stoker.core.Limits;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Traceparent;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Enqueues a task inside the caller's own database transaction: the task exists if and only if that
 * transaction commits, so it can never disagree with the business data written next to it. Works on
 * any {@link Connection} to the database that a Stoker server on PostgreSQL uses (the server need
 * not run in this JVM); the task is claimable through the HTTP API once the transaction commits,
 * and waiting claims on every server are woken by the commit.
 *
 * <pre>{@code
 * TransactionalEnqueue stoker = new TransactionalEnqueue("stoker");
 * try (Connection c = dataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   insertOrder(c, order);
 *   stoker.enqueue(c, "emails", TaskSpec.of("send-receipt", "{\"order\":42}"));
 *   c.commit();
 * }
 * }</pre>
 *
 * <p>It calls the SQL function {@code <schema>.enqueue(...)}, which other languages can call
 * directly (see docs/backends/postgres.md). Times are the database's clock.
 */
public final class TransactionalEnqueue {
  private final String sql;
  private final Limits limits;

  /**
   * For the tables in {@code schema} (the server's {@code --pg-schema}, by default {@code stoker}).
   */
  public TransactionalEnqueue(String schema) {
    this(schema, Limits.DEFAULT);
  }

  public TransactionalEnqueue(String schema, Limits limits) {
    PostgresConfig.checkSchema(schema);
    this.sql =
        "SELECT task_id, duplicate FROM " + schema + ".enqueue(?, ?, ?::json, ?, ?, ?, ?, ?, ?)";
    this.limits = limits;
  }

  /**
   * The task's id, and whether it was a duplicate: a live task of the queue already had its unique
   * key, and no task was added.
   */
  public record Enqueued(String taskId, boolean duplicate) {}

  /**
   * Enqueues {@code spec} into {@code queue} in the connection's current transaction (with
   * auto-commit on, it commits at once).
   *
   * @throws dev.stoker.core.InvalidInput when the queue name or the spec is out of bounds (nothing
   *     is changed)
   * @throws SQLException from the database (the transaction is then aborted, as any failed
   *     statement aborts it)
   */
  public Enqueued enqueue(Connection c, String queue, TaskSpec spec) throws SQLException {
    Limits.checkQueueName("queue", queue);
    limits.check(spec);
    limits.checkJsonSize("params", spec.paramsJson().getBytes(StandardCharsets.UTF_8).length);
    if (spec.traceparent() != null) {
      Traceparent.check("traceparent", spec.traceparent());
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, queue);
      ps.setString(2, spec.name());
      ps.setString(3, spec.paramsJson());
      ps.setInt(4, spec.priority());
      ps.setLong(5, spec.delayMs() != null ? spec.delayMs() : 0);
      ps.setString(6, spec.uniqueKey());
      if (spec.maxAttempts() != null) {
        ps.setInt(7, spec.maxAttempts());
      } else {
        ps.setNull(7, Types.INTEGER);
      }
      if (spec.runAt() != null) {
        ps.setObject(
            8, OffsetDateTime.ofInstant(Instant.ofEpochMilli(spec.runAt()), ZoneOffset.UTC));
      } else {
        ps.setNull(8, Types.TIMESTAMP_WITH_TIMEZONE);
      }
      ps.setString(9, spec.traceparent());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Enqueued(rs.getString(1), rs.getBoolean(2));
      }
    }
  }
}
