package dev.stoker.server;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import java.util.Optional;

/**
 * A {@link TaskStore} that counts what goes through it: the task counters and timings of
 * docs/observability.md, taken from what the store answers, so they hold for every backend. Only the
 * writes this server carries are counted; a fleet of servers over one store is summed by Prometheus.
 */
final class MeteredStore implements TaskStore {
  private final TaskStore store;
  private final Metrics metrics;

  MeteredStore(TaskStore store, Metrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  @Override
  public List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs) {
    List<EnqueueResult> results = store.taskEnqueueMany(queue, specs);
    long added = results.stream().filter(r -> !r.duplicate()).count();
    if (added > 0) {
      metrics.queue(queue).enqueued.increment(added);
    }
    return results;
  }

  @Override
  public List<Task> taskClaimMany(ClaimParams params) {
    List<Task> claimed = store.taskClaimMany(params);
    if (!claimed.isEmpty()) {
      metrics.queue(params.queue()).claimed.increment(claimed.size());
      for (Task t : claimed) {
        metrics.claimed(t);
      }
    }
    return claimed;
  }

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs) {
    return store.taskHeartbeat(id, token, leaseMs);
  }

  @Override
  public Outcome taskComplete(TaskId id, String token, String resultJson) {
    Outcome o = store.taskComplete(id, token, resultJson);
    completed(token, o);
    return o;
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
    }
  }

  @Override
  public Outcome taskFail(FailParams params) {
    Outcome o = store.taskFail(params);
    if (o instanceof Outcome.Ok ok) {
      metrics.queue(ok.task().queue()).failed.increment();
      metrics.forget(params.token());
    }
    return o;
  }

  @Override
  public Outcome taskRelease(TaskId id, String token, long delayMs) {
    Outcome o = store.taskRelease(id, token, delayMs);
    if (o instanceof Outcome.Ok) {
      metrics.forget(token);
    }
    return o;
  }

  @Override
  public Outcome taskCancel(TaskId id) {
    return store.taskCancel(id);
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
