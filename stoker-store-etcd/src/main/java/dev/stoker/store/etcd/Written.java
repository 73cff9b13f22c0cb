package dev.stoker.store.etcd;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The records of the live tasks this server last wrote (enqueues, claims, heartbeats, releases),
 * each with the mod revision its transaction gave it: a claim of a pending task, or a worker's next
 * write through this server (a completion, a heartbeat), starts from it instead of reading the
 * record first, which saves a round trip per batch. It is only a guess at what is stored: the write
 * compares the mod revision as always, so when anyone else changed the task since (another server,
 * a sweep), the write fails its compare and the store reads the record and decides again.
 */
final class Written {
  /**
   * Beyond this many, the guesses are dropped all at once: entries of tasks finished through other
   * servers are never removed otherwise, and a dropped guess costs one read.
   */
  static final int MAX = 16_384;

  private final Map<TaskId, Stored> records = new ConcurrentHashMap<>();

  /** A transaction of this server committed these tasks at {@code revision}. */
  void committed(List<Task> tasks, long revision) {
    for (Task t : tasks) {
      if (!t.state().isTerminal()) {
        if (records.size() >= MAX) {
          records.clear();
        }
        records.put(t.id(), new Stored(t, revision));
      } else {
        records.remove(t.id());
      }
    }
  }

  /** These tasks may be stored otherwise than this server guessed. */
  void forget(List<TaskId> ids) {
    ids.forEach(records::remove);
  }

  /** The task as this server last wrote it, or null. */
  Stored get(TaskId id) {
    return records.get(id);
  }
}
