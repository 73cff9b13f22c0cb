package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.verify.Backend;
import dev.stoker.verify.Checker;
import dev.stoker.verify.Fault;
import dev.stoker.verify.History;
import dev.stoker.verify.Op;
import dev.stoker.verify.Verify;
import dev.stoker.verify.VerifyConfig;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short form of {@code stoker verify} that CI runs: a real server process killed, paused and
 * power-cut (its data on bin/powerfs, which drops what was not synced) on a fixed seed for 45 s
 * while producers and workers (that crash and stall) run, then drained and checked. Nothing
 * acknowledged may be lost, nothing unexpected may appear, every duplicate must be explained by an
 * expired lease. And the negative control: the same power faults catch a server that acknowledges
 * before it syncs.
 */
@ExtendWith(NodeLogsOnFailure.class)
class VerifyTest {
  @TempDir Path out;

  @Test
  void a_short_verify_under_kill_pause_and_power_cut_finds_nothing_lost_and_nothing_unexpected()
      throws Exception {
    VerifyConfig config =
        new VerifyConfig(
            Backend.EMBEDDED,
            Duration.ofSeconds(45),
            Set.of(Fault.KILL, Fault.PAUSE, Fault.POWER),
            20261123L,
            out,
            2,
            6,
            Duration.ofMillis(2500),
            Duration.ofSeconds(3),
            Duration.ofSeconds(180));
    List<Op> history = runAndCheck(config);
    assertThat(history)
        .extracting(Op::f)
        .as("a kill, a pause and a power cut were injected")
        .contains(Op.Fn.KILL, Op.Fn.PAUSE, Op.Fn.POWER);
    assertThat(history)
        .filteredOn(o -> o.f() == Op.Fn.POWER)
        .extracting(Op::error)
        .as("power cuts dropped unsynced writes")
        .anyMatch(note -> !note.contains("dropped 0 unsynced writes"));
  }

  /**
   * The negative control of the power fault: a server that acknowledges writes before syncing them
   * ({@code -Dstoker.test.ack-before-sync}, passed on by {@code ServerProcess}) must be caught
   * losing acknowledged tasks, and the same run of the real server must lose none. Without the
   * first half, a power fault that dropped nothing would pass for a durable store.
   */
  @Test
  void power_cuts_catch_a_server_that_acknowledges_before_syncing_and_not_one_that_syncs_first()
      throws Exception {
    Checker.Result buggy;
    System.setProperty("stoker.test.ack-before-sync", "true");
    try {
      buggy =
          Verify.run(
                  powerOnly(out.resolve("ack-before-sync")),
                  new PrintStream(OutputStream.nullOutputStream()))
              .result();
    } finally {
      System.clearProperty("stoker.test.ack-before-sync");
    }
    assertThat(buggy.lost()).as("acknowledged before the sync, lost to a power cut").isNotEmpty();
    assertThat(buggy.valid()).isFalse();

    runAndCheck(powerOnly(out.resolve("sync-then-ack")));
  }

  private static VerifyConfig powerOnly(Path dir) {
    return new VerifyConfig(
        Backend.EMBEDDED,
        Duration.ofSeconds(25),
        Set.of(Fault.POWER),
        20261207L,
        dir,
        2,
        6,
        Duration.ofMillis(2500),
        Duration.ofSeconds(2),
        Duration.ofSeconds(180));
  }

  /**
   * Two servers over one PostgreSQL, producers and workers spread over both, while a server is
   * killed or paused and the database itself is killed and restarted (503s meanwhile, then
   * recovery).
   */
  @Test
  void
      a_short_verify_of_two_servers_over_postgres_under_server_and_database_kills_finds_nothing_lost()
          throws Exception {
    VerifyConfig config =
        new VerifyConfig(
            Backend.POSTGRES,
            Duration.ofSeconds(40),
            Set.of(Fault.KILL, Fault.PAUSE, Fault.DB_KILL),
            20261124L,
            out,
            2,
            6,
            Duration.ofMillis(2500),
            Duration.ofSeconds(3),
            Duration.ofSeconds(180));
    List<Op> history = runAndCheck(config);
    assertThat(history)
        .filteredOn(o -> o.f() == Op.Fn.KILL)
        .flatExtracting(Op::items)
        .extracting(Op.Item::value)
        .as("the database and a server were killed")
        .contains("database")
        .anyMatch(v -> v.startsWith("node-"));
  }

  /**
   * Two servers over one 3-member etcd cluster, producers and workers spread over both, while a
   * server is killed or paused and etcd members (the leader among them) are killed and restarted.
   * Batches of up to 32 tasks: the etcd store writes a larger batch in several transactions, not
   * atomically (docs/backends/etcd.md, "Batches"), and a kill between them leaves part of it, which
   * the checker rightly reports as a partial batch (seen on 7 Dec: 50 of a batch of 92).
   */
  @Test
  void a_short_verify_of_two_servers_over_etcd_under_server_and_member_kills_finds_nothing_lost()
      throws Exception {
    VerifyConfig config =
        new VerifyConfig(
            Backend.ETCD,
            Duration.ofSeconds(40),
            Set.of(Fault.KILL, Fault.PAUSE, Fault.ETCD_KILL),
            20261207L,
            out,
            2,
            6,
            Duration.ofMillis(2500),
            Duration.ofSeconds(3),
            Duration.ofSeconds(180),
            0,
            32);
    List<Op> history = runAndCheck(config);
    assertThat(history)
        .filteredOn(o -> o.f() == Op.Fn.KILL)
        .flatExtracting(Op::items)
        .extracting(Op.Item::value)
        .as("an etcd member and a server were killed")
        .contains("database")
        .anyMatch(v -> v.startsWith("node-"));
  }

  /**
   * The AP cluster: three node processes, each with its own replica, every link between two nodes
   * through a proxy; producers and workers spread over the nodes while a minority is cut off and
   * healed, a node is killed and restarted on its data, loses its power (its unsynced writes gone,
   * scenario C6 of docs/backends/cluster.md), is paused, or restarted with its clock offset. After
   * the drain every node must hold every acknowledged task, finished; every task handed out twice
   * must have a cause (an expired lease, or a fault between the two nodes that handed it out).
   */
  @Test
  void
      a_short_verify_of_the_ap_cluster_under_partitions_kills_power_cuts_pauses_and_skew_finds_nothing_lost()
          throws Exception {
    VerifyConfig config =
        new VerifyConfig(
            Backend.CLUSTER,
            Duration.ofSeconds(35),
            Set.of(Fault.PARTITION, Fault.KILL, Fault.POWER, Fault.PAUSE, Fault.SKEW),
            // a seed whose faults begin with a partition, a power cut and a skew: a slow machine
            // fits only the first few into the 35 s (a power cut lasts until the node caught up)
            20261216L,
            out,
            3,
            6,
            Duration.ofMillis(2500),
            Duration.ofSeconds(2),
            Duration.ofSeconds(180));
    List<Op> history = runAndCheck(config);
    assertThat(history)
        .extracting(Op::f)
        .as("a partition and a power cut were injected")
        .contains(Op.Fn.PARTITION, Op.Fn.POWER);
    assertThat(history)
        .filteredOn(o -> o.f() == Op.Fn.CLUSTER_STATE)
        .extracting(o -> o.nodeState().node())
        .as("every node's GET /v1/cluster was sampled into the history")
        .contains(1, 2, 3);
    assertThat(history)
        .filteredOn(o -> o.f() == Op.Fn.FINAL_READ)
        .as("every node was read at the end")
        .hasSize(3)
        .allMatch(o -> o.type() == Op.Type.OK);
  }

  /**
   * docs/reliability.md replays a failure by running its seed again, by default into the same
   * {@code verify-out/SEED}: the second run must not find the first run's tasks (they would all be
   * unexpected), so its server starts on empty data, and says so.
   */
  @Test
  void a_run_repeated_with_its_seed_and_directory_starts_its_server_on_empty_data()
      throws Exception {
    VerifyConfig config =
        new VerifyConfig(
            Backend.EMBEDDED,
            Duration.ofSeconds(4),
            Set.of(),
            7L,
            out,
            2,
            4,
            Duration.ofMillis(2500),
            Duration.ofSeconds(3),
            Duration.ofSeconds(60));
    assertThat(run(config).printed())
        .contains("on empty data in " + out.resolve("data-0"))
        .doesNotContain("deleted first");
    Run again = run(config);
    assertThat(again.printed())
        .contains(
            "on empty data in "
                + out.resolve("data-0")
                + " (an earlier run's data there was deleted first)");
    assertThat(again.outcome().result().unexpected()).as(again.printed()).isEmpty();
    assertThat(again.outcome().result().valid()).as(again.printed()).isTrue();
  }

  /**
   * The fault-free control, small: no faults and workers that neither crash nor stall, bounded by
   * its task count. Every task enqueued is acknowledged and done, and none is claimed twice without
   * having been given back: with nothing to explain a duplicate, a duplicate is a bug. The lease is
   * long so that a worker starved of CPU by other tests still renews in time.
   */
  @Test
  void a_run_without_faults_bounded_by_its_task_count_has_every_task_done_and_no_duplicate()
      throws Exception {
    VerifyConfig config =
        new VerifyConfig(
            Backend.EMBEDDED,
            Duration.ofSeconds(300),
            Set.of(),
            20261208L,
            out,
            2,
            16,
            Duration.ofSeconds(10),
            Duration.ofSeconds(3),
            Duration.ofSeconds(120),
            5_000,
            100);
    List<Op> history = runAndCheck(config);
    Checker.Result r = Checker.check(history);
    assertThat(r.attempted()).as("the producers stopped at the run's task count").isEqualTo(5_000);
    assertThat(r.acknowledged()).isEqualTo(5_000);
    assertThat(r.completed()).isEqualTo(5_000);
    assertThat(r.duplicates()).as("claimed again without being given back").isEmpty();
    assertThat(history)
        .extracting(Op::f)
        .as("no fault, no worker crash or stall")
        .doesNotContain(Op.Fn.KILL, Op.Fn.PAUSE, Op.Fn.POWER, Op.Fn.CRASH, Op.Fn.STALL);
    assertThat(history)
        .filteredOn(o -> o.f() == Op.Fn.ENQUEUE)
        .as("batches were sent")
        .anyMatch(o -> o.items().size() > 1);
  }

  private record Run(Verify.Outcome outcome, String printed) {}

  private static Run run(VerifyConfig config) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Verify.Outcome outcome = Verify.run(config, new PrintStream(log, true, StandardCharsets.UTF_8));
    return new Run(outcome, log.toString(StandardCharsets.UTF_8));
  }

  private List<Op> runAndCheck(VerifyConfig config) throws Exception {
    Run run = run(config);
    Verify.Outcome outcome = run.outcome();
    String printed = run.printed();
    Checker.Result r = outcome.result();

    assertThat(r.finalRead()).as(printed).isTrue();
    assertThat(r.lost()).as(printed).isEmpty();
    assertThat(r.unexpected()).as(printed).isEmpty();
    assertThat(r.unexplained()).as(printed).isEmpty();
    assertThat(r.valid()).as(printed).isTrue();
    assertThat(r.acknowledged()).as("the run did work").isPositive();
    assertThat(r.completed()).isGreaterThanOrEqualTo(r.acknowledged());

    List<Op> history = History.read(outcome.history());
    assertThat(Checker.check(history).valid())
        .as("the history file checks as the run did")
        .isTrue();
    assertThat(printed).contains("VALID", "LOST                               0");
    assertThat(Files.size(outcome.timeline())).isPositive();
    return history;
  }

  @Test
  void a_fault_a_backend_cannot_take_is_refused_before_anything_starts() {
    assertThatThrownBy(() -> Backend.CLUSTER.check(Set.of(Fault.DB_KILL)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("db-kill");
    assertThatThrownBy(() -> Backend.POSTGRES.check(Set.of(Fault.PARTITION)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partition");
    assertThatThrownBy(() -> Backend.ETCD.check(Set.of(Fault.DB_KILL)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("etcd-kill");
    assertThatThrownBy(() -> Backend.EMBEDDED.check(Set.of(Fault.SKEW)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("skew");
    assertThatThrownBy(() -> Backend.EMBEDDED.check(Set.of(Fault.DB_KILL)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("db-kill");
    assertThatThrownBy(() -> Backend.POSTGRES.check(Set.of(Fault.POWER)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("power");
    Backend.EMBEDDED.check(Set.of(Fault.parse("power")));
    Backend.POSTGRES.check(Set.of(Fault.KILL, Fault.PAUSE, Fault.parse("db-kill")));
    Backend.ETCD.check(Set.of(Fault.KILL, Fault.PAUSE, Fault.parse("etcd-kill")));
    Backend.CLUSTER.check(
        Set.of(Fault.KILL, Fault.PAUSE, Fault.POWER, Fault.PARTITION, Fault.SKEW));
  }
}
