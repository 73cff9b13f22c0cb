package dev.stoker.cluster;

import dev.stoker.core.Task;

/**
 * The immutable part of a task, fixed at enqueue. Only the events that create a task's life (enqueue,
 * redrive) carry it; every other event carries only the {@link Register}, so a state event stays small.
 */
public record Body(String queue, String name, String paramsJson, int priority, String uniqueKey, int maxAttempts,
    long createdAt) {

  static Body of(Task t) {
    return new Body(t.queue(), t.name(), t.paramsJson(), t.priority(), t.uniqueKey(), t.maxAttempts(), t.createdAt());
  }
}
