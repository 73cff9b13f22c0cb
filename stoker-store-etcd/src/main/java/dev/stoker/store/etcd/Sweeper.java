package dev.stoker.store.etcd;

import dev.stoker.core.Clock;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import io.etcd.jetcd.KeyValue;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The time-driven changes, which also recover the claims of dead servers and workers. Per queue,
 * each kind is one range over a time-ordered prefix that ends at "now", so it reads only what fell
 * due (at most {@link #BUDGET} keys a round):
 *
 * <ul>
 *   <li>delayed tasks whose run_at passed move to the ready keys (the record does not change);
 *   <li>claims whose lease ran out end ({@link Transitions#expire}: pending again, or dead on the
 *       last attempt);
 *   <li>finished tasks past their queue's retention are deleted;
 *   <li>in the elected server's sweeps only, enqueue batches whose writer is gone are written out
 *       or dropped ({@link Batches}).
 * </ul>
 *
 * <p>A claim whose lock vanished (the server that last served it died) is not ended early: its
 * worker may be alive and heartbeat through another server, and a lease is honoured until it runs
 * out on every backend. Its lease running out is what brings it back (ADR-0006).
 *
 * <p>Every server sweeps before an operation when something it wrote itself fell due (so one server
 * alone behaves exactly like the other backends), and when a claim finds its queue empty; the
 * server elected through etcd's election API also sweeps every interval, which is what picks up
 * what other servers wrote and what dead servers left. Sweeps by several servers at once are safe:
 * every change is a transaction that compares the task's record.
 */
final class Sweeper {
  static final int BUDGET = 500;

  /**
   * How far ahead a sweep looks for the next due time; later ones are found by the periodic sweeps.
   */
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
   * What was noted while a sweep ran: the sweep replaces {@link #nextDue} with what it found in
   * etcd, which may not include a write that committed meanwhile, so those are kept here and added
   * back. {@code nextDue} itself keeps its old value during a sweep, so a caller that finds it due
   * waits for the sweep's lock and then sweeps again if it is still due.
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
      sweep(false);
    }
  }

  /**
   * Sweeps every queue; unless {@code always}, only if something is still due once the sweep lock
   * is held.
   */
  void sweep(boolean always) {
    lock.lock();
    try {
      if (!always && clock.millis() < nextDue.get()) {
        return; // another thread just swept
      }
      notedWhileSweeping.set(Long.MAX_VALUE);
      try {
        if (always) {
          store.takeOverBatches();
        }
        long next = Long.MAX_VALUE;
        for (Map.Entry<String, QueueSettings> q : store.queueSettings().entrySet()) {
          next = Math.min(next, sweepQueue(q.getKey(), q.getValue().retentionMs()));
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
   * A claim found the queue empty: promote and expire now (at most every {@link #ON_DEMAND_MS}), so
   * a task that another server's sweep has not reached yet is not missed. Returns whether a task
   * became ready.
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

  /**
   * One queue's round; returns the next time something of it falls due (MIN_VALUE: more is due
   * now).
   */
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

  /**
   * The time in the first key of a time-ordered prefix, plus {@code plus}, looking no further than
   * {@code until}.
   */
  private long firstTime(String prefix, long until, long plus) {
    List<KeyValue> kvs = etcd.range(prefix, prefix + Keys.time(until), 1, true, false).getKvs();
    return kvs.isEmpty()
        ? Long.MAX_VALUE
        : Keys.parseTime(Keys.text(kvs.get(0).getKey()), prefix.length()) + plus;
  }

  private int promote(String queue, long now) {
    String prefix = keys.delayed(queue);
    List<KeyValue> due =
        etcd.range(prefix, prefix + Keys.time(now + 1), BUDGET, true, false).getKvs();
    return store.applyToIndexed(
        due,
        now,
        (w, st) -> {
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
    return store.applyToIndexed(
        due,
        now,
        (w, st) -> {
          if (st.task().isLeaseExpiredAt(now)) {
            w.update(st, w.expired(Transitions.expire(st.task(), store.stamp(now))));
            return true;
          }
          return false;
        });
  }

  private int prune(String queue, long now, long retentionMs) {
    String prefix = keys.expiry(queue);
    List<KeyValue> due =
        etcd.range(prefix, prefix + Keys.time(now - retentionMs + 1), BUDGET, true, false).getKvs();
    return store.applyToIndexed(
        due,
        now,
        (w, st) -> {
          if (st.task().state().isTerminal() && st.task().updatedAt() + retentionMs <= now) {
            w.prune(st);
            return true;
          }
          return false;
        });
  }
}
