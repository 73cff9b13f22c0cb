package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.bench.Bench;
import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Partition;
import dev.stoker.client.QueueCounts;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The partition workload of {@code stoker bench} at a tiny size: its own three real nodes, node 1
 * cut off for 3 s while tasks are enqueued on every node and worked, then healed; the workload
 * returns only once every node holds the same events and counts (it fails otherwise). Its timings
 * are printed, never asserted.
 */
class BenchPartitionSmokeTest {
  private static final int TASKS = 300;

  @Test
  void after_a_partition_heals_every_node_holds_every_task_acknowledged_on_either_side()
      throws Exception {
    BenchConfig config =
        new BenchConfig(
            "http://127.0.0.1:1",
            TASKS,
            3,
            200,
            Set.of("partition"),
            10,
            Duration.ofMillis(5),
            List.of());
    Partition.Result r =
        Partition.run(
            config, new PrintStream(System.out, true), Bench.params(200), Duration.ofSeconds(3));

    // how many the nodes acknowledged in 3 s depends on the machine; each of them counts
    assertThat(r.enqueued()).isPositive();
    QueueCounts c = r.counts();
    assertThat(c.pending() + c.working() + c.done())
        .as("every acknowledged task on every node, in one of the live states or done")
        .isEqualTo(r.enqueued());
    assertThat(r.events())
        .as("an event per enqueue, and a claim and a completion per task done")
        .isGreaterThanOrEqualTo(r.enqueued() + 2 * c.done());
  }
}
