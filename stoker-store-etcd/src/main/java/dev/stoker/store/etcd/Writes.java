package dev.stoker.store.etcd;

import dev.stoker.core.Task;
import dev.stoker.core.store.StoreObserver;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The writes of one etcd transaction: task records and the index keys that follow from each task's
 * state (see {@link Keys}), with the compares that make it all-or-nothing against every other
 * writer. A changed task's record is compared by mod revision, a new task's by version 0 (so a
 * retried enqueue whose first attempt committed after all cannot write it twice).
 */
final class Writes {
  private final Keys keys;
  private final long now;
  private final long lease;
  private final List<Cmp> cmps = new ArrayList<>();
  private final Map<ByteSequence, ByteSequence> puts = new LinkedHashMap<>();
  private final Set<ByteSequence> leased = new LinkedHashSet<>();
  private final Set<ByteSequence> deletes = new LinkedHashSet<>();
  private final List<Op> nested = new ArrayList<>();
  private final List<Task> ready = new ArrayList<>();
  private final List<Task> changed = new ArrayList<>();
  private final List<Task> expired = new ArrayList<>();
  private final List<Task> redriven = new ArrayList<>();
  private boolean readBack;
  private List<GetResponse> readOnConflict = List.of();

  /**
   * @param now the time that decides whether a pending task is ready or delayed
   * @param lease the etcd lease locks are bound to, or 0 when this transaction makes no lock
   */
  Writes(Keys keys, long now, long lease) {
    this.keys = keys;
    this.now = now;
    this.lease = lease;
  }

  /**
   * A new task: its record, its listing key, its state's keys and (when it has one) its unique key.
   */
  void create(Task t) {
    cmps.add(new Cmp(keys.task(t.id()), Cmp.Op.EQUAL, CmpTarget.version(0)));
    puts.put(keys.task(t.id()), Codec.task(t));
    puts.put(keys.byId(t.queue(), t.id()), ByteSequence.EMPTY);
    indexes(t, true);
    if (t.uniqueKey() != null) {
      ByteSequence u = keys.unique(t.queue(), t.uniqueKey());
      cmps.add(new Cmp(u, Cmp.Op.EQUAL, CmpTarget.version(0)));
      puts.put(u, Keys.bytes(t.id().toString()));
    }
    changed.add(t);
  }

  /** A transition of a stored task: compare its record, rewrite it, move its index keys. */
  void update(Stored old, Task next) {
    Task t = old.task();
    cmps.add(new Cmp(keys.task(t.id()), Cmp.Op.EQUAL, CmpTarget.modRevision(old.modRevision())));
    puts.put(keys.task(t.id()), Codec.task(next));
    indexes(t, false);
    indexes(next, true);
    if (t.uniqueKey() != null && t.state().isTerminal() != next.state().isTerminal()) {
      ByteSequence u = keys.unique(t.queue(), t.uniqueKey());
      ByteSequence mine = Keys.bytes(t.id().toString());
      if (next.state().isTerminal()) {
        // Free the key only if this task holds it (a redriven task may have found it taken).
        nested.add(
            Op.txn(
                new Cmp[] {new Cmp(u, Cmp.Op.EQUAL, CmpTarget.value(mine))},
                new Op[] {Op.delete(u, DeleteOption.DEFAULT)},
                new Op[0]));
      } else {
        // A redrive: the key must be free, or the transaction fails (the caller passes the task
        // over).
        cmps.add(new Cmp(u, Cmp.Op.EQUAL, CmpTarget.version(0)));
        puts.put(u, mine);
      }
    }
    changed.add(next);
  }

  /**
   * Makes the transaction depend on a key it did not write being as read (mod revision {@code
   * modRevision}): a claim's queue settings, which decide its lease and whether the queue is
   * paused.
   */
  void require(ByteSequence key, long modRevision) {
    cmps.add(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)));
  }

  /**
   * Makes the transaction depend on a key it does not write: a batch still open ({@link Batches}).
   */
  void require(Cmp cmp) {
    cmps.add(cmp);
  }

  long lease() {
    return lease;
  }

  /** A finished task leaves the store (retention ended). */
  void prune(Stored old) {
    Task t = old.task();
    cmps.add(new Cmp(keys.task(t.id()), Cmp.Op.EQUAL, CmpTarget.modRevision(old.modRevision())));
    deletes.add(keys.task(t.id()));
    deletes.add(keys.byId(t.queue(), t.id()));
    indexes(t, false);
  }

  /** A delayed task that fell due moves to the ready keys; its record does not change. */
  void promote(Stored st) {
    Task t = st.task();
    cmps.add(new Cmp(keys.task(t.id()), Cmp.Op.EQUAL, CmpTarget.modRevision(st.modRevision())));
    deletes.add(keys.delayed(t));
    puts.put(keys.ready(t), ByteSequence.EMPTY);
    ready.add(t);
  }

  /** Adds ({@code put}) or removes the keys that say where a task in its state is found. */
  private void indexes(Task t, boolean put) {
    List<ByteSequence> ks = new ArrayList<>(2);
    switch (t.state()) {
      case PENDING -> {
        if (put) {
          boolean due = t.runAt() <= now;
          ks.add(due ? keys.ready(t) : keys.delayed(t));
          if (due) {
            ready.add(t);
          }
        } else {
          ks.add(keys.ready(t)); // a delayed task may have been promoted since it was written
          ks.add(keys.delayed(t));
        }
      }
      case WORKING -> {
        ks.add(keys.working(t));
        if (put) {
          if (lease == 0) {
            throw new IllegalStateException("a claim's lock needs a lease");
          }
          leased.add(keys.lock(t.id()));
          deletes.remove(keys.lock(t.id()));
        } else if (!leased.contains(keys.lock(t.id()))) {
          deletes.add(keys.lock(t.id()));
        }
      }
      case DONE, DEAD, CANCELLED -> {
        ks.add(keys.finished(t));
        ks.add(keys.expiry(t));
      }
    }
    for (ByteSequence k : ks) {
      if (put) {
        deletes.remove(k);
        puts.put(k, ByteSequence.EMPTY);
      } else if (!puts.containsKey(k)) {
        deletes.add(k);
      }
    }
  }

  /** About how many bytes the transaction's request carries (keys and values). */
  int bytes() {
    int n = 0;
    for (Map.Entry<ByteSequence, ByteSequence> e : puts.entrySet()) {
      n += e.getKey().size() + e.getValue().size() + 8;
    }
    for (ByteSequence k : deletes) {
      n += k.size() + 8;
    }
    return n + 64 * (leased.size() + nested.size() + cmps.size());
  }

  /** How many operations the transaction has: etcd refuses more than its {@code --max-txn-ops}. */
  int size() {
    return Math.max(cmps.size(), puts.size() + leased.size() + deletes.size() + nested.size());
  }

  boolean isEmpty() {
    return cmps.isEmpty() && puts.isEmpty() && deletes.isEmpty();
  }

  Cmp[] cmps() {
    return cmps.toArray(Cmp[]::new);
  }

  Op[] ops() {
    List<Op> ops = new ArrayList<>(size());
    deletes.forEach(k -> ops.add(Op.delete(k, DeleteOption.DEFAULT)));
    puts.forEach((k, v) -> ops.add(Op.put(k, v, PutOption.DEFAULT)));
    PutOption withLease =
        lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
    leased.forEach(k -> ops.add(Op.put(k, Keys.bytes(Long.toHexString(lease)), withLease)));
    ops.addAll(nested);
    return ops.toArray(Op[]::new);
  }

  /**
   * Makes the transaction read the records of the tasks it changes when a compare fails (its else
   * branch): the caller then learns which of them another writer changed, without another round
   * trip.
   */
  void readBackOnConflict() {
    readBack = true;
  }

  /** The else branch: nothing, or the reads {@link #readBackOnConflict()} asks for. */
  Op[] otherwise() {
    if (!readBack) {
      return new Op[0];
    }
    return changed.stream()
        .map(t -> (Op) Op.get(keys.task(t.id()), GetOption.DEFAULT))
        .toArray(Op[]::new);
  }

  /** Called with what the else branch read, when the transaction's compares failed. */
  void conflicted(List<GetResponse> reads) {
    readOnConflict = reads;
  }

  /**
   * After a failed commit, the records of the changed tasks as the else branch read them, in the
   * order of {@link #changed()}; empty when the transaction read nothing back or did not fail on a
   * compare.
   */
  List<GetResponse> readOnConflict() {
    return readOnConflict;
  }

  /**
   * Pending tasks this transaction makes ready: the waiters of their queues are woken after commit.
   */
  List<Task> madeReady() {
    return ready;
  }

  /**
   * Notes that {@code task} ends a lease that ran out, to report to the store's observer once
   * committed.
   */
  Task expired(Task task) {
    expired.add(task);
    return task;
  }

  /** Notes that {@code task} was redriven, to report to the store's observer once committed. */
  Task redriven(Task task) {
    redriven.add(task);
    return task;
  }

  /** Reports the transitions noted, now that the transaction committed. */
  void committed(StoreObserver observer) {
    expired.forEach(observer::leaseExpired);
    redriven.forEach(observer::redriven);
  }

  /** The tasks as this transaction leaves them (new and changed). */
  List<Task> changed() {
    return changed;
  }
}
