package dev.stoker.core.store;

import dev.stoker.core.Task;

/**
 * What a store tells its user beyond the port's replies: the transitions it makes on its own (a
 * lease that ran out) or that a reply does not carry (the tasks a redrive moved), the transitions
 * other servers over the same store made, and how long making writes durable takes. The server
 * turns these into events of {@code GET /v1/events} and metrics (docs/adr/0007,
 * docs/observability.md). Transitions are reported once they are durable, as a port method's return
 * would be. Calls come from the store's own threads: an observer must be quick and must not block
 * or call back into the store.
 */
public interface StoreObserver {
  /** Observes nothing, and watches nothing made elsewhere. */
  StoreObserver NONE =
      new StoreObserver() {
        @Override
        public boolean watching() {
          return false;
        }
      };

  /**
   * A lease ran out and the store ended the claim: {@code task} is pending again, or dead after its
   * last attempt.
   */
  default void leaseExpired(Task task) {}

  /** A redrive moved the dead task back: {@code task} is pending, in a new generation. */
  default void redriven(Task task) {}

  /** One sync of the store's writes to stable storage (an fsync, a commit) took {@code nanos}. */
  default void synced(long nanos) {}

  /**
   * Another server over the same store made {@code transition}, after which the task was {@code
   * task} (docs/adr/0008). Reported only by stores that several servers share (PostgreSQL, etcd),
   * after the other server's write is durable, in the order the store delivers them, and never for
   * this server's own writes (its replies and the calls above carry those). Transitions that follow
   * each other quickly may arrive as the last of them only.
   */
  default void madeElsewhere(Transition transition, Task task) {}

  /**
   * Transitions made elsewhere may have been missed since the last report (the store lost its
   * connection, or its history was compacted): whoever shows them should read the tasks again.
   */
  default void missedElsewhere() {}

  /**
   * Whether someone watches the transitions made elsewhere now (the server: while {@code GET
   * /v1/events} has a subscriber). A store whose writers pay to report their transitions to the
   * other servers (PostgreSQL: a NOTIFY serialises commits) reports them only while some other
   * server's observer watches, asks this every few tenths of a second, and reports a lapse of its
   * interest as {@link #missedElsewhere}. A store whose reports cost its writers nothing (etcd)
   * ignores it.
   */
  default boolean watching() {
    return true;
  }
}
