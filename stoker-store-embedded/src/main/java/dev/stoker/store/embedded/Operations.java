package dev.stoker.store.embedded;

import dev.stoker.cluster.Duplicates;
import dev.stoker.cluster.UnseenClaim;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskChange;
import dev.stoker.store.embedded.Codec.Stored;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.rocksdb.RocksDBException;

/**
 * The store's operations, applied to a {@link Batch} by the sequencer thread: each looks up what it
 * needs, asks {@code Transitions} for the new state and hands it to {@link Batch#write}.
 */
final class Operations {
  /** How many due entries of each kind one round of the sweeper handles; the rest wait a round. */
  static final int SWEEP_BUDGET = 2_000;

  private final Storage s;
  private final Hlc hlc;
  private final int node;
  private final TaskIdGenerator ids;
  private final RandomGenerator random;

  /** In cluster mode, the rights the dispatch rules give this node; null on a single node. */
  private final ClusterLog cluster;

  Operations(Storage storage, Hlc hlc, int node, RandomGenerator random) {
    this(storage, hlc, node, random, null);
  }

  Operations(Storage storage, Hlc hlc, int node, RandomGenerator random, ClusterLog cluster) {
    this.s = storage;
    this.cluster = cluster;
    this.hlc = hlc;
    this.node = node;
    this.random = random;
    this.ids = new TaskIdGenerator(hlc.clock(), node, random);
  }

  private Stamp stamp(Batch b) {
    return new Stamp(b.now, hlc.now(), node);
  }

  List<EnqueueResult> enqueue(Batch b, String queue, List<TaskSpec> specs) throws RocksDBException {
    QueueState q = queueForWrite(b, queue);
    List<EnqueueResult> results = new ArrayList<>(specs.size());
    for (TaskSpec spec : specs) {
      Task holder = liveHolder(b, q, spec.uniqueKey());
      if (holder != null) {
        results.add(new EnqueueResult(holder, true));
        continue;
      }
      Task t = Transitions.enqueue(ids.next(), queue, spec, q.settings(), stamp(b));
      b.write(null, t);
      if (t.uniqueKey() != null) {
        b.put(s.unique, Keys.unique(q.id, t.uniqueKey()), Keys.task(t.id()));
      }
      results.add(new EnqueueResult(t, false));
    }
    return results;
  }

  List<Task> claim(Batch b, ClaimParams p) throws RocksDBException {
    QueueState q = s.catalog.byName(p.queue());
    if (q == null || q.settings().paused() || (cluster != null && cluster.handsOutNothing())) {
      return List.of();
    }
    long leaseMs = p.leaseMsIn(q.settings());
    List<Task> claimed = new ArrayList<>(p.max());
    if (cluster == null) {
      claimFrom(b, q, new Cursor(b, q, Batch.QUEUE_RANGE), p, leaseMs, claimed);
      return claimed;
    }
    // Each home's tasks have a range of the index of their own: only the ranges of the homes this
    // node may hand out are read.
    List<Cursor> ranges = new ArrayList<>();
    for (int home : cluster.homesHandedOut()) {
      ranges.add(new Cursor(b, q, home));
    }
    if (ranges.size() == 1) {
      claimFrom(b, q, ranges.get(0), p, leaseMs, claimed);
    } else if (!ranges.isEmpty()) {
      claimAcross(b, q, ranges, p, leaseMs, claimed);
    }
    return claimed;
  }

  /** What a claim did with one entry of the ready index. */
  private enum Seen {
    TAKEN,
    STALE,
    KEPT
  }

  /** A claim's place in one range of a queue's ready index, and how far its floor may rise. */
  private static final class Cursor {
    final int range;
    final byte[] prefix;
    byte[] from;
    byte[] floor;

    /** An entry was kept in the index: the floor stays below it. */
    boolean kept;

    Cursor(Batch b, QueueState q, int range) {
      this.range = range;
      this.prefix = Batch.rangePrefix(q, range);
      this.from = b.floor(q, range);
      this.floor = from;
    }

    void past(byte[] key, Seen seen) {
      kept |= seen == Seen.KEPT;
      if (!kept) {
        floor = successor(key);
      }
      from = successor(key);
    }

    void done(Batch b, QueueState q) {
      b.raiseFloor(q, range, floor);
    }
  }

  /** Claims from one range of the ready index, reading as many entries at a time as it needs. */
  private void claimFrom(
      Batch b, QueueState q, Cursor c, ClaimParams p, long leaseMs, List<Task> claimed)
      throws RocksDBException {
    List<byte[]> keys;
    while (claimed.size() < p.max()
        && !(keys = b.scan(s.ready, c.from, c.prefix, p.max() - claimed.size())).isEmpty()) {
      for (byte[] key : keys) {
        if (claimed.size() == p.max()) {
          break;
        }
        c.past(key, take(b, q, key, p, leaseMs, claimed));
      }
    }
    c.done(b, q);
  }

  /**
   * Claims from several homes' ranges (a node that steals) in one claim order, as if they were one
   * index: each step takes the first entry by priority, run_at and id among the ranges' next ones,
   * so a stolen home's tasks wait no longer than the node's own.
   */
  private void claimAcross(
      Batch b, QueueState q, List<Cursor> ranges, ClaimParams p, long leaseMs, List<Task> claimed)
      throws RocksDBException {
    int prefix = ranges.get(0).prefix.length;
    while (claimed.size() < p.max()) {
      Cursor first = null;
      byte[] firstKey = null;
      for (Cursor c : ranges) {
        List<byte[]> next = b.scan(s.ready, c.from, c.prefix, 1);
        if (!next.isEmpty()
            && (firstKey == null
                || java.util.Arrays.compareUnsigned(
                        next.get(0), prefix, next.get(0).length, firstKey, prefix, firstKey.length)
                    < 0)) {
          first = c;
          firstKey = next.get(0);
        }
      }
      if (first == null) {
        break;
      }
      first.past(firstKey, take(b, q, firstKey, p, leaseMs, claimed));
    }
    for (Cursor c : ranges) {
      c.done(b, q);
    }
  }

  /** Claims the task of one ready-index entry if it is ready; deletes a stale entry. */
  private Seen take(
      Batch b, QueueState q, byte[] key, ClaimParams p, long leaseMs, List<Task> claimed)
      throws RocksDBException {
    Stored st = b.load(Keys.trailingId(key));
    // The ready index holds the tasks that were due when indexed; the wall clock may have stepped
    // back since, and they stay due. Anything else under the key is a stale entry.
    if (st == null || st.task().state() != TaskState.PENDING || st.scheduled()) {
      b.delete(s.ready, key);
      return Seen.STALE;
    }
    if (cluster != null && cluster.lostUniqueKey(b, q, st)) {
      return Seen.KEPT; // its key went to a task enqueued elsewhere in a partition; its home
      // cancels it
    }
    Task t = Transitions.claim(st.task(), p.worker(), leaseMs, stamp(b));
    b.write(st, t);
    claimed.add(t);
    return Seen.TAKEN;
  }

  /** Applies one of the single-task writes (see {@link TaskChange}). */
  Outcome change(Batch b, TaskChange change) throws RocksDBException {
    Stored st = b.load(change.id());
    if (st == null) {
      return new Outcome.NotFound(change.id());
    }
    Task t = cluster == null ? st.task() : UnseenClaim.recordedIn(st.task(), tokenOf(change));
    QueueSettings queue =
        change.readsQueueSettings() ? s.catalog.byName(t.queue()).settings() : null;
    Outcome o = change.apply(t, queue, stamp(b), random);
    if (o instanceof Outcome.Ok ok) {
      b.write(st, ok.task());
    }
    return o;
  }

  /**
   * The token of a change that settles the current claim; null for one that does not (complete
   * takes any).
   */
  private static String tokenOf(TaskChange change) {
    return switch (change) {
      case TaskChange.Heartbeat h -> h.token();
      case TaskChange.Release r -> r.token();
      case dev.stoker.core.store.FailParams f -> f.token();
      default -> null;
    };
  }

  /** Retries one dead or cancelled task (see {@link Transitions#retry}). */
  Outcome retry(Batch b, TaskId id) throws RocksDBException {
    Stored st = b.load(id);
    if (st == null) {
      return new Outcome.NotFound(id);
    }
    Task t = st.task();
    Task holder = liveHolder(b, s.catalog.byName(t.queue()), t.uniqueKey());
    Outcome o = Transitions.retry(t, holder == null ? null : holder.id(), stamp(b));
    if (o instanceof Outcome.Ok ok) {
      b.write(st, ok.task()); // takes the key, if it has one
    }
    return o;
  }

  RedriveResult redrive(Batch b, String queue, int limit) throws RocksDBException {
    QueueState q = s.catalog.byName(queue);
    if (q == null) {
      return RedriveResult.NONE;
    }
    byte[] prefix = Keys.byStatePrefix(q.id, TaskState.DEAD);
    byte[] from = prefix;
    int moved = 0;
    int skipped = 0;
    while (moved < limit) {
      List<byte[]> keys = b.scan(s.byState, from, prefix, limit - moved);
      if (keys.isEmpty()) {
        break;
      }
      for (byte[] key : keys) {
        Stored st = b.load(Keys.trailingId(key));
        if (liveHolder(b, q, st.task().uniqueKey()) != null) {
          skipped++; // a second live task with the key would break enqueue's promise
        } else {
          b.write(
              st,
              b.redriven(Transitions.redrive(st.task(), stamp(b)))); // takes the key, if it has one
          moved++;
        }
      }
      from = successor(keys.get(keys.size() - 1));
    }
    return new RedriveResult(moved, skipped);
  }

  /** The live task of the queue that holds {@code uniqueKey}, or null (also for a null key). */
  private Task liveHolder(Batch b, QueueState q, String uniqueKey) throws RocksDBException {
    if (uniqueKey == null) {
      return null;
    }
    byte[] holder = b.get(s.unique, Keys.unique(q.id, uniqueKey));
    Stored st = holder == null ? null : b.load(Keys.taskId(holder, 0));
    return st != null && !st.task().state().isTerminal() ? st.task() : null;
  }

  /**
   * Changes the fields of a queue's settings {@code patch} sets; in cluster mode the change is this
   * node's event, and every node merges it ({@link ClusterLog#settingsChanged}).
   */
  QueueSettings updateSettings(Batch b, String queue, SettingsPatch patch) throws RocksDBException {
    QueueState q = s.catalog.byName(queue);
    QueueSettings next = patch.applyTo(q != null ? q.settings() : QueueSettings.DEFAULT);
    q = queueForWrite(b, queue);
    if (cluster != null) {
      next = cluster.settingsChanged(b, q, patch);
    }
    settings(b, q, next);
    return next;
  }

  /** Gives a queue its settings; a queue that is not paused wakes its parked claims. */
  void settings(Batch b, QueueState q, QueueSettings next) throws RocksDBException {
    q.settings(next);
    b.put(s.queues, Keys.queue(q.id), Codec.encodeQueue(q.name, next));
    if (!next.paused()) {
      b.signal(q.name);
    }
  }

  /**
   * Makes due scheduled tasks claimable, ends expired leases and prunes finished tasks past their
   * retention, each up to {@link #SWEEP_BUDGET}. Returns whether it left due work for another
   * round.
   */
  boolean sweep(Batch b) throws RocksDBException {
    boolean more =
        sweep(
            b,
            s.scheduled,
            b.now,
            st -> st.task().state() == TaskState.PENDING && st.scheduled() ? st.task() : null);
    if (cluster == null) {
      more |=
          sweep(
              b,
              s.leases,
              b.now - 1,
              st ->
                  st.task().isLeaseExpiredAt(b.now)
                      ? b.expired(Transitions.expire(st.task(), stamp(b)))
                      : null);
    } else {
      // The granting node (or its stealer) judges a lease, on its own wall clock less max_offset.
      long upTo = b.now - cluster.maxOffsetMs - 1;
      more |=
          sweep(
              b,
              s.leases,
              upTo,
              st ->
                  st.task().state() != TaskState.WORKING
                      ? null
                      : !cluster.judgesLease(st.task())
                          ? st.task()
                          : st.task().isLeaseExpiredAt(upTo + 1)
                              ? b.expired(expireJudged(b, st.task()))
                              : null);
    }
    more |= prune(b);
    return more;
  }

  /**
   * Ends a lease this node judges: its task may now run twice (docs/backends/cluster.md). A lease
   * this node granted is cause (a); one it judges as the stealer of an unreachable home is the
   * partition's, (b): its heartbeats may be reaching the home's side.
   */
  private Task expireJudged(Batch b, Task t) {
    cluster.counted(
        t.version().node() == node ? Duplicates.Cause.LEASE_EXPIRY : Duplicates.Cause.PARTITION);
    return Transitions.expire(t, stamp(b));
  }

  /**
   * Applies {@code step} to each task of a time index due at {@code upTo}; null means "stale
   * entry".
   */
  private boolean sweep(
      Batch b, org.rocksdb.ColumnFamilyHandle index, long upTo, Function<Stored, Task> step)
      throws RocksDBException {
    List<byte[]> keys =
        b.scan(index, Keys.timedFloor(s.timedFloor(index)), new byte[0], SWEEP_BUDGET);
    int handled = 0;
    for (byte[] key : keys) {
      if (Keys.timedMillis(key) > upTo) {
        break;
      }
      handled++;
      Stored st = b.load(Keys.trailingId(key));
      Task next = st == null ? null : step.apply(st);
      if (st != null && next == st.task() && index == s.leases) {
        continue; // a lease another node judges: kept, looked at again when the rights change
      }
      if (next == null) {
        b.delete(index, key);
      } else {
        b.write(st, next); // moves the task out of this index
      }
    }
    if (handled < keys.size()) {
      b.due(Keys.timedMillis(keys.get(handled)) + (index == s.leases ? 1 : 0));
    }
    if (handled < SWEEP_BUDGET) {
      s.raiseTimedFloor(index, upTo);
    }
    return handled == SWEEP_BUDGET;
  }

  private boolean prune(Batch b) throws RocksDBException {
    List<byte[]> keys =
        b.scan(s.expiry, Keys.timedFloor(s.timedFloor(s.expiry)), new byte[0], SWEEP_BUDGET);
    int handled = 0;
    for (byte[] key : keys) {
      if (Keys.timedMillis(key) > b.now) {
        b.due(Keys.timedMillis(key));
        break;
      }
      handled++;
      b.delete(s.expiry, key);
      Stored st = b.load(Keys.trailingId(key));
      if (st == null || !st.task().state().isTerminal()) {
        continue; // redriven since, or already gone
      }
      long pruneAt =
          st.task().updatedAt() + s.catalog.byName(st.task().queue()).settings().retentionMs();
      if (pruneAt <= b.now) {
        b.prune(st);
      } else {
        b.putTimed(s.expiry, pruneAt, st.task().id()); // retention was raised since
        b.due(pruneAt);
      }
    }
    if (handled < SWEEP_BUDGET) {
      s.raiseTimedFloor(s.expiry, b.now);
    }
    return handled == SWEEP_BUDGET;
  }

  /** Applies events received from a peer (cluster mode): see {@link ClusterLog#receive}. */
  int receive(Batch b, List<dev.stoker.cluster.Event> events) throws RocksDBException {
    return cluster.receive(b, this, events);
  }

  /**
   * After the dispatch rights changed: look again at the leases kept for another judge, and wake
   * the parked claims of every queue, which may now get tasks they could not.
   */
  void rightsChanged(Batch b) {
    s.lowerTimedFloor(s.leases, Long.MIN_VALUE);
    b.due(b.now);
    s.catalog.all().forEach(q -> b.signal(q.name));
  }

  QueueState queueForWrite(Batch b, String queue) throws RocksDBException {
    QueueState q = s.catalog.byName(queue);
    if (q == null) {
      q = s.catalog.create(queue);
      b.put(s.queues, Keys.queue(q.id), Codec.encodeQueue(q.name, q.settings()));
      b.created(q);
    }
    return q;
  }

  private static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }
}
