package dev.stoker.client;

import java.util.List;

/**
 * One page of a queue's tasks, in id (enqueue) order.
 *
 * @param tasks the tasks of this page
 * @param nextCursor the cursor of the next page ({@link TaskQuery#cursor(String)}), or null when
 *     this is the last page
 */
public record TaskPage(List<Task> tasks, String nextCursor) {
  /**
   * Makes the list unmodifiable.
   *
   * @param tasks the tasks
   * @param nextCursor the cursor
   */
  public TaskPage {
    tasks = List.copyOf(tasks);
  }

  /**
   * Whether there may be more tasks after this page.
   *
   * @return whether {@link #nextCursor()} is set
   */
  public boolean hasMore() {
    return nextCursor != null;
  }
}
