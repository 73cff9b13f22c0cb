package dev.stoker.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Reading a cluster node's replication metrics from its Prometheus text. */
class ReplicationScrapeTest {
  private static String exposition(long le1ms, long le5ms, long le50ms, long all, long bytes) {
    return """
        # HELP stoker_cluster_replication_lag_seconds from an event's HLC stamp ...
        # TYPE stoker_cluster_replication_lag_seconds histogram
        stoker_cluster_replication_lag_seconds_bucket{le="0.001"} %d
        stoker_cluster_replication_lag_seconds_bucket{le="0.005"} %d
        stoker_cluster_replication_lag_seconds_bucket{le="0.05"} %d
        stoker_cluster_replication_lag_seconds_bucket{le="+Inf"} %d
        stoker_cluster_replication_lag_seconds_count %d
        stoker_cluster_received_bytes_total %d.0
        stoker_cluster_received_events_total %d.0
        stoker_cluster_exchanges_total %d.0
        stoker_claim_pickup_seconds_bucket{le="0.005"} 999
        """
        .formatted(le1ms, le5ms, le50ms, all, all, bytes, all, all / 4);
  }

  @Test
  void the_histogram_buckets_and_the_counters_are_read_and_other_metrics_left_alone() {
    String text = exposition(10, 80, 99, 100, 6_000);
    assertThat(ReplicationScrape.parse(text))
        .containsEntry(0.001, 10.0)
        .containsEntry(0.05, 99.0)
        .containsEntry(Double.POSITIVE_INFINITY, 100.0)
        .hasSize(4);
    assertThat(ReplicationScrape.counter(text, "stoker_cluster_received_bytes_total"))
        .isEqualTo(6_000.0);
    assertThat(ReplicationScrape.counter(text, "stoker_absent_total")).isZero();
  }

  @Test
  void quantiles_are_the_bounds_of_the_buckets_that_hold_them_over_what_a_workload_added() {
    ReplicationScrape before = ReplicationScrape.of(exposition(5, 5, 5, 5, 1_000));
    ReplicationScrape after = ReplicationScrape.of(exposition(15, 85, 104, 105, 7_000));
    ReplicationScrape workload = after.since(before);

    assertThat(workload.events()).isEqualTo(100);
    assertThat(workload.quantileMs(0.10)).isEqualTo(1.0);
    assertThat(workload.quantileMs(0.5)).isEqualTo(5.0);
    assertThat(workload.quantileMs(0.99)).isEqualTo(50.0);
    assertThat(workload.quantileMs(1.0)).isInfinite();
    assertThat(workload.bytesPerEvent()).isCloseTo(60.0, within(1e-9));
    assertThat(workload.eventsPerExchange()).isCloseTo(100.0 / 25, within(1e-9));
    assertThat(ReplicationScrape.of("").quantileMs(0.5)).isNaN();
  }
}
