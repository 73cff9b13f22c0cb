package dev.stoker.core;

/**
 * The claim a worker holds on a working task.
 *
 * @param owner the worker string the claimer chose
 * @param token names this claim; heartbeat, fail and release must present it
 * @param expiresAt epoch millis after which the task may be taken over
 */
public record Lease(String owner, String token, long expiresAt) {}
