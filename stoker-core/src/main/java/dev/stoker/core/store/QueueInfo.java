package dev.stoker.core.store;

import dev.stoker.core.QueueSettings;

/** A queue's name, counts and settings. */
public record QueueInfo(String name, QueueCounts counts, QueueSettings settings) {}
