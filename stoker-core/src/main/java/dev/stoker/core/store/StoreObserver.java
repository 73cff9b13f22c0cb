package dev.stoker.core.store;

import dev.stoker.core.Task;

/**
 * What a store tells its user beyond the port's replies: the transitions it makes on its own (a
 * lease that ran out) or that a reply does not carry (the tasks a redrive moved), and how long
 * making writes durable takes. The server turns these into events of {@code GET /v1/events} and
 * metrics (docs/adr/0007, docs/observability.md). Transitions are reported once they are durable,
 * as a port method's return would be. Calls come from the store's own threads: an observer must be
 * quick and must not block or call back into the store.
 */
public interface StoreObserver {
  /** Observes nothing. */
  StoreObserver NONE = new StoreObserver() {};

  /**
   * A lease ran out and the store ended the claim: {@code task} is pending again, or dead after its
   * last attempt.
   */
  default void leaseExpired(Task task) {}

  /** A redrive moved the dead task back: {@code task} is pending, in a new generation. */
  default void redriven(Task task) {}

  /** One sync of the store's writes to stable storage (an fsync, a commit) took {@code nanos}. */
  default void synced(long nanos) {}
}
