package dev.stoker.store.postgres;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Combiner;
import dev.stoker.store.postgres.Rows.Stored;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Claims, and the long poll around them: a claim that finds nothing waits on {@link Wakeups} (woken
 * by this server's own writes and by NOTIFY from the others, re-polling every poll interval in case
 * a notification was missed) until its wait ends. The claim requests on one queue that arrive
 * together are served by one {@code SKIP LOCKED} statement in one transaction ({@link Combiner}).
 */
final class Claims {
  private final Sweeper.Store store;
  private final Sweeper sweeper;
  private final Queues queues;
  private final Wakeups wakeups;
  private final Duration pollInterval;

  /** True once waiting claims should return at once (draining or closed). */
  private final BooleanSupplier stopWaiting;

  private final ExecutorService batchThreads;
  private final ConcurrentHashMap<String, Combiner<ClaimParams, List<Task>>> combiners =
      new ConcurrentHashMap<>();

  Claims(
      Sweeper.Store store,
      Sweeper sweeper,
      Queues queues,
      Wakeups wakeups,
      Duration pollInterval,
      BooleanSupplier stopWaiting,
      ExecutorService batchThreads) {
    this.store = store;
    this.sweeper = sweeper;
    this.queues = queues;
    this.wakeups = wakeups;
    this.pollInterval = pollInterval;
    this.stopWaiting = stopWaiting;
    this.batchThreads = batchThreads;
  }

  List<Task> claim(ClaimParams p) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.waitMs());
    long poll = TimeUnit.MILLISECONDS.toNanos(pollInterval.toMillis());
    while (true) {
      long seq = wakeups.seq(p.queue());
      List<Task> got = claimNow(p);
      long left = deadline - System.nanoTime();
      if (!got.isEmpty() || left <= 0 || stopWaiting.getAsBoolean()) {
        return got;
      }
      try {
        wakeups.await(p.queue(), seq, Math.min(left, poll));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
  }

  private List<Task> claimNow(ClaimParams p) {
    sweeper.sweepIfDue();
    return combiners
        .computeIfAbsent(
            p.queue(),
            q ->
                new Combiner<ClaimParams, List<Task>>(
                    batch -> batch(q, batch),
                    PostgresStore.MAX_BATCHED_REQUESTS,
                    PostgresStore.BATCHES_IN_FLIGHT,
                    batchThreads))
        .submit(p);
  }

  /**
   * Several claim requests on one queue in one statement and one transaction: the first tasks in
   * claim order, handed out to the requests in the order they came, each under its own worker and
   * lease.
   */
  private List<List<Task>> batch(String queue, List<ClaimParams> requests) {
    return store.run(
        tx -> {
          List<List<Task>> answers = new ArrayList<>(requests.size());
          Integer queueId = queues.find(tx.c, queue);
          QueueSettings s = queueId == null ? null : queues.settings(tx.c, queueId, false);
          if (s == null || s.paused()) {
            requests.forEach(r -> answers.add(List.of()));
            return answers;
          }
          int wanted = requests.stream().mapToInt(ClaimParams::max).sum();
          List<Stored> ready =
              tx.lockAll(
                  "SELECT "
                      + Rows.COLUMNS
                      + " FROM ${schema}.tasks"
                      + " WHERE queue_id = ? AND state = "
                      + StateCodes.PENDING
                      + " AND NOT scheduled"
                      + " ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
                  ps -> {
                    ps.setInt(1, queueId);
                    ps.setInt(2, wanted);
                  });
          int next = 0;
          for (ClaimParams p : requests) {
            long leaseMs = p.leaseMsIn(s);
            List<Task> claimed = new ArrayList<>(Math.min(p.max(), ready.size() - next));
            for (; next < ready.size() && claimed.size() < p.max(); next++) {
              Task t = Transitions.claim(ready.get(next).task(), p.worker(), leaseMs, tx.stamp());
              tx.update(ready.get(next), t);
              claimed.add(t);
            }
            answers.add(claimed);
          }
          return answers;
        });
  }
}
