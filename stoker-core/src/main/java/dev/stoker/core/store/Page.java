package dev.stoker.core.store;

import dev.stoker.core.Task;
import java.util.List;

/** A page of tasks, and the cursor of the next page (null on the last page). */
public record Page(List<Task> tasks, String nextCursor) {}
