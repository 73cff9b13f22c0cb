package dev.stoker.store.etcd;

import dev.stoker.core.Clock;
import dev.stoker.core.Lease;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The time-driven changes and the recovery of abandoned claims. Per queue, each kind is one range over
 * a time-ordered prefix that ends at "now", so it reads only what fell due (at most {@link #BUDGET}
 * keys a round):
 *
 * <ul>
 *   <li>delayed tasks whose run_at passed move to the ready keys (the record does not change);
 *   <li>claims whose lease ran out end ({@link Transitions#expire}: pending again, or dead on the last
 *       attempt);
 *   <li>finished tasks past their queue's retention are deleted;
 *   <li>claims whose lock vanished (the server that last served them lost its etcd lease) and that have
 *       gone half their lease without a heartbeat end as if their lease ran out ({@link #recoverAbandoned}).
 * </ul>
 *
 * <p>Every server sweeps before an operation when something it wrote itself fell due (so one server
 * alone behaves exactly like the other backends), and when a claim finds its queue empty; the server
 * elected through etcd's election API also sweeps every interval, which is what picks up what other
 * servers wrote and what dead servers left. Sweeps by several servers at once are safe: every change is
 * a transaction that compares the task's record.
 */
final class Sweeper {
  static final int BUDGET = 500;
  /** How far ahead a sweep looks for the next due time; later ones are found by the periodic sweeps. */
  private static final long HORIZON_MS = 3_600_000;
  /** The least time between two sweeps of one queue by claims that found it empty. */
  private static final long ON_DEMAND_MS = 200;

  private final EtcdStore store;
  private final Etcd etcd;
  private final Keys keys;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  /** When something this server knows of falls due next (MIN_VALUE: now). */
  private final AtomicLong nextDue = new AtomicLong(Long.MIN_VALUE);
  /**
   * What was noted while a sweep ran: the sweep replaces {@link #nextDue} with what it found in etcd,
   * which may not include a write that committed meanwhile, so those are kept here and added back.
   * {@code nextDue} itself keeps its old value during a sweep, so a caller that finds it due waits
   * for the sweep's lock and then sweeps again if it is still due.
   */
  private final AtomicLong notedWhileSweeping = new AtomicLong(Long.MAX_VALUE);
  private final Map<String, Long> lastOnDemand = new ConcurrentHashMap<>();

  Sweeper(EtcdStore store, Etcd etcd, Keys keys, Clock clock) {
    this.store = store;
    this.etcd = etcd;
    this.keys = keys;
    this.clock = clock;
  }

  /** Something this server wrote falls due at {@code at}. */
  void note(long at) {
    nextDue.accumulateAndGet(at, Math::min);
    notedWhileSweeping.accumulateAndGet(at, Math::min);
  }

  void sweepIfDue() {
    if (clock.millis() >= nextDue.get()) {
      sweep(false, false);
    }
  }

  /**
   * Sweeps every queue: what fell due, and with {@code abandoned} the claims whose lock vanished.
   * Unless {@code always}, only if something is still due once the sweep lock is held.
   */
  void sweep(boolean always, boolean abandoned) {
    lock.lock();
    try {
      if (!always && clock.millis() < nextDue.get()) {
        return; // another thread just swept
      }
      notedWhileSweeping.set(Long.MAX_VALUE);
      try {
        long next = Long.MAX_VALUE;
        Set<String> locked = abandoned ? lockedIds() : null;
        for (Map.Entry<String, QueueSettings> q : store.queueSettings().entrySet()) {
          next = Math.min(next, sweepQueue(q.getKey(), q.getValue().retentionMs()));
          if (abandoned) {
            recoverAbandoned(q.getKey(), locked);
          }
        }
        nextDue.set(Math.min(next, notedWhileSweeping.get()));
      } catch (RuntimeException e) {
        nextDue.set(Long.MIN_VALUE);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A claim found the queue empty: promote and expire now (at most every {@link #ON_DEMAND_MS}), so a
   * task that another server's sweep has not reached yet is not missed. Returns whether a task became
   * ready.
   */
  boolean onDemand(String queue) {
    long t = System.nanoTime() / 1_000_000;
    Long last = lastOnDemand.get(queue);
    if (last != null && t - last < ON_DEMAND_MS) {
      return false;
    }
    lastOnDemand.put(queue, t);
    long now = clock.millis();
    return promote(queue, now) + expire(queue, now) > 0;
  }

  /** One queue's round; returns the next time something of it falls due (MIN_VALUE: more is due now). */
  private long sweepQueue(String queue, long retentionMs) {
    long now = clock.millis();
    int promoted = promote(queue, now);
    int expired = expire(queue, now);
    int pruned = prune(queue, now, retentionMs);
    if (promoted == BUDGET || expired == BUDGET || pruned == BUDGET) {
      return Long.MIN_VALUE;
    }
    long next = firstTime(keys.delayed(queue), now + HORIZON_MS, 0);
    next = Math.min(next, firstTime(keys.working(queue), now + HORIZON_MS, 1));
    long finishedBefore = now - retentionMs + HORIZON_MS;
    long firstFinished = firstTime(keys.expiry(queue), finishedBefore, 0);
    if (firstFinished != Long.MAX_VALUE) {
      next = Math.min(next, firstFinished + retentionMs);
    }
    return next;
  }

  /** The time in the first key of a time-ordered prefix, plus {@code plus}, looking no further than {@code until}. */
  private long firstTime(String prefix, long until, long plus) {
    List<KeyValue> kvs = etcd.range(prefix, prefix + Keys.time(until), 1, true, false).getKvs();
    return kvs.isEmpty() ? Long.MAX_VALUE : Keys.parseTime(Keys.text(kvs.get(0).getKey()), prefix.length()) + plus;
  }

  private int promote(String queue, long now) {
    String prefix = keys.delayed(queue);
    List<KeyValue> due = etcd.range(prefix, prefix + Keys.time(now + 1), BUDGET, true, false).getKvs();
    return store.applyToIndexed(due, now, (w, st) -> {
      Task t = st.task();
      if (t.state() == TaskState.PENDING && t.runAt() <= now) {
        w.promote(st);
        return true;
      }
      return false;
    });
  }

  private int expire(String queue, long now) {
    String prefix = keys.working(queue);
    List<KeyValue> due = etcd.range(prefix, prefix + Keys.time(now), BUDGET, true, false).getKvs();
    return store.applyToIndexed(due, now, (w, st) -> {
      if (st.task().isLeaseExpiredAt(now)) {
        w.update(st, Transitions.expire(st.task(), store.stamp(now)));
        return true;
      }
      return false;
    });
  }

  private int prune(String queue, long now, long retentionMs) {
    String prefix = keys.expiry(queue);
    List<KeyValue> due = etcd.range(prefix, prefix + Keys.time(now - retentionMs + 1), BUDGET, true, false).getKvs();
    return store.applyToIndexed(due, now, (w, st) -> {
      if (st.task().state().isTerminal() && st.task().updatedAt() + retentionMs <= now) {
        w.prune(st);
        return true;
      }
      return false;
    });
  }

  /** The ids of every claim that has a lock now. */
  private Set<String> lockedIds() {
    String prefix = keys.lockPrefix();
    Set<String> ids = new HashSet<>();
    for (KeyValue kv : etcd.range(prefix, Keys.end(prefix), 0, true, false).getKvs()) {
      ids.add(Keys.text(kv.getKey()).substring(prefix.length()));
    }
    return ids;
  }

  /**
   * Ends the claims of the queue whose lock vanished and that have gone at least half their lease since
   * the claim or the last heartbeat. A lock vanishes with the etcd lease of the server that last served
   * the claim; a worker that heartbeats through another server re-binds it, and a worker that
   * heartbeats every third of its lease (as Stoker's clients do) is never cut short. The transaction
   * compares the lock's absence too, so a heartbeat that re-bound it in between wins.
   */
  private void recoverAbandoned(String queue, Set<String> locked) {
    String prefix = keys.working(queue);
    List<KeyValue> working = etcd.range(prefix, Keys.end(prefix), 0, true, false).getKvs().stream()
        .filter(kv -> !locked.contains(Keys.idAtEnd(Keys.text(kv.getKey())).toString())).toList();
    long now = clock.millis();
    store.applyToIndexed(working, now, (w, st) -> {
      Task t = st.task();
      if (t.state() != TaskState.WORKING || now < t.updatedAt() + (t.lease().expiresAt() - t.updatedAt()) / 2) {
        return false;
      }
      ByteSequence lockKey = keys.lock(t.id());
      w.require(new Cmp(lockKey, Cmp.Op.EQUAL, CmpTarget.version(0)));
      // The lease is cut to now: from here on the claim is over exactly as if it had run out.
      Task cut = new Task(t.id(), t.queue(), t.name(), t.paramsJson(), t.priority(), t.runAt(), t.uniqueKey(),
          t.maxAttempts(), t.attempt(), t.state(), t.version(),
          new Lease(t.lease().owner(), t.lease().token(), Math.min(t.lease().expiresAt(), now - 1)),
          t.resultJson(), t.lastError(), t.createdAt(), t.updatedAt());
      w.update(st, Transitions.expire(cut, store.stamp(now)));
      return true;
    });
  }
}
