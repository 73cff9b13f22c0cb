package dev.stoker.cluster.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.cluster.Duplicates.Cause;
import dev.stoker.core.TaskId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The simulation over many seeds per scenario. A failing run names its seed; replay it with {@code
 * new Simulation(seed, Scenario.x()).run()} (or {@code -Dstoker.sim.seed=<seed>}, which makes it
 * the first seed of every scenario). {@code -Dstoker.sim.seeds=<n>} runs more seeds (nightly:
 * thousands).
 */
class SimulationTest {
  static final long BASE = Long.getLong("stoker.sim.seed", 1L);
  static final int SEEDS = Integer.getInteger("stoker.sim.seeds", 6);

  static void runSeeds(Scenario scenario) {
    runSeeds(scenario, SEEDS);
  }

  static void runSeeds(Scenario scenario, int seeds) {
    long duplicates = 0;
    for (long seed = BASE; seed < BASE + seeds; seed++) {
      Simulation.Result r;
      try {
        r = new Simulation(seed, scenario).run();
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError(
            "scenario "
                + scenario.name()
                + " failed on seed "
                + seed
                + " (replay: new Simulation("
                + seed
                + "L, Scenario...).run(), or -Dstoker.sim.seed="
                + seed
                + ")",
            e);
      }
      assertThat(r.problems())
          .as(
              "scenario %s, seed %d (replay with -Dstoker.sim.seed=%d): %s",
              scenario.name(), seed, seed, r)
          .isEmpty();
      assertThat(r.tasks()).as("seed %d made tasks", seed).isPositive();
      if (scenario.allowed().isEmpty()) {
        assertThat(r.expiries())
            .as("seed %d: no lease ends early without a fault that ends leases", seed)
            .isZero();
        assertThat(r.duplicates()).as("seed %d", seed).isEmpty();
      }
      duplicates += r.duplicates().values().stream().mapToLong(Long::longValue).sum();
      if (seed == BASE) {
        long needed = (long) r.events() * (scenario.nodes() - 1);
        System.out.printf(
            "%s, seed %d: %s%n  received %d events (%.2f per event a node lacked), %.1f bytes each%n",
            scenario.name(),
            seed,
            r,
            r.received(),
            (double) r.received() / needed,
            (double) r.receivedBytes() / r.received());
      }
    }
    System.out.println(
        scenario.name() + ": " + seeds + " seeds, " + duplicates + " duplicates in all");
  }

  @Test
  void c1_healthy_every_task_done_once_on_every_node() {
    runSeeds(Scenario.healthy());
  }

  @Test
  void c11_a_lossy_duplicating_reordering_network_changes_nothing() {
    runSeeds(Scenario.lossyNetwork());
  }

  @Test
  void c4_a_cut_link_with_a_third_node_in_touch_makes_no_steal_and_no_duplicate() {
    runSeeds(Scenario.cutLinks());
  }

  @Test
  void c2_c3_partitions_duplicate_only_by_partition_and_converge_after_the_heal() {
    runSeeds(Scenario.partitioned());
  }

  @Test
  void c5_crashes_lose_nothing_acknowledged() {
    runSeeds(Scenario.crashing());
  }

  @Test
  void c8_pauses_past_steal_delay_duplicate_only_by_false_suspicion() {
    runSeeds(Scenario.pausing());
  }

  @Test
  void c9_skew_within_max_offset_ends_no_lease_early() {
    runSeeds(Scenario.skew());
  }

  @Test
  void c12_everything_at_once_on_three_and_five_nodes() {
    runSeeds(Scenario.everything());
    runSeeds(Scenario.everything().withNodes(5), Math.max(1, SEEDS / 2));
  }

  @Test
  void the_same_seed_replays_the_same_run() {
    Simulation.Result a = new Simulation(42, Scenario.everything()).run();
    Simulation.Result b = new Simulation(42, Scenario.everything()).run();
    assertThat(a).isEqualTo(b);
  }

  /**
   * C13: one unique key enqueued on both sides of a partition; after the heal one live task holds
   * it.
   */
  @Test
  void c13_one_unique_key_on_both_sides_leaves_one_live_task_after_the_heal() {
    for (long seed = BASE; seed < BASE + SEEDS; seed++) {
      Simulation sim = new Simulation(seed, Scenario.healthy());
      sim.workersOn = false;
      sim.clientsOn = false;
      sim.runFor(500);
      sim.isolate(1);
      sim.enqueue(1, "the-key");
      sim.enqueue(2, "the-key");
      sim.runFor(3_000);
      Map<Integer, List<TaskId>> split = sim.liveWithKey("the-key");
      assertThat(split.get(1)).as("seed %d: side {1}", seed).hasSize(1);
      assertThat(split.get(2)).as("seed %d: side {2,3}", seed).hasSize(1);
      sim.heal();
      sim.workersOn = false;
      sim.runFor(3_000);
      assertThat(sim.converged()).as("seed %d converged", seed).isTrue();
      Map<Integer, List<TaskId>> after = sim.liveWithKey("the-key");
      TaskId survivor =
          split.get(1).getFirst().compareTo(split.get(2).getFirst()) < 0
              ? split.get(1).getFirst()
              : split.get(2).getFirst();
      assertThat(after)
          .as("seed %d", seed)
          .allSatisfy((node, live) -> assertThat(live).containsExactly(survivor));
    }
  }

  @Test
  void the_scenarios_allow_only_the_causes_the_note_gives_them() {
    assertThat(Scenario.healthy().allowed()).isEmpty();
    assertThat(Scenario.partitioned().allowed())
        .containsExactlyInAnyOrder(Cause.PARTITION, Cause.UNIQUE_KEY);
  }
}
