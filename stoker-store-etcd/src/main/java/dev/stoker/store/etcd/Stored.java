package dev.stoker.store.etcd;

import dev.stoker.core.Task;

/**
 * A task as read, with the mod revision of its record: what a write compares to fence off every
 * other write.
 */
record Stored(Task task, long modRevision) {}
