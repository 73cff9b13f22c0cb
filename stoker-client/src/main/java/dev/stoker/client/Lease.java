package dev.stoker.client;

import java.time.Instant;
import java.util.Objects;

/**
 * The lease of a working task: who claimed it, the token that names this claim, and when the lease
 * runs out unless a heartbeat extends it.
 *
 * <p>The token is a capability: the server shows it only to the worker that holds the claim, in the
 * replies to {@link StokerClient#claim claim} and {@link StokerClient#heartbeat heartbeat}. In
 * tasks read any other way ({@link StokerClient#task}, lists, a duplicate enqueue, ...) it is null.
 *
 * @param owner the {@code worker} name given at claim
 * @param token the lease token to pass to heartbeat, complete, fail and release (opaque); null
 *     where the server does not show it
 * @param expiresAt when the lease runs out (by the server's clock)
 */
public record Lease(String owner, String token, Instant expiresAt) {
  /**
   * Checks that the owner and the expiry are given.
   *
   * @param owner the owner
   * @param token the token, or null
   * @param expiresAt the expiry
   */
  public Lease {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
