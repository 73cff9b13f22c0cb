package dev.stoker.core.store;

/**
 * A store that keeps the server secret with which servers sign the lease tokens they hand out, so
 * that a token cannot be made from the task's public fields. It is apart from {@link TaskStore}
 * because it is not part of the queue's API: it is the server's, and a store keeps it only so that
 * every server over that store (and every restart) signs with the same key. A store that does not
 * keep one leaves it to whoever starts the server to hand one over.
 */
public interface LeaseTokenKeySource {
  /** The key: at least 32 bytes, the same for every server over this store and across restarts. */
  byte[] leaseTokenKey();
}
