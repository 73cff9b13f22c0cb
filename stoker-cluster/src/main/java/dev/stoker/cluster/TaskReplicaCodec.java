package dev.stoker.cluster;

import dev.stoker.core.Hlc;
import dev.stoker.core.TaskId;
import dev.stoker.core.Version;

/**
 * The bytes of a {@link TaskReplica}: what the embedded store will keep in its {@code tasks} column
 * family in cluster mode, in place of the single-node task record (storage.md), because the merge
 * needs more than a task: the attempts per node, the tombstone and which version brought the body.
 *
 * <pre>
 * format u8 (=1) | flags u8 (1 tombstone, 2 register, 4 body, 8 attempts, 16 traceparent, 32 progress)
 * | id.hi i64 | id.lo i64 | [tombstone version] | [version | register | [progress str]]
 * | [body version | body | [traceparent str]] | [attempts] | crc32c u32
 * </pre>
 *
 * <p>Versions are written whole; times are zigzag deltas from the millisecond of the first version
 * written, as in {@link EventCodec}. The progress came later under its own flag, so a replica
 * written before it reads as it always did, and one without a progress is the bytes it always was.
 */
public final class TaskReplicaCodec {
  private static final int FORMAT = 1;
  private static final int TOMBSTONE = 1;
  private static final int REGISTER = 2;
  private static final int BODY = 4;
  private static final int ATTEMPTS = 8;
  private static final int TRACE = 16;
  private static final int PROGRESS = 32;

  private TaskReplicaCodec() {}

  public static byte[] encode(TaskReplica t) {
    Bytes.Out out = new Bytes.Out();
    int flags =
        (t.tombstone() != null ? TOMBSTONE : 0)
            | (t.register() != null ? REGISTER : 0)
            | (t.body() != null ? BODY : 0)
            | (t.attempts() != null ? ATTEMPTS : 0)
            | (t.body() != null && t.body().traceparent() != null ? TRACE : 0)
            | (t.register() != null && t.register().progressJson() != null ? PROGRESS : 0);
    out.write(FORMAT);
    out.write(flags);
    out.i64(t.id().hi());
    out.i64(t.id().lo());
    long base = 0;
    if (t.tombstone() != null) {
      Bytes.version(out, t.tombstone(), true);
      base = Hlc.physicalMillis(t.tombstone().hlc());
    }
    if (t.register() != null) {
      Bytes.version(out, t.version(), true);
      base = base == 0 ? Hlc.physicalMillis(t.version().hlc()) : base;
      Bytes.register(out, t.register(), base);
      if ((flags & PROGRESS) != 0) {
        out.str(t.register().progressJson());
      }
    }
    if (t.body() != null) {
      Bytes.version(out, t.bodyVersion(), true);
      base = base == 0 ? Hlc.physicalMillis(t.bodyVersion().hlc()) : base;
      Bytes.body(out, t.body(), base);
      if ((flags & TRACE) != 0) {
        out.str(t.body().traceparent());
      }
    }
    if (t.attempts() != null) {
      Bytes.attempts(out, t.attempts());
    }
    return out.sealed();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a whole, intact record of a known format
   */
  public static TaskReplica decode(byte[] bytes) {
    Bytes.In in = Bytes.In.open(bytes, "a task replica");
    try {
      int format = in.u8();
      if (format != FORMAT) {
        throw new IllegalArgumentException("unknown task replica format " + format);
      }
      int flags = in.u8();
      TaskId id = new TaskId(in.i64(), in.i64());
      long base = 0;
      Version tombstone = null;
      if ((flags & TOMBSTONE) != 0) {
        tombstone = Bytes.version(in, null);
        base = Hlc.physicalMillis(tombstone.hlc());
      }
      Version version = null;
      Register register = null;
      if ((flags & REGISTER) != 0) {
        version = Bytes.version(in, null);
        base = base == 0 ? Hlc.physicalMillis(version.hlc()) : base;
        register = Bytes.register(in, base);
        if ((flags & PROGRESS) != 0) {
          register = register.withProgress(in.str());
        }
      }
      Version bodyVersion = null;
      Body body = null;
      if ((flags & BODY) != 0) {
        bodyVersion = Bytes.version(in, null);
        base = base == 0 ? Hlc.physicalMillis(bodyVersion.hlc()) : base;
        body = Bytes.body(in, base);
        if ((flags & TRACE) != 0) {
          body = body.inTrace(in.str());
        }
      }
      Attempts attempts = (flags & ATTEMPTS) != 0 ? Bytes.attempts(in) : null;
      if (!in.atEnd()) {
        throw new IllegalArgumentException("trailing bytes after the task replica");
      }
      return new TaskReplica(id, tombstone, bodyVersion, body, version, register, attempts);
    } catch (ArrayIndexOutOfBoundsException | IllegalStateException e) {
      throw new IllegalArgumentException("malformed task replica: " + e.getMessage(), e);
    }
  }
}
