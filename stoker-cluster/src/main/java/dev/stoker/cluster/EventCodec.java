package dev.stoker.cluster;

import dev.stoker.core.Hlc;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The bytes of an {@link Event}, the same in the log and on the wire, so a relayed event is the bytes
 * its origin wrote. Lean on purpose (ap-cluster.md §7: at most 100 bytes for a state event without
 * params or result): small numbers are varints, times are zigzag deltas from the event's own HLC
 * millisecond, the version's HLC is written only when it differs from the event's (a heartbeat), and a
 * CRC32C closes the record so a torn or rotten record is refused, not misread.
 *
 * <pre>
 * format u8 (=1) | flags u8 | origin u16 | seq varint | hlc i64 | id.hi i64 | id.lo i64
 * version: done&lt;&lt;4|rank&lt;&lt;1|phase u8 | generation zz | epoch zz | [hlc i64] | node u16
 * state:   state u8 | run_at Δ | [owner str | expires_at Δ] | updated_at Δ | result str | last_error str
 *          attempts: generation zz | n | (node u16, claims varint)* | m | (node u16, releases varint)*
 * body:    queue str | name str | params str | priority zz | unique_key str | max_attempts zz | created_at Δ
 * crc32c u32 over everything before
 * </pre>
 *
 * <p>Flags: 1 prune, 2 body present, 4 version HLC written, 8 lease present. A string is a varint of
 * its UTF-8 length plus one (0 = null) and the bytes; Δ is a zigzag varint of the difference to the
 * event's HLC millisecond.
 */
public final class EventCodec {
  private static final int FORMAT = 1;
  private static final int PRUNE = 1;
  private static final int BODY = 2;
  private static final int VERSION_HLC = 4;
  private static final int LEASE = 8;
  private static final TaskState[] STATES = TaskState.values();

  private EventCodec() {}

  public static byte[] encode(Event e) {
    Out out = new Out();
    long ms = Hlc.physicalMillis(e.hlc());
    Version v = e.version();
    Register r = e.register();
    int flags = (e.kind() == Event.Kind.PRUNE ? PRUNE : 0) | (e.body() != null ? BODY : 0)
        | (v.hlc() != e.hlc() ? VERSION_HLC : 0) | (r != null && r.leaseOwner() != null ? LEASE : 0);
    out.write(FORMAT);
    out.write(flags);
    out.u16(e.origin());
    out.varint(e.seq());
    out.i64(e.hlc());
    out.i64(e.taskId().hi());
    out.i64(e.taskId().lo());
    out.write(v.done() << 4 | v.terminalRank() << 1 | v.phase());
    out.zigzag(v.generation());
    out.zigzag(v.epoch());
    if ((flags & VERSION_HLC) != 0) {
      out.i64(v.hlc());
    }
    out.u16(v.node());
    if (r != null) {
      out.write(r.state().ordinal());
      out.zigzag(r.runAt() - ms);
      if ((flags & LEASE) != 0) {
        out.str(r.leaseOwner());
        out.zigzag(r.leaseExpiresAt() - ms);
      }
      out.zigzag(r.updatedAt() - ms);
      out.str(r.resultJson());
      out.str(r.lastError());
      Attempts a = e.attempts();
      out.zigzag(a.generation());
      counts(out, a.claims());
      counts(out, a.releases());
    }
    Body b = e.body();
    if (b != null) {
      out.str(b.queue());
      out.str(b.name());
      out.str(b.paramsJson());
      out.zigzag(b.priority());
      out.str(b.uniqueKey());
      out.zigzag(b.maxAttempts());
      out.zigzag(b.createdAt() - ms);
    }
    CRC32C crc = new CRC32C();
    crc.update(out.buf(), 0, out.size());
    int c = (int) crc.getValue();
    out.write(c >>> 24);
    out.write(c >>> 16);
    out.write(c >>> 8);
    out.write(c);
    return out.toByteArray();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a whole, intact event of a known format
   */
  public static Event decode(byte[] bytes) {
    if (bytes.length < 5) {
      throw new IllegalArgumentException("an event is at least 5 bytes, got " + bytes.length);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    In in = new In(bytes, bytes.length - 4);
    int stored = (int) in.fixed(bytes.length - 4, 4);
    if (stored != (int) crc.getValue()) {
      throw new IllegalArgumentException("event checksum does not match");
    }
    try {
      return read(in);
    } catch (ArrayIndexOutOfBoundsException | IllegalStateException e) {
      throw new IllegalArgumentException("malformed event: " + e.getMessage(), e);
    }
  }

  private static Event read(In in) {
    int format = in.u8();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown event format " + format);
    }
    int flags = in.u8();
    int origin = in.u16();
    long seq = in.varint();
    long hlc = in.i64();
    long ms = Hlc.physicalMillis(hlc);
    TaskId id = new TaskId(in.i64(), in.i64());
    int packed = in.u8();
    long generation = in.zigzag();
    long epoch = in.zigzag();
    long vhlc = (flags & VERSION_HLC) != 0 ? in.i64() : hlc;
    Version v = new Version(packed >>> 4, generation, (packed >>> 1) & 7, epoch, packed & 1, vhlc, in.u16());
    Register r = null;
    Attempts a = null;
    if ((flags & PRUNE) == 0) {
      TaskState state = STATES[in.u8()];
      long runAt = ms + in.zigzag();
      String owner = null;
      long expiresAt = 0;
      if ((flags & LEASE) != 0) {
        owner = in.str();
        expiresAt = ms + in.zigzag();
      }
      long updatedAt = ms + in.zigzag();
      r = new Register(state, runAt, owner, expiresAt, in.str(), in.str(), updatedAt);
      a = new Attempts(in.zigzag(), counts(in), counts(in));
    }
    Body b = null;
    if ((flags & BODY) != 0) {
      b = new Body(in.str(), in.str(), in.str(), (int) in.zigzag(), in.str(), (int) in.zigzag(), ms + in.zigzag());
    }
    if (!in.atEnd()) {
      throw new IllegalArgumentException("trailing bytes after the event");
    }
    return new Event(origin, seq, hlc, id, (flags & PRUNE) != 0 ? Event.Kind.PRUNE : Event.Kind.STATE, v, b, r, a);
  }

  private static void counts(Out out, SortedMap<Integer, Integer> counts) {
    out.varint(counts.size());
    counts.forEach((node, n) -> {
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

  private static final class Out extends ByteArrayOutputStream {
    Out() {
      super(96);
    }

    byte[] buf() {
      return buf;
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
  }

  private static final class In {
    private final byte[] b;
    private final int end;
    private int pos;

    In(byte[] b, int end) {
      this.b = b;
      this.end = end;
    }

    boolean atEnd() {
      return pos == end;
    }

    private int next() {
      if (pos >= end) {
        throw new IllegalStateException("event ends early");
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

    long fixed(int at, int n) {
      long v = 0;
      for (int i = 0; i < n; i++) {
        v = v << 8 | (b[at + i] & 0xFF);
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
        throw new IllegalStateException("string runs past the event");
      }
      String s = new String(b, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }
  }
}
