package dev.stoker.store.embedded;

import dev.stoker.core.Clock;
import dev.stoker.core.Task;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one writer: a loop that takes every command waiting, applies them in one {@link
 * Batch} and writes the batch to the WAL; the {@link Syncer} syncs the WAL and only then answers
 * them (group commit, in two stages). While one round syncs, the next is applied, so the number of
 * syncs adapts to the load and not to the number of clients, and the loop never waits for the disk.
 *
 * <p>The loop is also the store's clock-driven scheduler: it wakes when a delayed task is due, when
 * a lease runs out, when a finished task's retention ends, and when a parked long-poll claim times
 * out. A claim that finds nothing and may wait is parked per queue, first come first served, and
 * tried again in the round after anything makes a task of that queue claimable; no claimer polls.
 */
final class Sequencer implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Sequencer.class);
  private static final int MAX_COMMANDS_PER_BATCH = 4_096;

  /** What a command does to the batch of its round. */
  @FunctionalInterface
  interface Work<R> {
    R apply(Operations ops, Batch b) throws RocksDBException;
  }

  /** A unit of work for the loop, answered once its batch is on disk. */
  static class Command<R> {
    final CompletableFuture<R> future = new CompletableFuture<>();
    private final Work<R> work;
    R result;

    Command(Work<R> work) {
      this.work = work;
    }

    R apply(Operations ops, Batch b) throws RocksDBException {
      return work.apply(ops, b);
    }
  }

  /**
   * Work answered once its batch is written, before the sync: for what no acknowledgement rests on.
   * Events received from a peer are that: their origin holds them durable, and a tail this node
   * loses in a crash it pulls again. So a peer's exchange waits for no fsync here.
   */
  static final class Written<R> extends Command<R> {
    Written(Work<R> work) {
      super(work);
    }
  }

  /** A claim, which may park until its deadline (a {@link System#nanoTime()} value). */
  static final class Claim extends Command<List<Task>> {
    final ClaimParams params;
    final long deadlineNanos;

    Claim(ClaimParams params, long deadlineNanos) {
      super((ops, b) -> ops.claim(b, params));
      this.params = params;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final Storage storage;
  private final Operations ops;
  private final Clock clock;
  private final LinkedBlockingQueue<Command<?>> inbox = new LinkedBlockingQueue<>();
  private final Map<String, ArrayDeque<Claim>> parked = new HashMap<>();
  private final Set<String> signalled = new HashSet<>();
  private long nextDue;
  private volatile boolean stopping;
  private volatile boolean draining;

  /**
   * Set once the loop has taken its last command; later commands are refused by whoever sees them.
   */
  private volatile boolean finished;

  private volatile Throwable failure;
  private final Thread thread;
  private final Syncer syncer;

  /** The cluster's event log in cluster mode, else null. */
  private final ClusterLog cluster;

  Sequencer(Storage storage, Operations ops, Clock clock) {
    this(storage, ops, clock, null);
  }

  Sequencer(Storage storage, Operations ops, Clock clock, ClusterLog cluster) {
    this.cluster = cluster;
    this.storage = storage;
    this.ops = ops;
    this.clock = clock;
    this.nextDue =
        Long.MIN_VALUE; // sweep once at start: whatever fell due while the store was closed
    this.thread = new Thread(this, "stoker-sequencer");
    thread.setDaemon(true);
    this.syncer = new Syncer(storage, this::syncFailed);
  }

  /** The WAL could not be synced: nothing more can be made durable, so nothing more is taken. */
  private void syncFailed(Throwable e) {
    failure = e;
    stopping = true;
    thread.interrupt();
  }

  void start() {
    syncer.start();
    thread.start();
  }

  /** Runs {@code work} in the next round and returns its result once the round is on disk. */
  <R> R submit(Work<R> work) {
    return submit(new Command<>(work));
  }

  <R> R submit(Command<R> command) {
    Throwable f = failure;
    if (f != null) {
      throw new StoreUnavailableException(
          "the store failed and must be restarted: " + f.getMessage(), f);
    }
    if (stopping) {
      throw new StoreUnavailableException("the store is shutting down");
    }
    inbox.add(command);
    if (finished) {
      refuseRemaining(new StoreUnavailableException("the store is closed"));
    }
    try {
      return command.future.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StoreUnavailableException(String.valueOf(e.getCause()), e.getCause());
    }
  }

  /** Ends every parked claim now, and makes claims from now on return without waiting. */
  /** Reports the transitions the store makes on its own, and each sync, to {@code observer}. */
  void observe(StoreObserver observer) {
    syncer.observe(observer);
  }

  void drain() {
    draining = true;
    thread.interrupt();
  }

  /** Stops taking commands, answers what was taken, releases parked claims empty, and returns. */
  void stop() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void run() {
    List<Command<?>> taken = new ArrayList<>();
    while (true) {
      try {
        taken.clear();
        Command<?> first = inbox.poll(waitMillis(), TimeUnit.MILLISECONDS);
        if (first != null) {
          taken.add(first);
          inbox.drainTo(taken, MAX_COMMANDS_PER_BATCH - 1);
        }
      } catch (InterruptedException e) {
        if (!stopping) {
          expireParked(); // drain() woke us
          continue;
        }
      }
      if (stopping) {
        inbox.drainTo(taken);
      }
      round(taken);
      if (stopping && inbox.isEmpty()) {
        break;
      }
    }
    parked.values().forEach(q -> q.forEach(c -> c.future.complete(List.of())));
    parked.clear();
    finished = true;
    refuseRemaining(new StoreUnavailableException("the store is closed"));
    syncer.stop();
  }

  /**
   * Refuses every command still in the inbox (the loop has stopped, or is stopping on a failure).
   */
  private void refuseRemaining(StoreUnavailableException reason) {
    Command<?> c;
    while ((c = inbox.poll()) != null) {
      c.future.completeExceptionally(reason);
    }
  }

  private long waitMillis() {
    if (!signalled.isEmpty()) {
      return 0;
    }
    long wait = nextDue == Long.MAX_VALUE ? 60_000 : nextDue - clock.millis();
    long now = System.nanoTime();
    for (ArrayDeque<Claim> q : parked.values()) {
      for (Claim c : q) {
        wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(c.deadlineNanos - now) + 1);
      }
    }
    return Math.max(0, Math.min(wait, 60_000));
  }

  /** One round: sweep, re-run woken claims, apply new commands, sync, answer. */
  private void round(List<Command<?>> incoming) {
    long now = clock.millis();
    List<Command<?>> run = new ArrayList<>(incoming.size() + 8);
    // Writes first, then claims oldest-first: commands of one round are concurrent, so any order
    // is correct, and this one gives parked claimers the tasks before newcomers.
    for (Command<?> c : incoming) {
      if (!(c instanceof Claim)) {
        run.add(c);
      }
    }
    List<Claim> claims = new ArrayList<>();
    try (Batch batch = new Batch(storage, now, cluster)) {
      boolean moreDue = false;
      if (now >= nextDue) {
        batch.begin();
        moreDue = ops.sweep(batch);
        batch.commit();
      }
      for (Command<?> c : run) {
        apply(batch, c);
      }
      Set<String> woken = new HashSet<>(signalled);
      woken.addAll(batch.signals());
      signalled.clear();
      for (String q : woken) {
        ArrayDeque<Claim> waiting = parked.remove(q);
        if (waiting != null) {
          claims.addAll(waiting);
        }
      }
      for (Command<?> c : incoming) {
        if (c instanceof Claim claim) {
          claims.add(claim);
        }
      }
      for (Claim c : claims) {
        apply(batch, c);
      }
      batch.finish();
      if (batch.dirty()) {
        storage.db.write(storage.unsyncedWrite, batch.wb);
      }
      batch.applyToMemory();
      long ownSeq = cluster == null ? 0 : cluster.roundWritten();
      answerWritten(run);
      signalled.addAll(batch.signals());
      nextDue = moreDue ? now : Math.min(now >= nextDue ? recomputeDue() : nextDue, batch.due());
      List<Claim> answered = parkOrAnswer(claims);
      List<Batch.Observed> observed = batch.observed();
      syncer.after(
          new Syncer.Round(
              batch.dirty(),
              () -> {
                if (cluster != null) {
                  cluster.synced(ownSeq); // only synced events of this node leave it
                }
                answer(run);
                answered.forEach(Sequencer::complete);
                StoreObserver o = syncer.observer();
                observed.forEach(t -> t.report(o));
              },
              refusal -> {
                run.forEach(c -> c.future.completeExceptionally(refusal));
                answered.forEach(c -> c.future.completeExceptionally(refusal));
              }));
      expireParked();
    } catch (RocksDBException | RuntimeException e) {
      fail(e, incoming, claims);
    }
  }

  private void apply(Batch batch, Command<?> c) throws RocksDBException {
    batch.begin();
    try {
      applyTyped(batch, c);
      batch.commit();
    } catch (RocksDBException e) {
      throw e;
    } catch (RuntimeException e) {
      batch.abort();
      c.future.completeExceptionally(e);
    }
  }

  private <R> void applyTyped(Batch batch, Command<R> c) throws RocksDBException {
    c.result = c.apply(ops, batch);
  }

  /** Answers the {@link Written} commands of the round, and leaves the others to the sync. */
  private static void answerWritten(List<Command<?>> run) {
    for (java.util.Iterator<Command<?>> it = run.iterator(); it.hasNext(); ) {
      if (it.next() instanceof Written<?> w) {
        complete(w);
        it.remove();
      }
    }
  }

  private static void answer(List<Command<?>> commands) {
    for (Command<?> c : commands) {
      complete(c);
    }
  }

  private static <R> void complete(Command<R> c) {
    c.future.complete(c.result);
  }

  /**
   * Parks the claims that found nothing and may still wait; returns the others, to be answered once
   * the round is durable.
   */
  private List<Claim> parkOrAnswer(List<Claim> claims) {
    long now = System.nanoTime();
    List<Claim> answered = new ArrayList<>(claims.size());
    for (Claim c : claims) {
      if (c.future.isDone()) {
        continue;
      }
      if (!c.result.isEmpty() || now - c.deadlineNanos >= 0 || stopping || draining) {
        answered.add(c);
      } else {
        parked.computeIfAbsent(c.params.queue(), k -> new ArrayDeque<>()).addLast(c);
      }
    }
    return answered;
  }

  private void expireParked() {
    long now = System.nanoTime();
    for (Iterator<ArrayDeque<Claim>> it = parked.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Claim> q = it.next();
      q.removeIf(
          c -> {
            if (now - c.deadlineNanos >= 0 || draining) {
              c.future.complete(List.of());
              return true;
            }
            return false;
          });
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  /** The earliest time any time-ordered index has something due. */
  private long recomputeDue() {
    long due = Long.MAX_VALUE;
    byte[] k =
        storage.firstKey(storage.scheduled, Keys.timedFloor(storage.timedFloor(storage.scheduled)));
    if (k != null) {
      due = Math.min(due, Keys.timedMillis(k));
    }
    k = storage.firstKey(storage.leases, Keys.timedFloor(storage.timedFloor(storage.leases)));
    if (k != null) {
      due = Math.min(due, Keys.timedMillis(k) + 1);
    }
    k = storage.firstKey(storage.expiry, Keys.timedFloor(storage.timedFloor(storage.expiry)));
    if (k != null) {
      due = Math.min(due, Keys.timedMillis(k));
    }
    return due;
  }

  private void fail(Exception e, List<Command<?>> incoming, List<Claim> claims) {
    log.error("store write failed; refusing further writes until restart", e);
    failure = e;
    StoreUnavailableException unavailable =
        new StoreUnavailableException("store write failed: " + e.getMessage(), e);
    for (Command<?> c : incoming) {
      c.future.completeExceptionally(unavailable);
    }
    for (Claim c : claims) {
      c.future.completeExceptionally(unavailable);
    }
    parked.values().forEach(q -> q.forEach(c -> c.future.completeExceptionally(unavailable)));
    parked.clear();
    refuseRemaining(unavailable);
    stopping = true;
  }
}
