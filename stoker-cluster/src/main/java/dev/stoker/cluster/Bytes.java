package dev.stoker.cluster;

import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The binary pieces {@link EventCodec} and {@link TaskReplicaCodec} share: varints, zigzag varints,
 * strings (a varint of the UTF-8 length plus one, 0 for null), the parts of a task, and a closing
 * CRC32C. Times are written as zigzag differences from a base millisecond the caller picks.
 */
final class Bytes {
  private static final TaskState[] STATES = TaskState.values();

  private Bytes() {}

  static final class Out extends ByteArrayOutputStream {
    Out() {
      super(96);
    }

    void u16(int v) {
      write(v >>> 8);
      write(v);
    }

    void i64(long v) {
      for (int s = 56; s >= 0; s -= 8) {
        write((int) (v >>> s));
      }
    }

    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      write((int) v);
    }

    void zigzag(long v) {
      varint((v << 1) ^ (v >> 63));
    }

    void str(String s) {
      if (s == null) {
        varint(0);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length + 1L);
      write(b, 0, b.length);
    }

    /** The bytes written, closed by their CRC32C. */
    byte[] sealed() {
      CRC32C crc = new CRC32C();
      crc.update(buf, 0, count);
      int c = (int) crc.getValue();
      write(c >>> 24);
      write(c >>> 16);
      write(c >>> 8);
      write(c);
      return toByteArray();
    }
  }

  static final class In {
    private final byte[] b;
    private final int end;
    private int pos;

    /**
     * The bytes of a sealed record, once its checksum is checked.
     *
     * @throws IllegalArgumentException if they are too short or the checksum does not match
     */
    static In open(byte[] bytes, String what) {
      if (bytes.length < 5) {
        throw new IllegalArgumentException(what + " is at least 5 bytes, got " + bytes.length);
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes, 0, bytes.length - 4);
      int end = bytes.length - 4;
      int stored =
          (bytes[end] & 0xFF) << 24
              | (bytes[end + 1] & 0xFF) << 16
              | (bytes[end + 2] & 0xFF) << 8
              | (bytes[end + 3] & 0xFF);
      if (stored != (int) crc.getValue()) {
        throw new IllegalArgumentException(what + " checksum does not match");
      }
      return new In(bytes, end);
    }

    private In(byte[] b, int end) {
      this.b = b;
      this.end = end;
    }

    boolean atEnd() {
      return pos == end;
    }

    private int next() {
      if (pos >= end) {
        throw new IllegalStateException("record ends early");
      }
      return b[pos++] & 0xFF;
    }

    int u8() {
      return next();
    }

    int u16() {
      return next() << 8 | next();
    }

    long i64() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = v << 8 | next();
      }
      return v;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int x = next();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalStateException("varint too long");
    }

    long zigzag() {
      long v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    String str() {
      int n = (int) varint() - 1;
      if (n < 0) {
        return null;
      }
      if (n > end - pos) {
        throw new IllegalStateException("string runs past the record");
      }
      String s = new String(b, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }
  }

  /**
   * done, rank and phase in one byte; the HLC only when asked (an event's version mostly shares
   * its).
   */
  static void version(Out out, Version v, boolean withHlc) {
    out.write(v.done() << 4 | v.terminalRank() << 1 | v.phase());
    out.zigzag(v.generation());
    out.zigzag(v.epoch());
    if (withHlc) {
      out.i64(v.hlc());
    }
    out.u16(v.node());
  }

  /**
   * @param hlc the version's HLC when it was not written, else null
   */
  static Version version(In in, Long hlc) {
    int packed = in.u8();
    long generation = in.zigzag();
    long epoch = in.zigzag();
    long vhlc = hlc == null ? in.i64() : hlc;
    return new Version(
        packed >>> 4, generation, (packed >>> 1) & 7, epoch, packed & 1, vhlc, in.u16());
  }

  static void register(Out out, Register r, long baseMs) {
    out.write(r.state().ordinal());
    out.zigzag(r.runAt() - baseMs);
    out.str(r.leaseOwner());
    if (r.leaseOwner() != null) {
      out.zigzag(r.leaseExpiresAt() - baseMs);
    }
    out.zigzag(r.updatedAt() - baseMs);
    out.str(r.resultJson());
    out.str(r.lastError());
  }

  static Register register(In in, long baseMs) {
    TaskState state = STATES[in.u8()];
    long runAt = baseMs + in.zigzag();
    String owner = in.str();
    long expiresAt = owner == null ? 0 : baseMs + in.zigzag();
    long updatedAt = baseMs + in.zigzag();
    // a progress, when there is one, follows under a flag of its own (EventCodec, TaskReplicaCodec)
    return new Register(state, runAt, owner, expiresAt, in.str(), in.str(), updatedAt, null);
  }

  static void attempts(Out out, Attempts a) {
    out.zigzag(a.generation());
    counts(out, a.claims());
    counts(out, a.releases());
  }

  static Attempts attempts(In in) {
    return new Attempts(in.zigzag(), counts(in), counts(in));
  }

  static void body(Out out, Body b, long baseMs) {
    out.str(b.queue());
    out.str(b.name());
    out.str(b.paramsJson());
    out.zigzag(b.priority());
    out.str(b.uniqueKey());
    out.zigzag(b.maxAttempts());
    out.zigzag(b.createdAt() - baseMs);
  }

  static Body body(In in, long baseMs) {
    return new Body(
        in.str(),
        in.str(),
        in.str(),
        (int) in.zigzag(),
        in.str(),
        (int) in.zigzag(),
        baseMs + in.zigzag());
  }

  /**
   * A settings change's fields ({@link QueueSettingsReplica#FIELDS} order, null for a field it does
   * not set): a mask of the fields present, then each: integers as zigzag varints, the multiplier
   * as its IEEE bits, paused as a byte.
   */
  static void settings(Out out, Object[] values) {
    int mask = 0;
    for (int i = 0; i < values.length; i++) {
      mask |= values[i] != null ? 1 << i : 0;
    }
    out.write(mask);
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        setting(out, i, values[i]);
      }
    }
  }

  static Object[] settings(In in) {
    int mask = in.u8();
    if (mask >>> QueueSettingsReplica.FIELDS.length != 0) {
      throw new IllegalStateException("unknown settings fields in mask " + mask);
    }
    Object[] values = new Object[QueueSettingsReplica.FIELDS.length];
    for (int i = 0; i < values.length; i++) {
      if ((mask & 1 << i) != 0) {
        values[i] = setting(in, i);
      }
    }
    return values;
  }

  private static void setting(Out out, int field, Object value) {
    switch (value) {
      case Long l -> out.zigzag(l);
      case Integer n -> out.zigzag(n);
      case Double d -> out.i64(Double.doubleToLongBits(d));
      case Boolean b -> out.write(b ? 1 : 0);
      default -> throw new IllegalArgumentException("setting " + field + ": " + value);
    }
  }

  private static Object setting(In in, int field) {
    return switch (field) {
      case 1 -> (int) in.zigzag();
      case 3 -> Double.longBitsToDouble(in.i64());
      case 6 -> in.u8() != 0;
      default -> in.zigzag();
    };
  }

  private static void counts(Out out, SortedMap<Integer, Integer> counts) {
    out.varint(counts.size());
    counts.forEach(
        (node, n) -> {
          out.u16(node);
          out.varint(n);
        });
  }

  private static SortedMap<Integer, Integer> counts(In in) {
    int n = (int) in.varint();
    SortedMap<Integer, Integer> m = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      m.put(in.u16(), (int) in.varint());
    }
    return m;
  }
}
