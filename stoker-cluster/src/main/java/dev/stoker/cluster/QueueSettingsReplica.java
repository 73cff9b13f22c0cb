package dev.stoker.cluster;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.store.SettingsPatch;
import java.util.Arrays;

/**
 * A node's replica of one queue's settings: every field is a last-writer-wins register of its own,
 * ordered by the (HLC, origin node) of the {@link Event.Kind#SETTINGS} event that wrote it
 * (docs/backends/cluster.md, "The merge"). A change writes only the fields it names, so a pause
 * made on one node and a lease changed on another at the same time both stick, and every replica
 * that applied the same events holds the same settings, whatever the order and however often each
 * came: each register keeps the largest write it was shown, a join.
 *
 * <p>The HLC makes "last" mean what a user expects: a node's clock is past every event it has
 * applied, so a change made after seeing another one (on any node) wins over it; only changes made
 * without knowledge of each other (two sides of a partition, or the same moment) are ordered by
 * their clocks, and a tie by the node's id.
 *
 * <p>Immutable. Fields are numbered as {@link #FIELDS} lists them.
 */
public final class QueueSettingsReplica {
  /** The settings' fields, in the order of their registers (and of the codecs' field masks). */
  static final String[] FIELDS = {
    "lease_ms",
    "max_attempts",
    "backoff.initial_ms",
    "backoff.multiplier",
    "backoff.max_ms",
    "retention_ms",
    "paused"
  };

  /** No field written yet: the queue has the default settings. */
  public static final QueueSettingsReplica EMPTY =
      new QueueSettingsReplica(new Write[FIELDS.length]);

  /** The write a field's register holds: its value and the stamp of the event that wrote it. */
  record Write(Object value, long hlc, int node) implements Comparable<Write> {
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public int compareTo(Write o) {
      int c = Long.compare(hlc, o.hlc);
      if (c == 0) {
        c = Integer.compare(node, o.node);
      }
      // One event per (HLC, node) in a correct cluster; the value decides anyway, so that even a
      // reused stamp leaves every replica with the same value.
      return c != 0 ? c : ((Comparable) value).compareTo(o.value);
    }
  }

  private final Write[] writes;

  QueueSettingsReplica(Write[] writes) {
    this.writes = writes;
  }

  /** This replica after applying {@code e}, a settings event of this queue. */
  public QueueSettingsReplica apply(Event e) {
    if (e.kind() != Event.Kind.SETTINGS) {
      throw new IllegalArgumentException("not a settings event: " + e.kind());
    }
    Object[] values = values(e.settings().patch());
    Write[] next = writes.clone();
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        Write w = new Write(values[i], e.hlc(), e.origin());
        if (next[i] == null || w.compareTo(next[i]) > 0) {
          next[i] = w;
        }
      }
    }
    return Arrays.equals(next, writes) ? this : new QueueSettingsReplica(next);
  }

  /** The winning value of every field ever written; null for a field never written. */
  public SettingsPatch values() {
    Object[] v = new Object[FIELDS.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = writes[i] == null ? null : writes[i].value();
    }
    return patch(v);
  }

  /**
   * The settings: {@code base} with every field this replica holds a write of replaced by the
   * write's value. {@code base} is {@link QueueSettings#DEFAULT} for a queue whose every change
   * came as an event; a queue's settings from before they were replicated keep the fields nobody
   * changed since.
   */
  public QueueSettings over(QueueSettings base) {
    return values().applyTo(base);
  }

  /** The write field {@code i} holds, or null. */
  Write write(int i) {
    return writes[i];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QueueSettingsReplica r && Arrays.equals(writes, r.writes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(writes);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("QueueSettingsReplica{");
    for (int i = 0; i < FIELDS.length; i++) {
      if (writes[i] != null) {
        s.append(FIELDS[i]).append('=').append(writes[i]).append(' ');
      }
    }
    return s.append('}').toString();
  }

  /** A patch's fields as an array in {@link #FIELDS} order, null where it sets none. */
  static Object[] values(SettingsPatch p) {
    return new Object[] {
      p.leaseMs(),
      p.maxAttempts(),
      p.backoffInitialMs(),
      p.backoffMultiplier(),
      p.backoffMaxMs(),
      p.retentionMs(),
      p.paused()
    };
  }

  /** The patch of an array of {@link #values}. */
  static SettingsPatch patch(Object[] v) {
    return new SettingsPatch(
        (Long) v[0],
        (Integer) v[1],
        (Long) v[2],
        (Double) v[3],
        (Long) v[4],
        (Long) v[5],
        (Boolean) v[6]);
  }
}
