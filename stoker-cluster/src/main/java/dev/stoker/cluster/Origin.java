package dev.stoker.cluster;

import dev.stoker.core.Stamp;
import dev.stoker.core.Task;

/**
 * This node as the origin of events: it turns each local transition into the next {@link Event} of
 * its log. This is the hook the embedded store calls inside its write round: for every transition a
 * command makes, {@code stateEvent} gives the event to put into the own-log column family of the
 * same WriteBatch as the task record, so the event is synced with the change, before the reply.
 *
 * <p>Numbers are dense and never reused: after a crash the origin resumes after the last synced
 * event ({@link #Origin(int, long)} with the log's own high-water mark), and only synced events are
 * ever sent to peers, so no peer can hold a number the origin hands out again. A command rolled
 * back within a round gives its numbers back with {@link #rollbackTo}.
 */
public final class Origin {
  private final int node;
  private long lastSeq;

  /**
   * @param lastSeq the last event of this node's own log that survived (0 for a new node)
   */
  public Origin(int node, long lastSeq) {
    this.node = node;
    this.lastSeq = lastSeq;
  }

  public int node() {
    return node;
  }

  public long lastSeq() {
    return lastSeq;
  }

  /** Forgets the events numbered after {@code seq}, made by a command that was rolled back. */
  public void rollbackTo(long seq) {
    if (seq > lastSeq) {
      throw new IllegalArgumentException("cannot roll forward from " + lastSeq + " to " + seq);
    }
    lastSeq = seq;
  }

  /**
   * The event of a transition this node made.
   *
   * @param current the task's replica before the transition, or null for an enqueue
   * @param after the task after the transition ({@link dev.stoker.core.Transitions})
   * @param at the stamp the transition was made with: its HLC timestamp is the event's
   */
  public Event stateEvent(TaskReplica current, Task after, Stamp at) {
    Task before = current == null ? null : current.toTask();
    boolean newLife =
        before == null || after.version().generation() > before.version().generation();
    Attempts attempts =
        current == null || current.attempts() == null ? Attempts.NONE : current.attempts();
    int delta = after.attempt() - (before == null || newLife ? 0 : before.attempt());
    return new Event(
        node,
        ++lastSeq,
        at.hlc(),
        after.id(),
        Event.Kind.STATE,
        after.version(),
        newLife ? Body.of(after) : null,
        Register.of(after),
        attempts.after(after.version().generation(), node, delta),
        null);
  }

  /** The event that prunes a finished task after its retention, leaving its tombstone. */
  public Event pruneEvent(TaskReplica current, Stamp at) {
    if (current.register() == null || !current.register().state().isTerminal()) {
      throw new IllegalStateException("only a finished task is pruned: " + current.id());
    }
    return Event.prune(node, ++lastSeq, at.hlc(), current.id(), current.version());
  }

  /**
   * The event of a change to some of a queue's settings this node made: the fields {@code change}
   * sets, stamped with {@code at}'s HLC, which orders them against every other write of the same
   * fields ({@link QueueSettingsReplica}).
   */
  public Event settingsEvent(SettingsChange change, Stamp at) {
    return Event.settings(node, ++lastSeq, at.hlc(), change);
  }
}
