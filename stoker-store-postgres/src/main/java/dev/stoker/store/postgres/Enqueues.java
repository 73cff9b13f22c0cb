package dev.stoker.store.postgres;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.Combiner;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.store.postgres.Rows.Stored;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Enqueues: the requests into one queue that arrive together go into one transaction ({@link
 * Combiner}); tasks without a unique key are inserted in one batch, keyed ones one by one against
 * the partial unique index {@code tasks_unique_live}, which settles races between servers.
 */
final class Enqueues {
  private final Sweeper.Store store;
  private final Queues queues;
  private final TaskIdGenerator ids;
  private final ExecutorService batchThreads;
  private final ConcurrentHashMap<String, Combiner<List<TaskSpec>, List<EnqueueResult>>> combiners =
      new ConcurrentHashMap<>();

  Enqueues(Sweeper.Store store, Queues queues, TaskIdGenerator ids, ExecutorService batchThreads) {
    this.store = store;
    this.queues = queues;
    this.ids = ids;
    this.batchThreads = batchThreads;
  }

  List<EnqueueResult> enqueue(String queue, List<TaskSpec> specs) {
    int queueId = queues.ensure(queue);
    return combiners
        .computeIfAbsent(
            queue,
            q ->
                new Combiner<List<TaskSpec>, List<EnqueueResult>>(
                    batch -> batch(q, queueId, batch),
                    PostgresStore.MAX_BATCHED_REQUESTS,
                    PostgresStore.BATCHES_IN_FLIGHT,
                    batchThreads))
        .submit(specs);
  }

  /** Several enqueue requests into one queue, in one transaction; each keeps its own answer. */
  private List<List<EnqueueResult>> batch(
      String queue, int queueId, List<List<TaskSpec>> requests) {
    return store.run(
        tx -> {
          QueueSettings s = queues.settings(tx.c, queueId, false);
          List<List<EnqueueResult>> answers = new ArrayList<>(requests.size());
          List<Task> plain = new ArrayList<>();
          for (List<TaskSpec> specs : requests) {
            List<EnqueueResult> out = new ArrayList<>(specs.size());
            for (TaskSpec spec : specs) {
              Task t = Transitions.enqueue(ids.next(), queue, spec, s, tx.stamp());
              if (t.uniqueKey() == null) {
                plain.add(t);
                out.add(new EnqueueResult(t, false));
              } else {
                out.add(keyed(tx, queueId, t));
              }
            }
            answers.add(out);
          }
          tx.insertAll(plain, queueId);
          return answers;
        });
  }

  private EnqueueResult keyed(Tx tx, int queueId, Task t) throws SQLException {
    while (true) {
      if (tx.insert(t, queueId)) {
        return new EnqueueResult(t, false);
      }
      List<Stored> live =
          tx.select(
              "SELECT "
                  + Rows.COLUMNS
                  + " FROM ${schema}.tasks"
                  + " WHERE queue_id = ? AND unique_key = ? AND state <= "
                  + StateCodes.LAST_LIVE,
              ps -> {
                ps.setInt(1, queueId);
                ps.setString(2, t.uniqueKey());
              });
      if (!live.isEmpty() && !live.get(0).task().state().isTerminal()) {
        return new EnqueueResult(live.get(0).task(), true);
      }
      // The holder finished in between: the key is free again.
    }
  }
}
