package dev.stoker.core.store;

import dev.stoker.core.TaskState;

/**
 * A request for one page of a queue's tasks.
 *
 * @param state only tasks in this state, or null for all
 * @param name only tasks with this name, or null for all
 * @param limit the most tasks on the page
 * @param cursor where the previous page ended ({@link Page#nextCursor()}), or null for the start
 */
public record ListParams(String queue, TaskState state, String name, int limit, String cursor) {}
