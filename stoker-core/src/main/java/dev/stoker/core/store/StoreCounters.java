package dev.stoker.core.store;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * A store that counts events of its own which no HTTP request shows (contention between servers
 * inside the store), for the server to publish with its metrics (docs/observability.md).
 */
public interface StoreCounters {
  /** The store's counters; the server reads each at every scrape. */
  List<Counter> counters();

  /**
   * A counter that only grows.
   *
   * @param name its name in Micrometer's dotted form ({@code stoker.etcd.claim.conflicts} is
   *     published as {@code stoker_etcd_claim_conflicts_total})
   * @param description what it counts
   * @param value its value now
   */
  record Counter(String name, String description, LongSupplier value) {}
}
