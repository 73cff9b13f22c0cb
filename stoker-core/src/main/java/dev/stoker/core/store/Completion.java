package dev.stoker.core.store;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.Transitions;
import java.util.random.RandomGenerator;

/** One completion in a batch: the task, the claim's token and the result as JSON text (or null). */
public record Completion(TaskId id, String token, String resultJson) implements TaskChange {
  @Override
  public Outcome apply(Task current, QueueSettings queue, Stamp at, RandomGenerator random) {
    return Transitions.complete(current, token, resultJson, at);
  }
}
