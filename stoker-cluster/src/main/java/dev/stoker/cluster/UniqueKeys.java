package dev.stoker.cluster;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One unique key may be enqueued on both sides of a partition: each side sees no live task with it.
 * After the heal every replica holds both; the rule that makes one of them go, the same on every
 * node: the task with the smallest id keeps the key, and the home of each other live one cancels it
 * while it is still pending (ap-cluster.md §3, flaw 6). One already working runs to its end: a
 * duplicate of cause (e).
 */
public final class UniqueKeys {
  private UniqueKeys() {}

  /**
   * The pending tasks homed at {@code self} that lost their unique key to a task with a smaller id.
   */
  public static List<TaskId> toCancel(Collection<TaskReplica> tasks, int self) {
    Map<List<String>, List<Task>> live = new HashMap<>();
    for (TaskReplica r : tasks) {
      Task t = r.toTask();
      if (t != null && t.uniqueKey() != null && !t.state().isTerminal()) {
        live.computeIfAbsent(List.of(t.queue(), t.uniqueKey()), k -> new ArrayList<>()).add(t);
      }
    }
    List<TaskId> out = new ArrayList<>();
    for (List<Task> holders : live.values()) {
      if (holders.size() < 2) {
        continue;
      }
      holders.sort(Comparator.comparing(Task::id));
      for (Task t : holders.subList(1, holders.size())) {
        if (cancelsHere(t, self)) {
          out.add(t.id());
        }
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Of two live tasks with one unique key, the one that keeps it: the smaller id, on every node
   * alike.
   */
  public static Task keeper(Task a, Task b) {
    return a.id().compareTo(b.id()) <= 0 ? a : b;
  }

  /**
   * Whether node {@code self} cancels {@code loser}, a task that lost its unique key: only its home
   * does, so one cancel is made for it in the whole cluster, and only while it is pending (a task
   * already working runs to its end).
   */
  public static boolean cancelsHere(Task loser, int self) {
    return loser.state() == TaskState.PENDING && TaskReplica.homeOf(loser.id()) == self;
  }
}
