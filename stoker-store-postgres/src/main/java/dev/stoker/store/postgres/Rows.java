package dev.stoker.store.postgres;

import dev.stoker.core.Lease;
import dev.stoker.core.LeaseToken;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.UUID;

/**
 * How a {@link Task} maps to a row of {@code tasks}: the columns, reading a row and binding one.
 * The lease token is not stored: it is a function of the id and the version ({@link
 * LeaseToken#of}).
 */
final class Rows {
  static final String COLUMNS =
      "id, queue_id, name, params, priority, run_at, unique_key, max_attempts, attempt,"
          + " state, scheduled, v_done, v_generation, v_rank, v_epoch, v_phase, v_hlc, v_node, lease_owner,"
          + " lease_expires_at, result, last_error, created_at, updated_at, traceparent, progress";
  static final String INSERT =
      "INSERT INTO ${schema}.tasks ("
          + COLUMNS
          + ")"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static final String UPDATE =
      "UPDATE ${schema}.tasks SET run_at = ?, attempt = ?, state = ?, scheduled = ?,"
          + " v_done = ?, v_generation = ?, v_rank = ?, v_epoch = ?, v_phase = ?, v_hlc = ?, v_node = ?,"
          + " lease_owner = ?, lease_expires_at = ?, progress = ?, result = ?, last_error = ?, updated_at = ?"
          + " WHERE id = ?";

  /** The slots of a queue's counts, in the column order of {@code counts}. */
  static final int PENDING = 0;

  static final int SCHEDULED = 1;
  static final int SLOTS = 6;

  private Rows() {}

  /** A task as read, with its queue's number and whether it is still waiting for its run_at. */
  record Stored(Task task, int queueId, boolean scheduled) {
    int slot() {
      return Rows.slot(task.state(), scheduled);
    }
  }

  static int slot(TaskState state, boolean scheduled) {
    return switch (state) {
      case PENDING -> scheduled ? SCHEDULED : PENDING;
      case WORKING -> 2;
      case DONE -> 3;
      case DEAD -> 4;
      case CANCELLED -> 5;
    };
  }

  static UUID uuid(TaskId id) {
    return new UUID(id.hi(), id.lo());
  }

  static TaskId taskId(UUID u) {
    return new TaskId(u.getMostSignificantBits(), u.getLeastSignificantBits());
  }

  static Stored read(ResultSet rs, String queueName) throws SQLException {
    TaskId id = taskId(rs.getObject(1, UUID.class));
    TaskState state = StateCodes.state(rs.getShort(10));
    Version v =
        new Version(
            rs.getShort(12),
            rs.getLong(13),
            rs.getShort(14),
            rs.getLong(15),
            rs.getShort(16),
            rs.getLong(17),
            rs.getInt(18));
    String owner = rs.getString(19);
    Lease lease =
        owner == null
            ? null
            : new Lease(owner, LeaseToken.of(id, v).encode(), rs.getLong(20), rs.getString(26));
    Task t =
        new Task(
            id,
            queueName,
            rs.getString(3),
            rs.getString(4),
            rs.getInt(5),
            rs.getLong(6),
            rs.getString(7),
            rs.getInt(8),
            rs.getInt(9),
            state,
            v,
            lease,
            rs.getString(21),
            rs.getString(22),
            rs.getLong(23),
            rs.getLong(24),
            rs.getString(25));
    return new Stored(t, rs.getInt(2), rs.getBoolean(11));
  }

  /** Binds {@link #INSERT}. */
  static void bindInsert(PreparedStatement ps, Task t, int queueId, boolean scheduled)
      throws SQLException {
    ps.setObject(1, uuid(t.id()));
    ps.setInt(2, queueId);
    ps.setString(3, t.name());
    ps.setString(4, t.paramsJson());
    ps.setInt(5, t.priority());
    ps.setLong(6, t.runAt());
    ps.setString(7, t.uniqueKey());
    ps.setInt(8, t.maxAttempts());
    ps.setInt(9, t.attempt());
    ps.setShort(10, (short) StateCodes.of(t.state()));
    ps.setBoolean(11, scheduled);
    bindVersion(ps, 12, t.version());
    bindLease(ps, 19, t.lease());
    ps.setString(21, t.resultJson());
    ps.setString(22, t.lastError());
    ps.setLong(23, t.createdAt());
    ps.setLong(24, t.updatedAt());
    ps.setString(25, t.traceparent());
    ps.setString(26, progressOf(t.lease()));
  }

  /** Binds {@link #UPDATE}: everything a transition may change. */
  static void bindUpdate(PreparedStatement ps, Task t, boolean scheduled) throws SQLException {
    ps.setLong(1, t.runAt());
    ps.setInt(2, t.attempt());
    ps.setShort(3, (short) StateCodes.of(t.state()));
    ps.setBoolean(4, scheduled);
    bindVersion(ps, 5, t.version());
    bindLease(ps, 12, t.lease());
    ps.setString(14, progressOf(t.lease()));
    ps.setString(15, t.resultJson());
    ps.setString(16, t.lastError());
    ps.setLong(17, t.updatedAt());
    ps.setObject(18, uuid(t.id()));
  }

  private static void bindVersion(PreparedStatement ps, int at, Version v) throws SQLException {
    ps.setShort(at, (short) v.done());
    ps.setLong(at + 1, v.generation());
    ps.setShort(at + 2, (short) v.terminalRank());
    ps.setLong(at + 3, v.epoch());
    ps.setShort(at + 4, (short) v.phase());
    ps.setLong(at + 5, v.hlc());
    ps.setInt(at + 6, v.node());
  }

  /** The progress column: the lease's, so it is null again when a transition ends the claim. */
  private static String progressOf(Lease lease) {
    return lease == null ? null : lease.progressJson();
  }

  private static void bindLease(PreparedStatement ps, int at, Lease lease) throws SQLException {
    if (lease == null) {
      ps.setNull(at, Types.VARCHAR);
      ps.setNull(at + 1, Types.BIGINT);
    } else {
      ps.setString(at, lease.owner());
      ps.setLong(at + 1, lease.expiresAt());
    }
  }
}
