package dev.stoker.server;

import dev.stoker.core.Outcome;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of completions for a token limited to some queues: items whose task is in a queue it may
 * not see get the store's answer for a task that does not exist, and the rest go to the store in
 * one call, their outcomes put back in the order of the request.
 */
final class VisibleCompletions {
  private VisibleCompletions() {}

  static List<Outcome> complete(TaskStore store, List<Completion> completions, Visibility visible) {
    List<Completion> allowed = new ArrayList<>(completions.size());
    Outcome[] outcomes = new Outcome[completions.size()];
    for (int i = 0; i < completions.size(); i++) {
      Completion c = completions.get(i);
      if (store.taskGet(c.id()).filter(t -> visible.sees(t.queue())).isPresent()) {
        allowed.add(c);
      } else {
        outcomes[i] = new Outcome.NotFound(c.id());
      }
    }
    List<Outcome> done = allowed.isEmpty() ? List.of() : store.taskCompleteMany(allowed);
    int next = 0;
    for (int i = 0; i < outcomes.length; i++) {
      if (outcomes[i] == null) {
        outcomes[i] = done.get(next++);
      }
    }
    return List.of(outcomes);
  }
}
