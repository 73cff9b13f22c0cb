package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Report;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AP cluster in {@code stoker bench}, at a tiny size: three real nodes ({@code
 * stoker-cluster=URL,URL,URL}) beside the one node under test run W1; every phase's counts add up
 * on every node (the driver waits for replication and fails otherwise), and the cluster's
 * replication is reported from its nodes' metrics. Timings are printed, never asserted.
 */
class BenchClusterSmokeTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();
  @TempDir Path root;

  private static final int TASKS = 600;

  @Test
  void a_three_node_cluster_runs_w1_beside_one_node_and_its_replication_is_reported()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      String urls =
          String.join(",", cluster.node(1).url(), cluster.node(2).url(), cluster.node(3).url());
      BenchConfig config =
          new BenchConfig(
              server.url(),
              TASKS,
              6,
              200,
              Set.of("w1"),
              10,
              Duration.ofMillis(5),
              List.of("stoker-cluster=" + urls));
      Report report = BenchRuns.run(config);
      assertThat(report.failures()).isEmpty();
      assertThat(report.phases())
          .filteredOn(p -> p.target().equals("stoker/cluster ×3"))
          .extracting(p -> p.workload() + " " + p.phase())
          .containsExactly("w1 enqueue", "w1 drain", "w1 end-to-end");
      assertThat(report.replications()).hasSize(1);
      Report.Replication r = report.replications().get(0);
      // Every task's events (enqueue, claim, completion) reach the two other nodes.
      assertThat(r.events()).isGreaterThanOrEqualTo(2L * TASKS * 3 * 2);
      assertThat(r.p99Ms()).isGreaterThanOrEqualTo(r.p50Ms());
      assertThat(r.bytesPerEvent()).isPositive();
      ByteArrayOutputStream table = new ByteArrayOutputStream();
      report.print(new PrintStream(table, true, StandardCharsets.UTF_8));
      assertThat(table.toString(StandardCharsets.UTF_8))
          .contains("stoker/cluster ×3 w1 end-to-end = ")
          .contains("stoker/cluster ×3 w1 replication: ");
    }
  }
}
