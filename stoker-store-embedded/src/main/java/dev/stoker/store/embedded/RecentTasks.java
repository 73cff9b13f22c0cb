package dev.stoker.store.embedded;

import dev.stoker.core.TaskId;
import dev.stoker.store.embedded.Codec.Stored;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The task records written last, decoded, so that loading one of them again skips the RocksDB read:
 * a task is loaded when it is claimed and again when it is completed, often milliseconds after it
 * was written (the read was 18 % of the writer thread's CPU in W1, docs/performance.md). It holds
 * only what the database holds: a round's records come in once the round is written. Least recently
 * used records leave first. Used by the writer thread only, so it needs no locking.
 */
final class RecentTasks {
  /** About 20 MB of decoded tasks with ~200-byte params. */
  static final int CAPACITY = 32_768;

  private final Map<TaskId, Stored> records = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<TaskId, Stored> eldest) {
      return size() > CAPACITY;
    }
  };

  Stored get(TaskId id) {
    return records.get(id);
  }

  /** Records what a round wrote: a task record, or null for a deleted one. */
  void written(TaskId id, Stored record) {
    if (record == null) {
      records.remove(id);
    } else {
      records.put(id, record);
    }
  }
}
