package dev.stoker.core.store;

import dev.stoker.core.Task;

/** An enqueued task, or the live task that already had its unique key ({@code duplicate}). */
public record EnqueueResult(Task task, boolean duplicate) {}
