package dev.stoker.cluster;

import dev.stoker.core.TaskId;
import dev.stoker.core.Version;

/**
 * One state change, as replicated: made once by its origin node, numbered densely per origin, and
 * never changed afterwards (in particular never re-stamped by a node that relays it, so every copy
 * of an event is the same bytes; ap-cluster.md §1).
 *
 * <p>A {@link Kind#STATE} event carries the whole mutable {@link Register} of the task after the
 * change, its merged {@link Attempts}, and the {@link Body} when it starts a life of the task
 * (enqueue, redrive). A {@link Kind#PRUNE} event carries only the version it removes: it leaves a
 * tombstone, so that an older copy of the task still held somewhere never brings it back.
 *
 * @param origin the node that made the change (0..65535)
 * @param seq dense from 1 per origin, never reused (only synced events leave the origin)
 * @param hlc stamped once by the origin; receivers advance their HLC past it
 * @param version the task's version after the change (for a prune: the version pruned)
 * @param body the immutable part, or null
 * @param register the mutable part, null for a prune
 * @param attempts the task's attempts after the change, null for a prune
 */
public record Event(
    int origin,
    long seq,
    long hlc,
    TaskId taskId,
    Kind kind,
    Version version,
    Body body,
    Register register,
    Attempts attempts) {

  public enum Kind {
    STATE,
    PRUNE
  }

  public Event {
    if (origin < 0 || origin > 0xFFFF) {
      throw new IllegalArgumentException("origin must be 0..65535, was " + origin);
    }
    if (seq < 1) {
      throw new IllegalArgumentException("seq starts at 1, was " + seq);
    }
    if ((kind == Kind.STATE) != (register != null && attempts != null)) {
      throw new IllegalArgumentException(
          "a state event has a register and attempts, a prune neither");
    }
  }

  static Event prune(int origin, long seq, long hlc, TaskId id, Version pruned) {
    return new Event(origin, seq, hlc, id, Kind.PRUNE, pruned, null, null, null);
  }
}
