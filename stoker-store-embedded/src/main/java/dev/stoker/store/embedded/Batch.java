package dev.stoker.store.embedded;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.store.embedded.Codec.Stored;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * One group commit: the writes of every command the sequencer took in one round, staged in a
 * {@link WriteBatchWithIndex} so that later commands of the round read what earlier ones wrote, and
 * written to disk with one sync.
 *
 * <p>{@link #write} is the single place where a task's indexes and counts follow its state: every
 * operation computes the new task with {@code Transitions} and hands old and new here.
 *
 * <p>Each command runs between {@link #begin} and {@link #commit} (or {@link #abort}, which rolls its
 * writes back), so a command that fails half-way leaves nothing behind.
 */
final class Batch implements AutoCloseable {
  final Storage storage;
  final WriteBatchWithIndex wb = new WriteBatchWithIndex(true);
  final long now;

  private final Map<QueueState, long[]> counts = new HashMap<>();
  private final Map<QueueState, long[]> commandCounts = new HashMap<>();
  private final Set<String> signals = new HashSet<>();
  private final Set<String> commandSignals = new HashSet<>();
  private final Map<QueueState, byte[]> floors = new HashMap<>();
  private final List<QueueState> commandCreated = new ArrayList<>();
  private long due = Long.MAX_VALUE;
  private long maxHlc;
  private boolean dirty;

  Batch(Storage storage, long now) {
    this.storage = storage;
    this.now = now;
  }

  void begin() {
    wb.setSavePoint();
  }

  void commit() throws RocksDBException {
    wb.popSavePoint();
    commandCounts.forEach((q, d) -> {
      long[] into = counts.computeIfAbsent(q, k -> new long[QueueState.SLOTS]);
      for (int i = 0; i < d.length; i++) {
        into[i] += d[i];
      }
    });
    commandCounts.clear();
    signals.addAll(commandSignals);
    commandSignals.clear();
    commandCreated.clear();
  }

  /** Rolls back the current command: its writes, its counts, and the queues it created. */
  void abort() throws RocksDBException {
    wb.rollbackToSavePoint();
    commandCounts.clear();
    commandSignals.clear();
    commandCreated.forEach(storage.catalog::remove);
    commandCreated.clear();
  }

  Stored load(TaskId id) throws RocksDBException {
    byte[] bytes = wb.getFromBatchAndDB(storage.db, storage.tasks, storage.readOptions, Keys.task(id));
    if (bytes == null) {
      return null;
    }
    QueueState q = storage.catalog.byId(Codec.queueOf(bytes));
    return Codec.decodeTask(bytes, q.name);
  }

  byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
    return wb.getFromBatchAndDB(storage.db, cf, storage.readOptions, key);
  }

  void put(ColumnFamilyHandle cf, byte[] key, byte[] value) throws RocksDBException {
    wb.put(cf, key, value);
    dirty = true;
  }

  void delete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
    wb.delete(cf, key);
    dirty = true;
  }

  /**
   * Up to {@code limit} keys of {@code cf} from {@code from} on that start with {@code prefix}, as this
   * batch sees them. The iterator is closed before the caller writes: a batch must not change under
   * an open iterator.
   */
  List<byte[]> scan(ColumnFamilyHandle cf, byte[] from, byte[] prefix, int limit) {
    List<byte[]> keys = new ArrayList<>(Math.min(limit, 256));
    try (RocksIterator base = storage.db.newIterator(cf, storage.readOptions);
        RocksIterator it = wb.newIteratorWithBase(cf, base)) {
      for (it.seek(from); it.isValid() && keys.size() < limit; it.next()) {
        byte[] key = it.key();
        if (!Keys.startsWith(key, prefix)) {
          break;
        }
        keys.add(key);
      }
    }
    return keys;
  }

  /** Stores {@code after} (a new task when {@code before} is null) and moves its index entries. */
  void write(Stored before, Task after) throws RocksDBException {
    QueueState q = storage.catalog.byName(after.queue());
    TaskId id = after.id();
    boolean scheduled = after.state() == TaskState.PENDING && after.runAt() > now;
    long[] delta = commandCounts.computeIfAbsent(q, k -> new long[QueueState.SLOTS]);
    TaskState previous = null;
    if (before != null) {
      Task b = before.task();
      previous = b.state();
      unindex(q, b, before.scheduled());
      delta[QueueState.slot(b.state(), before.scheduled())]--;
    } else {
      put(storage.byQueue, Keys.byQueue(q.id, id), Empty.BYTES);
    }
    if (previous != after.state()) {
      if (previous != null) {
        delete(storage.byState, Keys.byState(q.id, previous, id));
      }
      put(storage.byState, Keys.byState(q.id, after.state(), id), Empty.BYTES);
    }
    index(q, after, scheduled, previous);
    delta[QueueState.slot(after.state(), scheduled)]++;
    put(storage.tasks, Keys.task(id), Codec.encodeTask(after, q.id, scheduled));
    maxHlc = Math.max(maxHlc, after.version().hlc());
  }

  private void unindex(QueueState q, Task b, boolean wasScheduled) throws RocksDBException {
    switch (b.state()) {
      case PENDING -> {
        if (wasScheduled) {
          delete(storage.scheduled, Keys.timed(b.runAt(), b.id()));
        } else {
          delete(storage.ready, Keys.ready(q.id, b.priority(), b.runAt(), b.id()));
        }
      }
      case WORKING -> delete(storage.leases, Keys.timed(b.lease().expiresAt(), b.id()));
      default -> { } // finished tasks leave their expiry entry; the pruner checks it is still due
    }
  }

  private void index(QueueState q, Task t, boolean scheduled, TaskState previous) throws RocksDBException {
    switch (t.state()) {
      case PENDING -> {
        if (scheduled) {
          putTimed(storage.scheduled, t.runAt(), t.id());
          due(t.runAt());
        } else {
          byte[] key = Keys.ready(q.id, t.priority(), t.runAt(), t.id());
          put(storage.ready, key, Empty.BYTES);
          lowerFloor(q, key);
          commandSignals.add(q.name);
        }
        if (previous != null && previous.isTerminal()) {
          claimUniqueKey(q, t);
        }
      }
      case WORKING -> {
        putTimed(storage.leases, t.lease().expiresAt(), t.id());
        due(t.lease().expiresAt() + 1);
      }
      default -> {
        if (previous == null || !previous.isTerminal()) {
          long pruneAt = t.updatedAt() + q.settings().retentionMs();
          putTimed(storage.expiry, pruneAt, t.id());
          due(pruneAt);
          releaseUniqueKey(q, t);
        }
      }
    }
  }

  void putTimed(ColumnFamilyHandle index, long millis, TaskId id) throws RocksDBException {
    put(index, Keys.timed(millis, id), Empty.BYTES);
    storage.lowerTimedFloor(index, millis);
  }

  /** Records that the live task {@code t} holds its unique key, unless another live task does. */
  void claimUniqueKey(QueueState q, Task t) throws RocksDBException {
    if (t.uniqueKey() == null) {
      return;
    }
    byte[] key = Keys.unique(q.id, t.uniqueKey());
    if (get(storage.unique, key) == null) {
      put(storage.unique, key, Keys.task(t.id()));
    }
  }

  private void releaseUniqueKey(QueueState q, Task t) throws RocksDBException {
    if (t.uniqueKey() == null) {
      return;
    }
    byte[] key = Keys.unique(q.id, t.uniqueKey());
    byte[] holder = get(storage.unique, key);
    if (holder != null && Keys.taskId(holder, 0).equals(t.id())) {
      delete(storage.unique, key);
    }
  }

  /** Removes a finished task and everything that points at it. */
  void prune(Stored stored) throws RocksDBException {
    Task t = stored.task();
    QueueState q = storage.catalog.byName(t.queue());
    delete(storage.tasks, Keys.task(t.id()));
    delete(storage.byQueue, Keys.byQueue(q.id, t.id()));
    delete(storage.byState, Keys.byState(q.id, t.state(), t.id()));
    commandCounts.computeIfAbsent(q, k -> new long[QueueState.SLOTS])[QueueState.slot(t.state(), false)]--;
  }

  byte[] floor(QueueState q) {
    byte[] f = floors.containsKey(q) ? floors.get(q) : q.readyFloor;
    return f != null ? f : Keys.queuePrefix(q.id);
  }

  /** After a claim scanned the ready index up to {@code key}: nothing live is left below it. */
  void raiseFloor(QueueState q, byte[] key) {
    floors.put(q, key);
  }

  private void lowerFloor(QueueState q, byte[] key) {
    byte[] f = floors.containsKey(q) ? floors.get(q) : q.readyFloor;
    if (f != null && java.util.Arrays.compareUnsigned(key, f) < 0) {
      floors.put(q, key);
    }
  }

  void due(long millis) {
    due = Math.min(due, millis);
  }

  /** Records a queue the current command created, so that an abort forgets it again. */
  void created(QueueState q) {
    commandCreated.add(q);
  }

  void signal(String queue) {
    commandSignals.add(queue);
  }

  boolean dirty() {
    return dirty;
  }

  /** Adds what the batch changes beyond task records: counts per queue, the largest HLC. */
  void finish() throws RocksDBException {
    for (Map.Entry<QueueState, long[]> e : counts.entrySet()) {
      long[] after = e.getKey().rawCounts();
      for (int i = 0; i < after.length; i++) {
        after[i] += e.getValue()[i];
      }
      put(storage.counts, Keys.queue(e.getKey().id), Codec.encodeCounts(after));
    }
    if (maxHlc > 0) {
      put(storage.meta, Keys.META_HLC, Codec.encodeLong(maxHlc));
    }
  }

  /** Publishes the batch to memory once it is on disk. */
  void applyToMemory() {
    counts.forEach(QueueState::add);
    floors.forEach((q, f) -> q.readyFloor = f);
  }

  Set<String> signals() {
    return signals;
  }

  long due() {
    return due;
  }

  @Override
  public void close() {
    wb.close();
  }
}
