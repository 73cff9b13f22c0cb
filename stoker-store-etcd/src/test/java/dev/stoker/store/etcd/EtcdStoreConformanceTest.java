package dev.stoker.store.etcd;

import dev.stoker.core.store.TaskStore;
import dev.stoker.testkit.EtcdTemp;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.StoreConformanceSuite;
import java.util.SplittableRandom;

/**
 * The etcd store runs the one conformance suite, unchanged, on a real 3-member cluster; a fresh key
 * prefix per test.
 */
class EtcdStoreConformanceTest extends StoreConformanceSuite {
  @Override
  protected TaskStore newStore(ManualClock clock) {
    EtcdConfig config =
        EtcdConfig.of(EtcdTemp.shared().endpoints()).withPrefix(EtcdTemp.freshPrefix());
    return EtcdStore.open(config, clock, 1, new SplittableRandom(7));
  }
}
