package dev.stoker.core.store;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.Transitions;
import java.util.random.RandomGenerator;

/**
 * A failure report.
 *
 * @param error what went wrong, kept as the task's {@code last_error}
 * @param permanent whether to give up at once (dead) instead of retrying
 * @param retryInMs the delay before the retry, or null for the queue's backoff
 */
public record FailParams(TaskId id, String token, String error, boolean permanent, Long retryInMs)
    implements TaskChange {
  @Override
  public Outcome apply(Task current, QueueSettings queue, Stamp at, RandomGenerator random) {
    return Transitions.fail(
        current, token, error, permanent, retryInMs, queue.backoff(), random.nextDouble(), at);
  }

  @Override
  public boolean readsQueueSettings() {
    return true;
  }
}
