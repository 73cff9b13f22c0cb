package dev.stoker.cluster;

import dev.stoker.core.Lease;
import dev.stoker.core.LeaseToken;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;

/**
 * One replica's state of one task: the join of every event of the task it applied (ap-cluster.md
 * §3). {@link #apply} depends only on the set of events applied, not on their order nor on
 * duplicates; the property tests check it.
 *
 * <p>The parts and how each joins:
 *
 * <ul>
 *   <li>{@code version} and {@code register}: the event with the largest version wins; among events
 *       of one version (a claim and its heartbeats) the later lease wins ({@link
 *       Register#compareWithinVersion}).
 *   <li>{@code attempts}: {@link Attempts#merge}, so both sides' claims of a partition count.
 *   <li>{@code body}: immutable, taken from any event that carries it (enqueue, redrive). Until one
 *       arrives the task is <em>body-pending</em>: its state is kept but it is invisible ({@link
 *       #toTask} is null), because events of different origins arrive in any order.
 *   <li>{@code tombstone}: the largest version a prune removed. Everything at or below it is
 *       dropped and stays dropped, so a replica that still holds the pruned task cannot bring it
 *       back; a version above it (a redrive made elsewhere) is a new life of the task and is kept.
 * </ul>
 *
 * <p>Why dropping below the tombstone keeps the merge order-independent: each part is the maximum
 * of a set (by version, or by generation for the attempts) filtered by "above the tombstone", and
 * the tombstone only rises. When it rises past the part's maximum, every element of the set is
 * below it too, so dropping the part is exactly what the filter computes; when it does not, the
 * maximum survives. The attempts are filtered by generation alone (above the tombstone's
 * generation), for the same reason.
 */
public record TaskReplica(
    TaskId id,
    Version tombstone,
    Version bodyVersion,
    Body body,
    Version version,
    Register register,
    Attempts attempts) {

  public static TaskReplica empty(TaskId id) {
    return new TaskReplica(id, null, null, null, null, null, null);
  }

  /** This replica after applying {@code e}, an event of this task. */
  public TaskReplica apply(Event e) {
    if (!id.equals(e.taskId())) {
      throw new IllegalArgumentException("event of task " + e.taskId() + " applied to " + id);
    }
    Version tomb = tombstone;
    if (e.kind() == Event.Kind.PRUNE && (tomb == null || e.version().isAfter(tomb))) {
      tomb = e.version();
    }
    Version v = version;
    Register reg = register;
    Attempts att = attempts;
    Version bv = bodyVersion;
    Body b = body;
    if (e.kind() == Event.Kind.STATE
        && (tomb == null || e.attempts().generation() > tomb.generation())) {
      att = att == null ? e.attempts() : Attempts.merge(att, e.attempts());
    }
    if (e.kind() == Event.Kind.STATE && above(e.version(), tomb)) {
      int c = v == null ? 1 : e.version().compareTo(v);
      if (c > 0 || (c == 0 && e.register().compareWithinVersion(reg) > 0)) {
        v = e.version();
        reg = e.register();
      }
      if (e.body() != null && (bv == null || e.version().isAfter(bv))) {
        bv = e.version();
        b = e.body();
      }
    }
    if (v != null && !above(v, tomb)) {
      v = null;
      reg = null;
    }
    if (bv != null && !above(bv, tomb)) {
      bv = null;
      b = null;
    }
    if (att != null && tomb != null && att.generation() <= tomb.generation()) {
      att = null;
    }
    return new TaskReplica(id, tomb, bv, b, v, reg, att);
  }

  private static boolean above(Version v, Version tombstone) {
    return tombstone == null || v.isAfter(tombstone);
  }

  /** Whether a prune removed this task's current life (only the tombstone is left). */
  public boolean isPruned() {
    return tombstone != null && register == null;
  }

  /**
   * Whether the body has not arrived yet (a later event of the task arrived before its enqueue).
   */
  public boolean isBodyPending() {
    return register != null && body == null;
  }

  /**
   * The task as the rest of Stoker sees it, or null while it is invisible (pruned or body-pending).
   * Its {@code attempt} is the merged count; its lease token is rebuilt from the id and the version
   * (the server signs it on the way out, as on one node).
   */
  public Task toTask() {
    if (register == null || body == null) {
      return null;
    }
    Lease lease =
        register.state() == TaskState.WORKING
            ? new Lease(
                register.leaseOwner(),
                LeaseToken.of(id, version).encode(),
                register.leaseExpiresAt(),
                register.progressJson())
            : null;
    int attempt =
        attempts != null && attempts.generation() == version.generation() ? attempts.total() : 0;
    return new Task(
        id,
        body.queue(),
        body.name(),
        body.paramsJson(),
        body.priority(),
        register.runAt(),
        body.uniqueKey(),
        body.maxAttempts(),
        attempt,
        register.state(),
        version,
        lease,
        register.resultJson(),
        register.lastError(),
        body.createdAt(),
        register.updatedAt(),
        body.traceparent());
  }

  /** The node that made this task's home: the node that accepted its enqueue (it is in the id). */
  public int home() {
    return homeOf(id);
  }

  public static int homeOf(TaskId id) {
    return (int) (id.hi() & 0xFFFF);
  }
}
