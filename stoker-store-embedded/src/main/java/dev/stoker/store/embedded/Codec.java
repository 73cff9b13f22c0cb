package dev.stoker.store.embedded;

import dev.stoker.core.Backoff;
import dev.stoker.core.Lease;
import dev.stoker.core.LeaseToken;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary records of the store. A task record holds the queue's number, not its name, and no lease
 * token: the token is derived from the id and version, so it is rebuilt on read. The first byte is
 * a format version so records can evolve; a field added at the end (the traceparent, then the
 * lease's progress) is read only when the record has it, so older records of the same format still
 * read.
 */
final class Codec {
  private Codec() {}

  private static final byte TASK_FORMAT = 1;
  private static final byte SETTINGS_FORMAT = 1;

  /**
   * format, scheduled, id, queue, priority, run_at, max_attempts, attempt, state, generation,
   * epoch, hlc, flags, created_at, updated_at, node, lease expiry.
   */
  private static final int FIXED_TASK_BYTES =
      1 + 1 + 16 + 4 + 4 + 8 + 4 + 4 + 1 + 8 + 8 + 8 + 1 + 8 + 8 + 4 + 8;

  /** A task as stored, with whether a pending task sits in the scheduled index (run_at ahead). */
  record Stored(Task task, int queue, boolean scheduled) {}

  static byte[] encodeTask(Task t, int queue, boolean scheduled) {
    byte[] name = utf8(t.name());
    byte[] params = utf8(t.paramsJson());
    byte[] unique = utf8(t.uniqueKey());
    byte[] owner = t.lease() == null ? null : utf8(t.lease().owner());
    byte[] result = utf8(t.resultJson());
    byte[] error = utf8(t.lastError());
    byte[] traceparent = utf8(t.traceparent());
    byte[] progress = t.lease() == null ? null : utf8(t.lease().progressJson());
    int size =
        FIXED_TASK_BYTES
            + len(name)
            + len(params)
            + len(unique)
            + len(owner)
            + len(result)
            + len(error)
            + len(traceparent)
            + (progress == null ? 0 : len(progress));
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(TASK_FORMAT).put((byte) (scheduled ? 1 : 0));
    b.putLong(t.id().hi()).putLong(t.id().lo());
    b.putInt(queue);
    b.putInt(t.priority()).putLong(t.runAt()).putInt(t.maxAttempts()).putInt(t.attempt());
    b.put((byte) t.state().ordinal());
    Version v = t.version();
    b.putLong(v.generation()).putLong(v.epoch()).putLong(v.hlc());
    b.put((byte) (v.done() << 4 | v.terminalRank() << 1 | v.phase()));
    b.putLong(t.createdAt()).putLong(t.updatedAt());
    b.putInt(v.node());
    b.putLong(t.lease() == null ? 0 : t.lease().expiresAt());
    put(b, name);
    put(b, params);
    put(b, unique);
    put(b, owner);
    put(b, result);
    put(b, error);
    put(b, traceparent);
    if (progress != null) {
      put(b, progress); // written only when there is one, so most records stay as they were
    }
    return b.array();
  }

  static Stored decodeTask(byte[] bytes, String queueName) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte format = b.get();
    if (format != TASK_FORMAT) {
      throw new IllegalStateException("unknown task record format " + format);
    }
    boolean scheduled = b.get() == 1;
    TaskId id = new TaskId(b.getLong(), b.getLong());
    int queue = b.getInt();
    int priority = b.getInt();
    long runAt = b.getLong();
    int maxAttempts = b.getInt();
    int attempt = b.getInt();
    TaskState state = TaskState.values()[b.get()];
    long generation = b.getLong();
    long epoch = b.getLong();
    long hlc = b.getLong();
    int flags = b.get();
    long createdAt = b.getLong();
    long updatedAt = b.getLong();
    int node = b.getInt();
    long expiresAt = b.getLong();
    String name = getString(b);
    String params = getString(b);
    String unique = getString(b);
    String owner = getString(b);
    String result = getString(b);
    String error = getString(b);
    String traceparent = b.hasRemaining() ? getString(b) : null;
    String progress = b.hasRemaining() ? getString(b) : null;
    Version v =
        new Version(flags >> 4 & 1, generation, flags >> 1 & 3, epoch, flags & 1, hlc, node);
    Lease lease =
        owner == null ? null : new Lease(owner, LeaseToken.of(id, v).encode(), expiresAt, progress);
    Task t =
        new Task(
            id,
            queueName,
            name,
            params,
            priority,
            runAt,
            unique,
            maxAttempts,
            attempt,
            state,
            v,
            lease,
            result,
            error,
            createdAt,
            updatedAt,
            traceparent);
    return new Stored(t, queue, scheduled);
  }

  /** The queue number of a task record, without decoding the rest. */
  static int queueOf(byte[] taskRecord) {
    return ByteBuffer.wrap(taskRecord, 18, 4).getInt();
  }

  static byte[] encodeQueue(String name, QueueSettings s) {
    byte[] n = utf8(name);
    ByteBuffer b = ByteBuffer.allocate(1 + len(n) + 8 + 4 + 8 + 8 + 8 + 8 + 1);
    b.put(SETTINGS_FORMAT);
    put(b, n);
    b.putLong(s.leaseMs()).putInt(s.maxAttempts());
    b.putLong(s.backoff().initialMs())
        .putDouble(s.backoff().multiplier())
        .putLong(s.backoff().maxMs());
    b.putLong(s.retentionMs()).put((byte) (s.paused() ? 1 : 0));
    return b.array();
  }

  record QueueRecord(String name, QueueSettings settings) {}

  static QueueRecord decodeQueue(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte format = b.get();
    if (format != SETTINGS_FORMAT) {
      throw new IllegalStateException("unknown queue record format " + format);
    }
    String name = getString(b);
    long leaseMs = b.getLong();
    int maxAttempts = b.getInt();
    Backoff backoff = new Backoff(b.getLong(), b.getDouble(), b.getLong());
    long retention = b.getLong();
    boolean paused = b.get() == 1;
    return new QueueRecord(
        name, new QueueSettings(leaseMs, maxAttempts, backoff, retention, paused));
  }

  static byte[] encodeCounts(long[] counts) {
    ByteBuffer b = ByteBuffer.allocate(8 * counts.length);
    for (long c : counts) {
      b.putLong(c);
    }
    return b.array();
  }

  static long[] decodeCounts(byte[] bytes, int slots) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] counts = new long[slots];
    for (int i = 0; i < slots && b.remaining() >= 8; i++) {
      counts[i] = b.getLong();
    }
    return counts;
  }

  static byte[] encodeLong(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long decodeLong(byte[] bytes) {
    return ByteBuffer.wrap(bytes).getLong();
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static int len(byte[] b) {
    return 4 + (b == null ? 0 : b.length);
  }

  private static void put(ByteBuffer b, byte[] bytes) {
    if (bytes == null) {
      b.putInt(-1);
    } else {
      b.putInt(bytes.length).put(bytes);
    }
  }

  private static String getString(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0) {
      return null;
    }
    String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }
}
