package dev.stoker.server;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.CompletedAndClaimed;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.TaskStore;
import dev.stoker.core.store.Transition;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link TaskStore} whose acknowledged writes are observed: counted into the task counters and
 * timings of docs/observability.md, and published as transitions on the {@link ChangeFeed} of
 * {@code GET /v1/events}. Both are taken from what the store answers through the port, so they hold
 * for every backend (docs/adr/0007). A write is observed once the store returned it, that is once
 * it is durable. What the store does on its own (leases that run out) or does not return (the tasks
 * a redrive moved), how long its syncs take, and the transitions other servers over the same store
 * made (published on the feed only: each server counts its own writes in its metrics,
 * docs/adr/0008), it reports through the {@link StoreObserver} this class sets on it.
 */
final class ObservedStore implements TaskStore {
  private final TaskStore store;
  private final Metrics metrics;
  private final ChangeFeed feed;

  ObservedStore(TaskStore store, Metrics metrics, ChangeFeed feed) {
    this.store = store;
    this.metrics = metrics;
    this.feed = feed;
    store.observe(
        new StoreObserver() {
          @Override
          public void leaseExpired(Task task) {
            metrics.queue(task.queue()).leaseExpirations.increment();
            feed.publish(Transition.EXPIRED, task);
          }

          @Override
          public void redriven(Task task) {
            feed.publish(Transition.REDRIVEN, task);
          }

          @Override
          public void synced(long nanos) {
            metrics.synced(nanos);
          }

          @Override
          public void madeElsewhere(Transition transition, Task task) {
            feed.publish(transition, task);
          }

          @Override
          public void missedElsewhere() {
            feed.publishReset();
          }

          @Override
          public boolean watching() {
            return feed.hasSubscribers();
          }
        });
  }

  @Override
  public List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs) {
    List<EnqueueResult> results = store.taskEnqueueMany(queue, specs);
    long added = 0;
    for (EnqueueResult r : results) {
      if (!r.duplicate()) {
        added++;
        feed.publish(Transition.ENQUEUED, r.task());
      }
    }
    if (added > 0) {
      metrics.queue(queue).enqueued.increment(added);
    }
    return results;
  }

  @Override
  public List<Task> taskClaimMany(ClaimParams params) {
    List<Task> claimed = store.taskClaimMany(params);
    claimed(params.queue(), claimed);
    return claimed;
  }

  private void claimed(String queue, List<Task> claimed) {
    if (!claimed.isEmpty()) {
      metrics.queue(queue).claimed.increment(claimed.size());
      for (Task t : claimed) {
        metrics.claimed(t);
        feed.publish(Transition.CLAIMED, t);
      }
    }
  }

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs, String progressJson) {
    return store.taskHeartbeat(id, token, leaseMs, progressJson);
  }

  @Override
  public Outcome taskComplete(TaskId id, String token, String resultJson) {
    Outcome o = store.taskComplete(id, token, resultJson);
    completed(token, o);
    return o;
  }

  @Override
  public CompletedAndClaimed taskCompleteAndClaim(
      TaskId id, String token, String resultJson, Function<String, ClaimParams> next) {
    CompletedAndClaimed r = store.taskCompleteAndClaim(id, token, resultJson, next);
    completed(token, r.outcome());
    if (r.outcome() instanceof Outcome.Ok ok) {
      claimed(next.apply(ok.task().queue()).queue(), r.claimed());
    }
    return r;
  }

  @Override
  public List<Outcome> taskCompleteMany(List<Completion> completions) {
    List<Outcome> outcomes = store.taskCompleteMany(completions);
    for (int i = 0; i < outcomes.size(); i++) {
      completed(completions.get(i).token(), outcomes.get(i));
    }
    return outcomes;
  }

  private void completed(String token, Outcome o) {
    if (o instanceof Outcome.Ok ok) {
      metrics.queue(ok.task().queue()).completed.increment();
      metrics.settled(token, ok.task());
      feed.publish(Transition.COMPLETED, ok.task());
    }
  }

  @Override
  public Outcome taskFail(FailParams params) {
    Outcome o = store.taskFail(params);
    if (o instanceof Outcome.Ok ok) {
      metrics.queue(ok.task().queue()).failed.increment();
      feed.publish(
          ok.task().state() == TaskState.DEAD ? Transition.DEAD : Transition.FAILED, ok.task());
    }
    return o;
  }

  @Override
  public Outcome taskRelease(TaskId id, String token, long delayMs) {
    Outcome o = store.taskRelease(id, token, delayMs);
    if (o instanceof Outcome.Ok ok) {
      feed.publish(Transition.RELEASED, ok.task());
    }
    return o;
  }

  @Override
  public Outcome taskCancel(TaskId id) {
    return published(store.taskCancel(id), Transition.CANCELLED);
  }

  @Override
  public Outcome taskRetry(TaskId id) {
    return published(store.taskRetry(id), Transition.RETRIED);
  }

  /** Publishes the task an applied operation made as {@code transition}; returns {@code o}. */
  private Outcome published(Outcome o, Transition transition) {
    if (o instanceof Outcome.Ok ok) {
      feed.publish(transition, ok.task());
    }
    return o;
  }

  @Override
  public RedriveResult queueRedrive(String queue, int limit) {
    return store.queueRedrive(queue, limit);
  }

  @Override
  public Optional<Task> taskGet(TaskId id) {
    return store.taskGet(id);
  }

  @Override
  public Page taskList(ListParams params) {
    return store.taskList(params);
  }

  @Override
  public QueueInfo queueGet(String queue) {
    return store.queueGet(queue);
  }

  @Override
  public List<QueueInfo> queueList() {
    return store.queueList();
  }

  @Override
  public QueueSettings queueUpdate(String queue, SettingsPatch patch) {
    return store.queueUpdate(queue, patch);
  }

  @Override
  public void drain() {
    store.drain();
  }

  @Override
  public void close() {
    store.close();
  }
}
