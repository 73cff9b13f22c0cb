package dev.stoker.cluster;

import dev.stoker.core.Hlc;
import dev.stoker.core.TaskId;
import dev.stoker.core.Version;

/**
 * The bytes of an {@link Event}, the same in the log and on the wire, so a relayed event is the
 * bytes its origin wrote. Lean on purpose (ap-cluster.md §7: at most 100 bytes for a state event
 * without params or result): small numbers are varints, times are zigzag deltas from the event's
 * own HLC millisecond, the version's HLC is written only when it differs from the event's (a
 * heartbeat), and a CRC32C closes the record so a torn or rotten record is refused, not misread.
 *
 * <pre>
 * format u8 (=1) | flags u8 | origin u16 | seq varint | hlc i64 | id.hi i64 | id.lo i64
 * version: done&lt;&lt;4|rank&lt;&lt;1|phase u8 | generation zz | epoch zz | [hlc i64] | node u16
 * state:   state u8 | run_at Δ | owner str | [expires_at Δ, with an owner] | updated_at Δ | result str
 *          | last_error str | attempts: generation zz | n | (node u16, claims varint)* | m | (node u16, releases varint)*
 * body:    queue str | name str | params str | priority zz | unique_key str | max_attempts zz | created_at Δ
 *          | [traceparent str, with flag 8]
 * progress: [progress str, with flag 32: the lease's progress, after everything else]
 * crc32c u32 over everything before
 *
 * settings event (flag 16): format u8 | flags u8 | origin u16 | seq varint | hlc i64 | queue str
 *          | field mask u8 | the fields set, in mask order | crc32c u32
 * </pre>
 *
 * <p>Flags: 1 prune, 2 body present, 4 version HLC written, 8 the body has a traceparent, 16 a
 * settings event (no task: {@link Bytes#settings}), 32 the register has a progress (added later: an
 * event without one is the bytes it always was). A string is a varint of its UTF-8 length plus one
 * (0 = null) and the bytes; Δ is a zigzag varint of the difference to the event's HLC millisecond.
 */
public final class EventCodec {
  private static final int FORMAT = 1;
  private static final int PRUNE = 1;
  private static final int BODY = 2;
  private static final int VERSION_HLC = 4;
  private static final int TRACE = 8;
  private static final int SETTINGS = 16;
  private static final int PROGRESS = 32;

  private EventCodec() {}

  public static byte[] encode(Event e) {
    Bytes.Out out = new Bytes.Out();
    if (e.kind() == Event.Kind.SETTINGS) {
      return encodeSettings(out, e);
    }
    long ms = Hlc.physicalMillis(e.hlc());
    Version v = e.version();
    int flags =
        (e.kind() == Event.Kind.PRUNE ? PRUNE : 0)
            | (e.body() != null ? BODY : 0)
            | (v.hlc() != e.hlc() ? VERSION_HLC : 0)
            | (e.body() != null && e.body().traceparent() != null ? TRACE : 0)
            | (e.register() != null && e.register().progressJson() != null ? PROGRESS : 0);
    out.write(FORMAT);
    out.write(flags);
    out.u16(e.origin());
    out.varint(e.seq());
    out.i64(e.hlc());
    out.i64(e.taskId().hi());
    out.i64(e.taskId().lo());
    Bytes.version(out, v, (flags & VERSION_HLC) != 0);
    if (e.register() != null) {
      Bytes.register(out, e.register(), ms);
      Bytes.attempts(out, e.attempts());
    }
    if (e.body() != null) {
      Bytes.body(out, e.body(), ms);
      if ((flags & TRACE) != 0) {
        out.str(e.body().traceparent());
      }
    }
    if ((flags & PROGRESS) != 0) {
      out.str(e.register().progressJson());
    }
    return out.sealed();
  }

  private static byte[] encodeSettings(Bytes.Out out, Event e) {
    out.write(FORMAT);
    out.write(SETTINGS);
    out.u16(e.origin());
    out.varint(e.seq());
    out.i64(e.hlc());
    out.str(e.settings().queue());
    Bytes.settings(out, QueueSettingsReplica.values(e.settings().patch()));
    return out.sealed();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a whole, intact event of a known format
   */
  public static Event decode(byte[] bytes) {
    Bytes.In in = Bytes.In.open(bytes, "an event");
    try {
      return read(in);
    } catch (ArrayIndexOutOfBoundsException | IllegalStateException e) {
      throw new IllegalArgumentException("malformed event: " + e.getMessage(), e);
    }
  }

  private static Event read(Bytes.In in) {
    int format = in.u8();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown event format " + format);
    }
    int flags = in.u8();
    int origin = in.u16();
    long seq = in.varint();
    long hlc = in.i64();
    if ((flags & SETTINGS) != 0) {
      String queue = in.str();
      if (queue == null) {
        throw new IllegalArgumentException("a settings event names no queue");
      }
      SettingsChange change =
          new SettingsChange(queue, QueueSettingsReplica.patch(Bytes.settings(in)));
      if (flags != SETTINGS || !in.atEnd()) {
        throw new IllegalArgumentException("malformed settings event");
      }
      return Event.settings(origin, seq, hlc, change);
    }
    long ms = Hlc.physicalMillis(hlc);
    TaskId id = new TaskId(in.i64(), in.i64());
    Version v = Bytes.version(in, (flags & VERSION_HLC) != 0 ? null : hlc);
    Register r = null;
    Attempts a = null;
    if ((flags & PRUNE) == 0) {
      r = Bytes.register(in, ms);
      a = Bytes.attempts(in);
    }
    Body b = (flags & BODY) != 0 ? Bytes.body(in, ms) : null;
    if (b != null && (flags & TRACE) != 0) {
      b = b.inTrace(in.str());
    }
    if ((flags & PROGRESS) != 0) {
      if (r == null) {
        throw new IllegalArgumentException("a prune event has no progress");
      }
      r = r.withProgress(in.str());
    }
    if (!in.atEnd()) {
      throw new IllegalArgumentException("trailing bytes after the event");
    }
    return new Event(
        origin,
        seq,
        hlc,
        id,
        (flags & PRUNE) != 0 ? Event.Kind.PRUNE : Event.Kind.STATE,
        v,
        b,
        r,
        a,
        null);
  }
}
