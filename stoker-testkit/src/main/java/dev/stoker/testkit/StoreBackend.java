package dev.stoker.testkit;

import dev.stoker.core.store.TaskStore;

/**
 * What the conformance contracts need of a backend: how to open a fresh, empty store. {@link
 * StoreConformanceSuite} is the usual way to run them all; a test that runs only some contracts (as
 * the PostgreSQL store runs the enqueue contract through its SQL function) implements this and
 * extends those contracts in nested classes.
 */
public interface StoreBackend {
  /** Opens a fresh, empty store whose wall clock is {@code clock}. It is closed after each test. */
  TaskStore newStore(ManualClock clock);

  /**
   * How long after its {@code expires_at} the contracts consider a lease expired: at least the
   * backend's allowance for clock offset between nodes. 1 s covers the default 500 ms.
   */
  default long leaseExpiryMarginMs() {
    return 1_000;
  }
}
