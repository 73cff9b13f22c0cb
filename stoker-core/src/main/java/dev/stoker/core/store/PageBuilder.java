package dev.stoker.core.store;

import dev.stoker.core.InvalidInput;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of {@link TaskStore#taskList}, built the same way by every store from the rows it reads:
 * the store seeks to the row after {@link #after()} in its id-ordered index of the queue (of the
 * state, when one is asked for), adds rows while {@link #wantsNextRow()} (or {@link #offer}s them)
 * and returns {@link #page()}. The name filter and the paging rules live here:
 *
 * <ul>
 *   <li>a cursor is the id of the last row the page looked at, so paging is stable while tasks come
 *       and go (docs/api.md, "Paging through tasks");
 *   <li>a page reads at most {@link #SCAN_BUDGET} rows: with a name filter it can end with fewer
 *       than {@code limit} tasks, even none, and a cursor.
 * </ul>
 */
public final class PageBuilder {
  /** The most rows one list request reads while filtering by name; the page then ends early. */
  public static final int SCAN_BUDGET = 10_000;

  private final ListParams params;
  private final TaskId after;
  private final List<Task> tasks;
  private TaskId last;
  private int scanned;
  private boolean more;

  /**
   * @throws InvalidInput when the cursor is not one a store issued
   */
  public PageBuilder(ListParams params) {
    this.params = params;
    this.after = parseCursor(params.cursor());
    this.tasks = new ArrayList<>(Math.min(params.limit(), 256));
  }

  /** The id the page starts after, or null for the start of the queue. */
  public TaskId after() {
    return after;
  }

  /**
   * The most rows the page can use (one more than it keeps, to know whether another page follows):
   * a store that reads rows in bulk needs to read no more.
   */
  public int rowsToRead() {
    return (params.name() == null ? Math.min(params.limit(), SCAN_BUDGET) : SCAN_BUDGET) + 1;
  }

  /**
   * Whether the page reads the next row in id order; call it only when there is one. False means
   * the page is complete and ends with a cursor: stop reading.
   */
  public boolean wantsNextRow() {
    if (tasks.size() == params.limit() || scanned == SCAN_BUDGET) {
      more = true;
      return false;
    }
    return true;
  }

  /**
   * Reads the row {@link #wantsNextRow()} asked for.
   *
   * @param task the row's task, or null when it is gone (an index entry the store has not cleaned
   *     up)
   */
  public void add(TaskId id, Task task) {
    scanned++;
    last = id;
    if (task != null && (params.name() == null || params.name().equals(task.name()))) {
      tasks.add(task);
    }
  }

  /**
   * {@link #wantsNextRow()} and, if so, {@link #add}: for a store that has the row's task at hand.
   */
  public boolean offer(TaskId id, Task task) {
    if (!wantsNextRow()) {
      return false;
    }
    add(id, task);
    return true;
  }

  /** The page of the rows read. */
  public Page page() {
    return new Page(List.copyOf(tasks), more ? last.toString() : null);
  }

  private static TaskId parseCursor(String cursor) {
    if (cursor == null) {
      return null;
    }
    TaskId id = TaskId.tryParse(cursor);
    if (id == null) {
      throw new InvalidInput("cursor", "cursor is not one this server issued");
    }
    return id;
  }
}
