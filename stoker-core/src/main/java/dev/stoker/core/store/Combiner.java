package dev.stoker.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Group commit for one kind of request: requests that arrive while the database is busy with this
 * kind's batches wait, and then go together in the next batch, one transaction (and one commit, one
 * fsync) for all of them. Under light load a request runs alone at once; under heavy load the
 * batches grow, so the number of transactions follows the database's speed and not the number of
 * clients. Up to {@code maxInFlight} batches run at once: a batch spends most of its time in round
 * trips and in its commit's WAL flush, during which the database can run the next one (and
 * PostgreSQL flushes concurrent commits together). A request that finds fewer batches running
 * starts a runner, which runs batches until nothing waits; the requests wait for their answers.
 * Stores use it for the requests they can serve together (the PostgreSQL store: claims, enqueues,
 * completions; the etcd store: claims).
 *
 * @param <I> a request
 * @param <O> its answer
 */
public final class Combiner<I, O> {
  private final Function<List<I>, List<O>> batch;
  private final int maxBatch;
  private final int maxInFlight;
  private final Executor runner;
  private final ReentrantLock lock = new ReentrantLock();
  private List<Waiting<I, O>> waiting = new ArrayList<>();
  private int running;

  private record Waiting<I, O>(I item, CompletableFuture<O> answer) {}

  /**
   * @param batch runs requests in one transaction and answers each, in order (one answer per
   *     request); a thrown exception is the answer of every request of the batch, and of no other
   * @param maxBatch the most requests in one batch (by count of requests)
   * @param maxInFlight the most batches running at once; 1 runs them one after the other
   * @param runner the threads batches run on: platform threads for a database driver, whose every
   *     round trip would otherwise park and resume a virtual thread through the poller
   */
  public Combiner(
      Function<List<I>, List<O>> batch, int maxBatch, int maxInFlight, Executor runner) {
    if (maxBatch < 1 || maxInFlight < 1) {
      throw new IllegalArgumentException("maxBatch and maxInFlight must be positive");
    }
    this.batch = batch;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
    this.runner = runner;
  }

  /** One batch at a time, each on a virtual thread of its own. */
  public Combiner(Function<List<I>, List<O>> batch, int maxBatch) {
    this(batch, maxBatch, 1, r -> Thread.ofVirtual().name("stoker-batch").start(r));
  }

  /** Runs {@code item} in the next batch and returns its answer, or throws what the batch threw. */
  public O submit(I item) {
    Waiting<I, O> w = new Waiting<>(item, new CompletableFuture<>());
    boolean lead;
    lock.lock();
    try {
      waiting.add(w);
      lead = running < maxInFlight;
      if (lead) {
        running++;
      }
    } finally {
      lock.unlock();
    }
    if (lead) {
      try {
        runner.execute(this::runBatches);
      } catch (RejectedExecutionException e) {
        runBatches(); // the store is closing: run here, and the batch answers with the store's
        // error
      }
    }
    try {
      return w.answer().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /** How many requests wait for the next batch (the running batch not counted). */
  public int queued() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Runs batches on this thread until nothing waits; then gives its slot back. */
  private void runBatches() {
    while (true) {
      List<Waiting<I, O>> mine;
      lock.lock();
      try {
        if (waiting.isEmpty()) {
          running--;
          return;
        }
        if (waiting.size() <= maxBatch) {
          mine = waiting;
          waiting = new ArrayList<>();
        } else {
          mine = new ArrayList<>(waiting.subList(0, maxBatch));
          waiting = new ArrayList<>(waiting.subList(maxBatch, waiting.size()));
        }
      } finally {
        lock.unlock();
      }
      runBatch(mine);
    }
  }

  private void runBatch(List<Waiting<I, O>> mine) {
    try {
      List<O> out = batch.apply(mine.stream().map(Waiting::item).toList());
      if (out.size() != mine.size()) {
        throw new IllegalStateException(
            "a batch of " + mine.size() + " requests gave " + out.size() + " answers");
      }
      for (int i = 0; i < mine.size(); i++) {
        mine.get(i).answer().complete(out.get(i));
      }
    } catch (Throwable e) {
      // Whatever the batch threw (even a checked exception thrown sneakily) is every request's
      // answer:
      // a request left unanswered would wait forever.
      mine.forEach(w -> w.answer().completeExceptionally(e));
    }
  }
}
