package dev.stoker.store.embedded;

import dev.stoker.cluster.TaskReplica;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.store.embedded.Codec.Stored;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * One group commit: the writes of every command the sequencer took in one round, staged in a {@link
 * WriteBatch} and written to disk with one sync.
 *
 * <p>Later commands of the round read what earlier ones wrote: every write also goes to an
 * in-memory overlay, one sorted map per column family, which {@link #get}, {@link #load} and {@link
 * #scan} consult before the database. (A {@code WriteBatchWithIndex} does the same, but keeping its
 * native skiplist index cost the writer thread more than the writes themselves:
 * docs/performance.md.)
 *
 * <p>{@link #write} is the single place where a task's indexes and counts follow its state: every
 * operation computes the new task with {@code Transitions} and hands old and new here.
 *
 * <p>Each command runs between {@link #begin} and {@link #commit} (or {@link #abort}, which rolls
 * its writes back), so a command that fails half-way leaves nothing behind.
 */
final class Batch implements AutoCloseable {
  /** Marks a key this round deleted; compared by identity, never written. */
  private static final byte[] TOMBSTONE = new byte[0];

  final Storage storage;
  final WriteBatch wb = new WriteBatch();
  final long now;

  /** The cluster's event log in cluster mode, else null: a single node does no cluster work. */
  private final ClusterLog cluster;

  /**
   * What this round wrote, per column family: the latest value of each key, or {@link #TOMBSTONE}.
   * Keyed by identity: {@code ColumnFamilyHandle.hashCode} and {@code equals} are JNI calls.
   */
  private final Map<ColumnFamilyHandle, TreeMap<byte[], byte[]>> overlay = new IdentityHashMap<>();

  /**
   * The overlay's previous state of every key written since the oldest open savepoint, newest last,
   * so that {@link #abort} can put the overlay back where the write batch goes back to.
   */
  private final List<Undo> undo = new ArrayList<>();

  /** Per open savepoint, innermost last: the size of {@link #undo} when it was set. */
  private final List<Integer> savepoints = new ArrayList<>();

  /** A key's overlay value before a write; {@code previous} null means it had none. */
  private record Undo(TreeMap<byte[], byte[]> map, byte[] key, byte[] previous) {}

  private final Map<QueueState, long[]> counts = new HashMap<>();
  private final Map<QueueState, long[]> commandCounts = new HashMap<>();
  private final Set<String> signals = new HashSet<>();
  private final Set<String> commandSignals = new HashSet<>();

  /** The range of a queue's ready index a floor is for: the whole queue, or one home's. */
  private record Range(QueueState queue, int home) {}

  /** The range of a single node's ready index: the whole queue. */
  static final int QUEUE_RANGE = -1;

  private final Map<Range, byte[]> floors = new HashMap<>();
  private final List<QueueState> commandCreated = new ArrayList<>();

  /**
   * Transitions to report to the store's observer once the round is durable: all, and the current
   * command's.
   */
  private final List<Observed> observed = new ArrayList<>();

  private final List<Observed> commandObserved = new ArrayList<>();

  /** A transition the port's replies do not carry: a lease that ran out, or a redrive. */
  record Observed(boolean expired, Task task) {
    void report(StoreObserver observer) {
      if (expired) {
        observer.leaseExpired(task);
      } else {
        observer.redriven(task);
      }
    }
  }

  private long due = Long.MAX_VALUE;
  private long maxHlc;
  private boolean dirty;

  Batch(Storage storage, long now) {
    this(storage, now, null);
  }

  Batch(Storage storage, long now, ClusterLog cluster) {
    this.storage = storage;
    this.now = now;
    this.cluster = cluster;
  }

  void begin() {
    wb.setSavePoint();
    savepoints.add(undo.size());
    if (cluster != null) {
      cluster.begin();
    }
  }

  void commit() throws RocksDBException {
    wb.popSavePoint();
    savepoints.removeLast();
    if (cluster != null) {
      cluster.commit();
    }
    if (savepoints.isEmpty()) {
      undo.clear(); // nothing left to roll back to
    }
    commandCounts.forEach(
        (q, d) -> {
          long[] into = counts.computeIfAbsent(q, k -> new long[QueueState.SLOTS]);
          for (int i = 0; i < d.length; i++) {
            into[i] += d[i];
          }
        });
    commandCounts.clear();
    signals.addAll(commandSignals);
    commandSignals.clear();
    commandCreated.clear();
    observed.addAll(commandObserved);
    commandObserved.clear();
  }

  /** Rolls back the current command: its writes, its counts, and the queues it created. */
  void abort() throws RocksDBException {
    wb.rollbackToSavePoint();
    // rollbackToSavePoint also removes the savepoint, like popSavePoint
    int mark = savepoints.removeLast();
    if (cluster != null) {
      cluster.abort();
    }
    for (int i = undo.size() - 1; i >= mark; i--) {
      Undo u = undo.remove(i);
      if (u.previous == null) {
        u.map.remove(u.key);
      } else {
        u.map.put(u.key, u.previous);
      }
    }
    commandCounts.clear();
    commandSignals.clear();
    commandCreated.forEach(storage.catalog::remove);
    commandCreated.clear();
    commandObserved.clear();
  }

  /**
   * Notes that {@code task} is the end of a lease that ran out, to report once durable; returns it.
   */
  Task expired(Task task) {
    commandObserved.add(new Observed(true, task));
    return task;
  }

  /** Notes that {@code task} was redriven, to report once durable; returns it. */
  Task redriven(Task task) {
    commandObserved.add(new Observed(false, task));
    return task;
  }

  /** The transitions noted by the commands committed so far. */
  List<Observed> observed() {
    return List.copyOf(observed);
  }

  Stored load(TaskId id) throws RocksDBException {
    byte[] bytes = get(storage.tasks, Keys.task(id));
    if (bytes == null) {
      return null;
    }
    QueueState q = storage.catalog.byId(Codec.queueOf(bytes));
    return Codec.decodeTask(bytes, q.name);
  }

  /** The value of {@code key} as this batch sees it: the round's own write, else the database's. */
  byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
    TreeMap<byte[], byte[]> written = overlay.get(cf);
    byte[] v = written == null ? null : written.get(key);
    if (v != null) {
      return v == TOMBSTONE ? null : v;
    }
    return storage.db.get(cf, storage.readOptions, key);
  }

  void put(ColumnFamilyHandle cf, byte[] key, byte[] value) throws RocksDBException {
    wb.put(cf, key, value);
    remember(cf, key, value);
    dirty = true;
  }

  void delete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
    wb.delete(cf, key);
    remember(cf, key, TOMBSTONE);
    dirty = true;
  }

  private void remember(ColumnFamilyHandle cf, byte[] key, byte[] value) {
    TreeMap<byte[], byte[]> written =
        overlay.computeIfAbsent(cf, k -> new TreeMap<>(Arrays::compareUnsigned));
    byte[] previous = written.put(key, value);
    if (!savepoints.isEmpty()) {
      undo.add(new Undo(written, key, previous));
    }
  }

  /**
   * Up to {@code limit} keys of {@code cf} from {@code from} on that start with {@code prefix}, as
   * this batch sees them: the database's keys merged with the round's overlay, where the overlay
   * wins on equal keys and its tombstones hide keys. The iterator is closed before the caller
   * writes, and the overlay is not changed while this runs.
   */
  List<byte[]> scan(ColumnFamilyHandle cf, byte[] from, byte[] prefix, int limit) {
    List<byte[]> keys = new ArrayList<>(Math.min(limit, 256));
    TreeMap<byte[], byte[]> written = overlay.get(cf);
    Iterator<Map.Entry<byte[], byte[]>> ours =
        written == null ? null : written.tailMap(from, true).entrySet().iterator();
    Map.Entry<byte[], byte[]> next = ours != null && ours.hasNext() ? ours.next() : null;
    try (RocksIterator it = storage.db.newIterator(cf, storage.readOptions)) {
      it.seek(from);
      byte[] stored = it.isValid() ? it.key() : null;
      while (keys.size() < limit && (stored != null || next != null)) {
        int order =
            stored == null ? 1 : next == null ? -1 : Arrays.compareUnsigned(stored, next.getKey());
        byte[] key;
        boolean hidden;
        if (order < 0) {
          key = stored;
          hidden = false;
        } else {
          key = next.getKey();
          hidden = next.getValue() == TOMBSTONE;
          next = ours.hasNext() ? ours.next() : null;
        }
        if (order <= 0) { // the database's key is used, or shadowed by the overlay's equal one
          it.next();
          stored = it.isValid() ? it.key() : null;
        }
        if (hidden) {
          continue;
        }
        // After skipping deletions, as WriteBatchWithIndex's iterator did: the first key seen that
        // is out of the prefix ends the scan.
        if (!Keys.startsWith(key, prefix)) {
          break;
        }
        keys.add(key);
      }
    }
    return keys;
  }

  /**
   * Stores {@code after} (a new task when {@code before} is null) and moves its index entries; in
   * cluster mode a change of the task also becomes this node's next event, in this batch.
   */
  void write(Stored before, Task after) throws RocksDBException {
    store(before, after);
    if (cluster != null && (before == null || !before.task().equals(after))) {
      cluster.local(this, after);
    }
  }

  /** {@link #write} without the event: for a change a received event made. */
  void store(Stored before, Task after) throws RocksDBException {
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
          delete(storage.ready, readyKey(q, b));
        }
      }
      case WORKING -> delete(storage.leases, Keys.timed(b.lease().expiresAt(), b.id()));
      default -> {} // finished tasks leave their expiry entry; the pruner checks it is still due
    }
  }

  private void index(QueueState q, Task t, boolean scheduled, TaskState previous)
      throws RocksDBException {
    switch (t.state()) {
      case PENDING -> {
        if (scheduled) {
          putTimed(storage.scheduled, t.runAt(), t.id());
          due(t.runAt());
        } else {
          byte[] key = readyKey(q, t);
          put(storage.ready, key, Empty.BYTES);
          lowerFloor(q, rangeOf(t.id()), key);
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

  /**
   * Removes a finished task and everything that points at it (in cluster mode: leaving a
   * tombstone).
   */
  void prune(Stored stored) throws RocksDBException {
    remove(stored);
    if (cluster != null) {
      cluster.pruned(this, stored.task().id());
    }
  }

  /** {@link #prune} without the event: for a removal a received event made. */
  void remove(Stored stored) throws RocksDBException {
    Task t = stored.task();
    QueueState q = storage.catalog.byName(t.queue());
    delete(storage.tasks, Keys.task(t.id()));
    delete(storage.byQueue, Keys.byQueue(q.id, t.id()));
    delete(storage.byState, Keys.byState(q.id, t.state(), t.id()));
    commandCounts
        .computeIfAbsent(q, k -> new long[QueueState.SLOTS])[QueueState.slot(t.state(), false)]--;
  }

  /** The task's ready-index key: in cluster mode, in its home's range. */
  private byte[] readyKey(QueueState q, Task t) {
    return cluster == null
        ? Keys.ready(q.id, t.priority(), t.runAt(), t.id())
        : Keys.readyOfHome(q.id, TaskReplica.homeOf(t.id()), t.priority(), t.runAt(), t.id());
  }

  private int rangeOf(TaskId id) {
    return cluster == null ? QUEUE_RANGE : TaskReplica.homeOf(id);
  }

  /** The first key of a range of the queue's ready index ({@link #QUEUE_RANGE} or a home). */
  static byte[] rangePrefix(QueueState q, int range) {
    return range == QUEUE_RANGE ? Keys.queuePrefix(q.id) : Keys.homePrefix(q.id, range);
  }

  /** Where a claim starts its scan of a range of the queue's ready index. */
  byte[] floor(QueueState q, int range) {
    byte[] f = currentFloor(q, range);
    return f != null ? f : rangePrefix(q, range);
  }

  private byte[] currentFloor(QueueState q, int range) {
    Range r = new Range(q, range);
    return floors.containsKey(r) ? floors.get(r) : q.readyFloors.get(range);
  }

  /**
   * After a claim scanned a range of the ready index up to {@code key}: nothing live is left below
   * it.
   */
  void raiseFloor(QueueState q, int range, byte[] key) {
    floors.put(new Range(q, range), key);
  }

  private void lowerFloor(QueueState q, int range, byte[] key) {
    byte[] f = currentFloor(q, range);
    if (f != null && java.util.Arrays.compareUnsigned(key, f) < 0) {
      floors.put(new Range(q, range), key);
    }
  }

  /**
   * An HLC timestamp this round stamped on or received with an event, so a restart resumes past it.
   */
  void observedHlc(long hlc) {
    maxHlc = Math.max(maxHlc, hlc);
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
    floors.forEach((r, f) -> r.queue().readyFloors.put(r.home(), f));
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
