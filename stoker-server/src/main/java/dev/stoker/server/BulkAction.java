package dev.stoker.server;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import java.util.function.Function;

/**
 * One operation applied to the tasks of a queue that a filter lists ({@code POST
 * /v1/queues/{queue}/tasks/cancel} and {@code .../retry}, docs/api.md#bulk-cancel-and-retry): pages
 * through the list, oldest id first, and applies the port's single-task operation to each, so every
 * rule of that operation holds on every backend (a task finished meanwhile is refused and stays as
 * it is, versions, events). Stops after {@code limit} tasks, so one request's work is bounded; the
 * client sends it again while {@code more}.
 */
final class BulkAction {
  static final int DEFAULT_LIMIT = 1_000;
  static final int MAX_LIMIT = 10_000;

  /** Tasks listed per read of the store. */
  private static final int PAGE = 500;

  /**
   * @param changed the tasks the operation changed
   * @param unchanged the tasks it refused (finished meanwhile, a unique key held, pruned)
   * @param more whether the limit stopped it before the end of the matching tasks
   */
  record Result(int changed, int unchanged, boolean more) {}

  private BulkAction() {}

  /**
   * Applies {@code operation} to up to {@code limit} tasks of {@code queue} in each of {@code
   * states} in turn (of {@code name} when not null).
   */
  static Result apply(
      TaskStore store,
      String queue,
      List<TaskState> states,
      String name,
      int limit,
      Function<TaskId, Outcome> operation) {
    int changed = 0;
    int unchanged = 0;
    for (int s = 0; s < states.size(); s++) {
      String cursor = null;
      do {
        Page page =
            store.taskList(
                new ListParams(
                    queue,
                    states.get(s),
                    name,
                    Math.min(PAGE, limit - changed - unchanged),
                    cursor));
        for (Task t : page.tasks()) {
          if (operation.apply(t.id()) instanceof Outcome.Ok) {
            changed++;
          } else {
            unchanged++;
          }
        }
        cursor = page.nextCursor();
        if (changed + unchanged == limit) {
          return new Result(changed, unchanged, cursor != null || s < states.size() - 1);
        }
      } while (cursor != null);
    }
    return new Result(changed, unchanged, false);
  }
}
