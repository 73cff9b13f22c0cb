package dev.stoker.cluster;

import dev.stoker.core.Hlc;
import dev.stoker.core.TaskId;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * A node's replica of every task: tasks by id, each the join of the events applied to it. In
 * memory; the embedded store keeps the same records in its {@code tasks} column family and derives
 * its indexes from each {@link Change}.
 */
public final class Replica {
  private final Map<TaskId, TaskReplica> tasks = new HashMap<>();

  /** The change an event makes (before is the empty replica for a task seen for the first time). */
  public record Change(TaskReplica before, TaskReplica after) {
    public boolean changed() {
      return !before.equals(after);
    }
  }

  /** Applies an event of a task (a queue's settings event is {@link QueueSettingsReplica}'s). */
  public Change apply(Event e) {
    if (e.kind() == Event.Kind.SETTINGS) {
      throw new IllegalArgumentException("a settings event is not a task's: " + e);
    }
    TaskReplica before = tasks.getOrDefault(e.taskId(), TaskReplica.empty(e.taskId()));
    TaskReplica after = before.apply(e);
    tasks.put(e.taskId(), after);
    return new Change(before, after);
  }

  /** The task's replica, or null if no event of it was applied (or its tombstone was forgotten). */
  public TaskReplica get(TaskId id) {
    return tasks.get(id);
  }

  public Collection<TaskReplica> all() {
    return Collections.unmodifiableCollection(tasks.values());
  }

  /** A copy of the state, for comparing replicas. */
  public Map<TaskId, TaskReplica> snapshot() {
    return Map.copyOf(tasks);
  }

  /**
   * Forgets tombstones of tasks pruned long enough ago: those whose pruned version was made before
   * {@code horizonMillis} (retention + gc_grace ago). This is a local clean-up outside the merge:
   * an event of such a task that arrives later would bring it back, so the horizon must exceed how
   * long a node can stay out of contact and still catch up by events; a node gone longer rejoins by
   * snapshot (ap-cluster.md §3, flaw 5).
   *
   * @return how many were forgotten
   */
  public int forgetTombstonesBefore(long horizonMillis) {
    int before = tasks.size();
    tasks
        .values()
        .removeIf(
            t ->
                t.isPruned()
                    && t.bodyVersion() == null
                    && Hlc.physicalMillis(t.tombstone().hlc()) < horizonMillis);
    return before - tasks.size();
  }
}
