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

  /** How many keys of the ready index a claim reads at a time in cluster mode (see claim). */
  private static final int CLUSTER_SCAN = 256;

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
    byte[] prefix = Keys.queuePrefix(q.id);
    byte[] from = b.floor(q);
    List<Task> claimed = new ArrayList<>(p.max());
    while (claimed.size() < p.max()) {
      // In cluster mode the index also holds the tasks other nodes hand out, passed over here:
      // read it in larger steps than the claim needs.
      int need = p.max() - claimed.size();
      List<byte[]> keys =
          b.scan(s.ready, from, prefix, cluster == null ? need : Math.max(need, CLUSTER_SCAN));
      if (keys.isEmpty()) {
        break;
      }
      byte[] last = null;
      for (byte[] key : keys) {
        if (claimed.size() == p.max()) {
          break;
        }
        last = key;
        TaskId id = Keys.trailingId(key);
        if (cluster != null && !cluster.mayHandOut(id)) {
          // Another node hands it out; it stays in the index for when this one may. Decided by
          // the id alone, before reading the task: a node may pass over many of them per claim.
          continue;
        }
        Stored st = b.load(id);
        // The ready index holds the tasks that were due when indexed; the wall clock may have
        // stepped
        // back since, and they stay due. Anything else under the key is a stale entry.
        if (st != null && st.task().state() == TaskState.PENDING && !st.scheduled()) {
          if (cluster != null && cluster.lostUniqueKey(b, q, st)) {
            continue; // its key went to a task enqueued elsewhere in a partition; its home cancels
            // it
          }
          Task t = Transitions.claim(st.task(), p.worker(), leaseMs, stamp(b));
          b.write(st, t);
          claimed.add(t);
        } else {
          b.delete(s.ready, key);
        }
      }
      from = successor(last);
    }
    if (cluster == null) {
      // In cluster mode the index keeps tasks other nodes hand out below any such floor.
      b.raiseFloor(q, from);
    }
    return claimed;
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

  QueueSettings updateSettings(Batch b, String queue, SettingsPatch patch) throws RocksDBException {
    QueueState q = s.catalog.byName(queue);
    QueueSettings next = patch.applyTo(q != null ? q.settings() : QueueSettings.DEFAULT);
    q = queueForWrite(b, queue);
    q.settings(next);
    b.put(s.queues, Keys.queue(q.id), Codec.encodeQueue(q.name, next));
    if (!next.paused()) {
      b.signal(q.name);
    }
    return next;
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
