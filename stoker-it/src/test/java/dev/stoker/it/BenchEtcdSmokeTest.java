package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Depth;
import dev.stoker.bench.Report;
import dev.stoker.testkit.EtcdTemp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd comparison of {@code stoker bench} on a real 3-member cluster, at a tiny size: Stoker on
 * etcd ({@code stoker-etcd}, a real {@code stoker serve --store etcd}) and the etcd recipe ({@code
 * etcd}, on one member of the same cluster) run W1 side by side and their counts add up (the
 * drivers check them after each phase); the depth workload runs its own server on the same cluster
 * and reaches every depth. Timings are printed, never asserted.
 */
class BenchEtcdSmokeTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  private static final int TASKS = 300;

  @Test
  void stoker_on_etcd_and_the_etcd_recipe_run_side_by_side_and_the_depth_workload_runs_on_etcd()
      throws Exception {
    String endpoints = EtcdTemp.shared().endpoints();
    try (StokerProcess onEtcd = StokerProcess.startOnEtcd(endpoints, EtcdTemp.freshPrefix())) {
      List<String> peers =
          List.of("etcd=" + endpoints.split(",")[0], "stoker-etcd=" + onEtcd.url());
      BenchConfig config =
          new BenchConfig(
              server.url(),
              TASKS,
              4,
              200,
              Set.of("w1", "depth"),
              10,
              Duration.ofMillis(5),
              peers,
              List.of(200L, 1_000L),
              Duration.ofMillis(200),
              false,
              endpoints);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      Report report = BenchRuns.run(config, log);

      assertThat(report.failures()).isEmpty();
      assertThat(report.systems()).extracting(Report.SystemInfo::system).contains("stoker/etcd ×1");
      for (String system : List.of("stoker/etcd ×1", "etcd")) {
        assertThat(report.phases())
            .filteredOn(p -> p.target().startsWith(system))
            .extracting(p -> p.workload() + " " + p.phase())
            .as(system)
            .containsExactly("w1 enqueue", "w1 drain", "w1 end-to-end");
      }
      assertThat(report.depth()).extracting(Depth.Level::depth).containsExactly(200L, 1_000L);
      assertThat(report.depth()).allSatisfy(l -> assertThat(l.claimPerSecond()).isPositive());
      assertThat(log.toString(StandardCharsets.UTF_8)).contains("depth 1000: enqueue");
    }
  }
}
