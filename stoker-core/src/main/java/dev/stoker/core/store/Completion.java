package dev.stoker.core.store;

import dev.stoker.core.TaskId;

/** One completion in a batch: the task, the claim's token and the result as JSON text (or null). */
public record Completion(TaskId id, String token, String resultJson) {}
