package dev.stoker.store.etcd;

import dev.stoker.core.Backoff;
import dev.stoker.core.Lease;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import io.etcd.jetcd.ByteSequence;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The values of task and queue keys: compact binary records, each starting with a format byte. */
final class Codec {
  private static final int FORMAT = 1;

  private Codec() {}

  static ByteSequence task(Task t) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          out.writeLong(t.id().hi());
          out.writeLong(t.id().lo());
          out.writeUTF(t.queue());
          string(out, t.name());
          string(out, t.paramsJson());
          out.writeInt(t.priority());
          out.writeLong(t.runAt());
          string(out, t.uniqueKey());
          out.writeInt(t.maxAttempts());
          out.writeInt(t.attempt());
          out.writeByte(t.state().ordinal());
          Version v = t.version();
          out.writeByte(v.done());
          out.writeLong(v.generation());
          out.writeByte(v.terminalRank());
          out.writeLong(v.epoch());
          out.writeByte(v.phase());
          out.writeLong(v.hlc());
          out.writeShort(v.node());
          Lease l = t.lease();
          out.writeBoolean(l != null);
          if (l != null) {
            string(out, l.owner());
            string(out, l.token());
            out.writeLong(l.expiresAt());
          }
          string(out, t.resultJson());
          string(out, t.lastError());
          out.writeLong(t.createdAt());
          out.writeLong(t.updatedAt());
          // added after the format shipped: read only when a record has it
          string(out, t.traceparent());
          if (l != null && l.progressJson() != null) {
            string(out, l.progressJson()); // likewise, and only when there is one
          }
        });
  }

  static Task task(ByteSequence bytes) {
    try (DataInputStream in =
        new DataInputStream(new java.io.ByteArrayInputStream(bytes.getBytes()))) {
      format(in);
      TaskId id = new TaskId(in.readLong(), in.readLong());
      String queue = in.readUTF();
      String name = string(in);
      String params = string(in);
      int priority = in.readInt();
      long runAt = in.readLong();
      String uniqueKey = string(in);
      int maxAttempts = in.readInt();
      int attempt = in.readInt();
      TaskState state = TaskState.values()[in.readByte()];
      Version v =
          new Version(
              in.readByte(),
              in.readLong(),
              in.readByte(),
              in.readLong(),
              in.readByte(),
              in.readLong(),
              in.readShort() & 0xFFFF);
      boolean leased = in.readBoolean();
      String owner = leased ? string(in) : null;
      String token = leased ? string(in) : null;
      long expiresAt = leased ? in.readLong() : 0;
      String result = string(in);
      String lastError = string(in);
      long createdAt = in.readLong();
      long updatedAt = in.readLong();
      String traceparent = in.available() > 0 ? string(in) : null;
      String progress = in.available() > 0 ? string(in) : null;
      Lease lease = leased ? new Lease(owner, token, expiresAt, progress) : null;
      return new Task(
          id,
          queue,
          name,
          params,
          priority,
          runAt,
          uniqueKey,
          maxAttempts,
          attempt,
          state,
          v,
          lease,
          result,
          lastError,
          createdAt,
          updatedAt,
          traceparent);
    } catch (IOException e) {
      throw new UncheckedIOException("a task record that cannot be read", e);
    }
  }

  /** Tasks one after another, each its {@link #task(Task)} record behind its length. */
  static ByteSequence tasks(List<ByteSequence> records) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          out.writeInt(records.size());
          for (ByteSequence r : records) {
            out.writeInt(r.size());
            out.write(r.getBytes());
          }
        });
  }

  static List<Task> tasks(ByteSequence bytes) {
    try (DataInputStream in =
        new DataInputStream(new java.io.ByteArrayInputStream(bytes.getBytes()))) {
      format(in);
      int n = in.readInt();
      List<Task> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(task(ByteSequence.from(in.readNBytes(in.readInt()))));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("a batch record that cannot be read", e);
    }
  }

  static ByteSequence settings(QueueSettings s) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          out.writeLong(s.leaseMs());
          out.writeInt(s.maxAttempts());
          out.writeLong(s.backoff().initialMs());
          out.writeDouble(s.backoff().multiplier());
          out.writeLong(s.backoff().maxMs());
          out.writeLong(s.retentionMs());
          out.writeBoolean(s.paused());
        });
  }

  static QueueSettings settings(ByteSequence bytes) {
    try (DataInputStream in =
        new DataInputStream(new java.io.ByteArrayInputStream(bytes.getBytes()))) {
      format(in);
      return new QueueSettings(
          in.readLong(),
          in.readInt(),
          new Backoff(in.readLong(), in.readDouble(), in.readLong()),
          in.readLong(),
          in.readBoolean());
    } catch (IOException e) {
      throw new UncheckedIOException("a queue record that cannot be read", e);
    }
  }

  private static void format(DataInputStream in) throws IOException {
    int format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("record format " + format + ", this server reads " + FORMAT);
    }
  }

  @FunctionalInterface
  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static ByteSequence write(Writer w) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteSequence.from(buf.toByteArray());
  }

  /**
   * A nullable string of any length (writeUTF stops at 64 KiB): a length, −1 for null, then UTF-8.
   */
  private static void string(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    return new String(in.readNBytes(n), java.nio.charset.StandardCharsets.UTF_8);
  }
}
