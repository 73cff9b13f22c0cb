package dev.stoker.client;

/**
 * Which tasks of a queue to list, for {@link StokerClient#tasks} and {@link StokerClient#allTasks}:
 * every field is optional. Built with withers from {@link #create()}.
 *
 * @param state only tasks in this state, or null for all
 * @param name only tasks with this name, or null for all
 * @param limit at most this many tasks per page (1–1000; null for the server's default, 100)
 * @param cursor continue after this page's end ({@link TaskPage#nextCursor()}), or null to start
 */
public record TaskQuery(TaskState state, String name, Integer limit, String cursor) {
  /**
   * Checks the limit.
   *
   * @param state the state
   * @param name the name
   * @param limit the limit
   * @param cursor the cursor
   * @throws IllegalArgumentException when the limit is below 1
   */
  public TaskQuery {
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
  }

  /**
   * Every task, from the first, in pages of the server's default size.
   *
   * @return the query
   */
  public static TaskQuery create() {
    return new TaskQuery(null, null, null, null);
  }

  /**
   * Only tasks in this state.
   *
   * @param value the state, or null for all
   * @return a copy with this filter
   */
  public TaskQuery state(TaskState value) {
    return new TaskQuery(value, name, limit, cursor);
  }

  /**
   * Only tasks with this name.
   *
   * @param value the name, or null for all
   * @return a copy with this filter
   */
  public TaskQuery name(String value) {
    return new TaskQuery(state, value, limit, cursor);
  }

  /**
   * At most this many tasks per page.
   *
   * @param value 1–1000
   * @return a copy with this page size
   */
  public TaskQuery limit(int value) {
    return new TaskQuery(state, name, value, cursor);
  }

  /**
   * The page after the one that returned this cursor.
   *
   * @param value a {@link TaskPage#nextCursor()}, or null to start from the first
   * @return a copy at this cursor
   */
  public TaskQuery cursor(String value) {
    return new TaskQuery(state, name, limit, value);
  }
}
