package dev.stoker.client;

/**
 * A queue: its name, its counts, and (from {@link StokerClient#queue(String)}) its settings.
 *
 * @param name the queue's name
 * @param counts how many tasks are in each state
 * @param settings the queue's settings; null in the list of {@link StokerClient#queues()}, which
 *     does not carry them
 * @param paused whether the queue is paused
 */
public record QueueInfo(String name, QueueCounts counts, QueueSettings settings, boolean paused) {}
