package dev.stoker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The comparison lines of a report: Stoker on PostgreSQL over the SKIP LOCKED loop, and over one
 * server.
 */
class ReportTest {
  private static Report report() {
    return new Report(
        new BenchConfig(
            "http://127.0.0.1:1",
            1_000,
            4,
            200,
            Set.of("w1"),
            10,
            Duration.ofMillis(5),
            List.of()));
  }

  private static Report.SystemInfo stokerOnPostgres(String name, int servers) {
    return new Report.SystemInfo(name, "postgres", servers, true, "synchronous_commit=on", null);
  }

  private static void endToEnd(Report r, String system, double seconds) {
    r.add(new Report.Phase(system, "w1", "end-to-end", 1_000, seconds));
  }

  @Test
  void stoker_on_postgres_is_compared_with_the_loop_and_with_one_server() {
    Report r = report();
    r.system(stokerOnPostgres("stoker/postgres ×1", 1));
    r.system(stokerOnPostgres("stoker/postgres ×3", 3));
    endToEnd(r, PostgresPeer.NAME, 1.0);
    endToEnd(r, "stoker/postgres ×1", 0.5);
    endToEnd(r, "stoker/postgres ×3", 0.25);

    assertThat(r.comparisons())
        .containsExactly(
            "stoker/postgres ×1 w1 end-to-end = 2.00 × postgres skip-locked's w1",
            "stoker/postgres ×3 w1 end-to-end = 4.00 × postgres skip-locked's w1, 2.00 × stoker/postgres ×1's");
  }

  @Test
  void an_ap_cluster_is_compared_with_the_one_node_under_test_and_its_replication_shown() {
    Report r = report();
    r.system(new Report.SystemInfo("stoker/cluster ×3", "cluster", 3, true, "fsync", null));
    endToEnd(r, Bench.TARGET, 0.5);
    endToEnd(r, "stoker/cluster ×3", 1.0);
    r.replication(
        new Report.Replication(
            "stoker/cluster ×3", "w1", 4_000, 5, Double.POSITIVE_INFINITY, 120, 61.5, 12.5));

    assertThat(r.comparisons())
        .containsExactly("stoker/cluster ×3 w1 end-to-end = 0.50 × one node's (stoker w1)");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    r.print(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains(
            "stoker/cluster ×3 w1 replication: 4000 events between nodes, lag p50 ≤ 5 ms, p99 ≤ ∞ ms,"
                + " 62 bytes received per event, 12.5 events per exchange; every node held every"
                + " task done 120 ms after the drain's last completion");
    assertThat(r.json())
        .contains(
            "{\"system\":\"stoker/cluster ×3\",\"workload\":\"w1\",\"events\":4000,"
                + "\"lag_p50_ms_at_most\":5.000,\"lag_p99_ms_at_most\":null,\"converged_ms\":120.0,"
                + "\"bytes_per_event\":61.500,\"events_per_exchange\":12.500}");
  }

  @Test
  void no_line_when_the_loop_did_not_run() {
    Report r = report();
    r.system(stokerOnPostgres("stoker/postgres ×1", 1));
    endToEnd(r, "stoker/postgres ×1", 0.5);

    assertThat(r.comparisons()).isEmpty();
  }
}
