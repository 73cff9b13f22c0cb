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
 * tombstone, so that an older copy of the task still held somewhere never brings it back. A {@link
 * Kind#SETTINGS} event belongs to no task: it carries the fields of a queue's settings that one
 * change set ({@link SettingsChange}), merged field by field ({@link QueueSettingsReplica}).
 *
 * @param origin the node that made the change (0..65535)
 * @param seq dense from 1 per origin, never reused (only synced events leave the origin)
 * @param hlc stamped once by the origin; receivers advance their HLC past it
 * @param taskId the task changed, null for a settings event
 * @param version the task's version after the change (for a prune: the version pruned), null for a
 *     settings event
 * @param body the immutable part, or null
 * @param register the mutable part, null for a prune or a settings event
 * @param attempts the task's attempts after the change, null for a prune or a settings event
 * @param settings the queue settings a settings event changes, null for a task's event
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
    Attempts attempts,
    SettingsChange settings) {

  public enum Kind {
    STATE,
    PRUNE,
    SETTINGS
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
    if ((kind == Kind.SETTINGS) != (settings != null)
        || (kind == Kind.SETTINGS) == (taskId != null && version != null)) {
      throw new IllegalArgumentException(
          "a settings event has settings and no task, a task's event a task and no settings");
    }
  }

  static Event prune(int origin, long seq, long hlc, TaskId id, Version pruned) {
    return new Event(origin, seq, hlc, id, Kind.PRUNE, pruned, null, null, null, null);
  }

  static Event settings(int origin, long seq, long hlc, SettingsChange change) {
    return new Event(origin, seq, hlc, null, Kind.SETTINGS, null, null, null, null, change);
  }
}
