package dev.stoker.core.store;

import dev.stoker.core.TaskId;

/**
 * A failure report.
 *
 * @param error what went wrong, kept as the task's {@code last_error}
 * @param permanent whether to give up at once (dead) instead of retrying
 * @param retryInMs the delay before the retry, or null for the queue's backoff
 */
public record FailParams(TaskId id, String token, String error, boolean permanent, Long retryInMs) {}
