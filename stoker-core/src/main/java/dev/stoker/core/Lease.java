package dev.stoker.core;

/**
 * The claim a worker holds on a working task.
 *
 * @param owner the worker string the claimer chose
 * @param token names this claim; heartbeat, fail and release must present it
 * @param expiresAt epoch millis after which the task may be taken over
 * @param progressJson the last progress the worker reported with a heartbeat of this claim, as JSON
 *     text, or null when it reported none: progress belongs to the claim, so a new claim starts
 *     without one
 */
public record Lease(String owner, String token, long expiresAt, String progressJson) {

  /** A lease with no progress reported. */
  public Lease(String owner, String token, long expiresAt) {
    this(owner, token, expiresAt, null);
  }
}
