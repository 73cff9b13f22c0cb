package dev.stoker.testkit;

import dev.stoker.core.store.TaskStore;

/** The conformance suite, run on the reference model: the suite's own check. */
class ModelStoreConformanceTest extends StoreConformanceSuite {
  @Override
  protected TaskStore newStore(ManualClock clock) {
    return new ModelStore(clock, 42);
  }
}
