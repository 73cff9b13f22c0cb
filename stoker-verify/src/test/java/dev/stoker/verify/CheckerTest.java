package dev.stoker.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.verify.Op.Fn;
import dev.stoker.verify.Op.Item;
import dev.stoker.verify.Op.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker on hand-made histories: each kind of failure is caught, and a clean history passes.
 */
class CheckerTest {
  private static final long MS = 1_000_000L;
  private static final long LEASE = 2_000;

  /** Builds a history by hand; times are in milliseconds. */
  private static final class H {
    final List<Op> ops = new ArrayList<>();

    H op(String process, Fn f, Type type, long fromMs, long toMs, long leaseMs, Item... items) {
      ops.add(
          new Op(
              ops.size(),
              process,
              f,
              type,
              fromMs * MS,
              toMs * MS,
              leaseMs,
              Arrays.asList(items),
              type == Type.OK ? 200 : 0,
              null));
      return this;
    }

    H enqueue(Type type, long at, String... values) {
      return op(
          "p0",
          Fn.ENQUEUE,
          type,
          at,
          at + 1,
          0,
          Arrays.stream(values)
              .map(v -> new Item(v, type == Type.OK ? "id-" + v : null, null, null))
              .toArray(Item[]::new));
    }

    H claim(String worker, long at, String value, String token) {
      return op(
          worker,
          Fn.CLAIM,
          Type.OK,
          at,
          at + 1,
          LEASE,
          new Item(value, "id-" + value, token, "working"));
    }

    H heartbeat(Type type, long at, String value, String token) {
      return op(
          "w", Fn.HEARTBEAT, type, at, at + 1, LEASE, new Item(value, "id-" + value, token, null));
    }

    H complete(Type type, long at, String value, String token) {
      return complete("w", type, at, value, token);
    }

    H complete(String worker, Type type, long at, String value, String token) {
      return op(
          worker, Fn.COMPLETE, type, at, at + 1, 0, new Item(value, "id-" + value, token, null));
    }

    /** The start of an AP-cluster history: three nodes, worker wI on node I mod 3. */
    H cluster() {
      return op(
          "nemesis",
          Fn.CLUSTER,
          Type.OK,
          0,
          0,
          0,
          Item.of("node-0"),
          Item.of("node-1"),
          Item.of("node-2"));
    }

    /** Node {@code node} cut off from the other two from {@code fromMs} to {@code toMs}. */
    H partition(long fromMs, long toMs, int node) {
      return op("nemesis", Fn.PARTITION, Type.OK, fromMs, toMs, 0, Item.of("node-" + node));
    }

    /**
     * A sample of node {@code node}'s {@code GET /v1/cluster} sent at {@code atMs} and answered a
     * millisecond later, with its vector: how many events of node ids 1, 2, 3 it held.
     */
    H sample(long atMs, int node, long... vector) {
      ops.add(
          new Op(
              ops.size(),
              "sampler",
              Fn.CLUSTER_STATE,
              Type.OK,
              atMs * MS,
              (atMs + 1) * MS,
              0,
              List.of(Item.of("node-" + node)),
              200,
              null,
              new Op.NodeState(
                  node + 1,
                  1,
                  java.util.Map.of("1", vector[0], "2", vector[1], "3", vector[2]),
                  List.of(),
                  List.of())));
      return this;
    }

    /** The final read of every node of a cluster history, each seeing the same. */
    H finalReads(String... valueStates) {
      finalRead(valueStates);
      for (String process : List.of("final-1", "final-2")) {
        Op read = ops.get(ops.size() - 1);
        ops.add(
            new Op(
                ops.size(),
                process,
                Fn.FINAL_READ,
                Type.OK,
                read.invokeNs(),
                read.completeNs(),
                0,
                read.items(),
                200,
                null));
      }
      return this;
    }

    H finalRead(String... valueStates) {
      List<Item> items = new ArrayList<>();
      for (String vs : valueStates) {
        String[] p = vs.split("=");
        items.add(new Item(p[0], "id-" + p[0], null, p[1]));
      }
      return op("final", Fn.FINAL_READ, Type.OK, 100_000, 100_001, 0, items.toArray(Item[]::new));
    }

    Checker.Result check() {
      return Checker.check(ops);
    }
  }

  /**
   * With samples, the history is valid and its one divergence is put down to the sampled lag;
   * without, it is invalid for {@code value}, found as {@code kind}.
   */
  private static void divergedBySampledLagElse(
      Checker.Result r, boolean sampled, String kind, String value) {
    if (sampled) {
      assertThat(r.valid()).as(r.failures().toString()).isTrue();
      assertThat(r.diverged())
          .singleElement()
          .satisfies(
              f -> assertThat(f.detail()).endsWith("node behind on the other's events (sampled)"));
    } else {
      invalidFor(r, kind, value);
    }
  }

  /** The history is invalid, and for exactly {@code values}, found as {@code kind}. */
  private static void invalidFor(Checker.Result r, String kind, String... values) {
    assertThat(r.valid()).isFalse();
    assertThat(r.failures().get(kind))
        .extracting(Checker.Finding::value)
        .containsExactlyInAnyOrder(values);
  }

  @Test
  void a_clean_history_is_valid() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1", "p0-2")
            .claim("w1", 10, "p0-1", "t1")
            .claim("w2", 10, "p0-2", "t2")
            .heartbeat(Type.OK, 500, "p0-1", "t1")
            .complete(Type.OK, 900, "p0-1", "t1")
            .complete(Type.OK, 900, "p0-2", "t2")
            .finalRead("p0-1=done", "p0-2=done")
            .check();

    assertThat(r.valid()).isTrue();
    assertThat(r.acknowledged()).isEqualTo(2);
    assertThat(r.completed()).isEqualTo(2);
    assertThat(r.duplicates()).isEmpty();
  }

  @Test
  void an_acknowledged_task_missing_or_not_finished_at_the_end_is_lost() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1", "p0-2", "p0-3")
            .claim("w1", 10, "p0-1", "t1")
            .complete(Type.OK, 20, "p0-1", "t1")
            .finalRead("p0-2=pending", "p0-3=done")
            .check();

    invalidFor(r, "lost", "p0-1", "p0-2");
    assertThat(r.lost())
        .filteredOn(f -> f.value().equals("p0-1"))
        .singleElement()
        .satisfies(f -> assertThat(f.detail()).contains("missing", "completion was acknowledged"));
  }

  @Test
  void a_run_without_a_final_read_is_not_valid() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").check();

    assertThat(r.finalRead()).isFalse();
    assertThat(r.valid()).isFalse();
  }

  @Test
  void a_claimed_or_stored_task_never_enqueued_is_unexpected() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p9-9", "t1")
            .finalRead("p0-1=done", "p9-9=done", "p8-8=pending")
            .check();

    invalidFor(r, "unexpected", "p9-9", "p8-8");
  }

  @Test
  void a_task_whose_enqueue_was_refused_must_not_exist() {
    Checker.Result r = new H().enqueue(Type.FAIL, 0, "p0-1").finalRead("p0-1=done").check();

    invalidFor(r, "aborted (refused yet present)", "p0-1");
  }

  @Test
  void an_enqueue_of_unknown_outcome_that_turns_up_is_recovered_and_fine() {
    Checker.Result r =
        new H()
            .enqueue(Type.INFO, 0, "p0-1")
            .enqueue(Type.INFO, 0, "p0-2")
            .claim("w1", 10, "p0-1", "t1")
            .complete(Type.OK, 20, "p0-1", "t1")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isTrue();
    assertThat(r.recovered()).extracting(Checker.Finding::value).containsExactly("p0-1");
    assertThat(r.unknown()).isEqualTo(2);
  }

  @Test
  void an_enqueue_of_unknown_outcome_that_turns_up_unfinished_is_stuck() {
    Checker.Result r = new H().enqueue(Type.INFO, 0, "p0-1").finalRead("p0-1=working").check();

    invalidFor(r, "stuck (not terminal)", "p0-1");
  }

  @Test
  void a_batch_of_unknown_outcome_seen_in_part_is_a_failure() {
    Checker.Result r =
        new H()
            .enqueue(Type.INFO, 0, "p0-1", "p0-2", "p0-3")
            .finalRead("p0-1=done", "p0-3=done")
            .check();

    invalidFor(r, "partial batches", "p0-1");
  }

  @Test
  void a_second_claim_after_the_holder_crashed_is_an_explained_duplicate() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .op("w1", Fn.CRASH, Type.OK, 11, 11, 0, new Item("p0-1", "id-p0-1", "t1", null))
            .claim("w2", 2_500, "p0-1", "t2")
            .complete(Type.OK, 2_600, "p0-1", "t2")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicates())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.explained()).isTrue();
              assertThat(d.cause()).isEqualTo("worker crash");
            });
  }

  @Test
  void a_second_claim_across_a_server_pause_is_explained_by_the_pause() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .op("nemesis", Fn.PAUSE, Type.OK, 100, 5_000, 0)
            .heartbeat(Type.INFO, 700, "p0-1", "t1")
            .claim("w2", 5_100, "p0-1", "t2")
            .complete(Type.OK, 5_200, "p0-1", "t2")
            .complete(Type.FAIL, 5_300, "p0-1", "t1")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("server pause", 1));
  }

  @Test
  void a_second_claim_across_a_power_cut_is_explained_by_it_and_a_task_the_cut_took_back_is_lost() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .enqueue(Type.OK, 90, "p0-2")
            .op("nemesis", Fn.POWER, Type.OK, 100, 5_000, 0, Item.of("node-0"))
            .heartbeat(Type.FAIL, 700, "p0-1", "t1")
            .claim("w2", 5_100, "p0-1", "t2")
            .complete(Type.OK, 5_200, "p0-1", "t2")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("power cut", 1));
    invalidFor(r, "lost", "p0-2");
  }

  @Test
  void a_second_claim_while_the_first_lease_was_surely_held_is_unexplained() {
    // The holder's heartbeat at 1000 ms was acknowledged: the lease holds until 3000 ms at least.
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .heartbeat(Type.OK, 1_000, "p0-1", "t1")
            .claim("w2", 2_500, "p0-1", "t2")
            .complete(Type.OK, 2_600, "p0-1", "t2")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isFalse();
    assertThat(r.unexplained())
        .singleElement()
        .satisfies(
            d ->
                assertThat(d.cause())
                    .contains("before the previous" + " lease could have expired"));
  }

  /**
   * Two claim requests of one task that overlap in time, answered in the other order than the
   * server made them (seen on etcd under load: a claim's reply took 5 s). w1's claim, sent at 0,
   * was made first (its version is lower), its lease ran out at 2,000 ms at the latest, and w2's
   * claim took the task over; w2's reply came first. In reply order w2's claim would hold the lease
   * until 5,400 ms and w1's look like a claim made while it surely held.
   */
  private static H crossedClaims(String firstVersion, String secondVersion) {
    H h = new H().enqueue(Type.OK, 0, "p0-1");
    h.op(
        "w2",
        Fn.CLAIM,
        Type.OK,
        3_400,
        4_800,
        LEASE,
        new Item("p0-1", "id-p0-1", "t2", "working", secondVersion));
    h.op(
        "w1",
        Fn.CLAIM,
        Type.OK,
        0,
        4_900,
        LEASE,
        new Item("p0-1", "id-p0-1", "t1", "working", firstVersion));
    return h.complete(Type.OK, 5_000, "p0-1", "t2")
        .complete(Type.FAIL, 5_100, "p0-1", "t1")
        .finalRead("p0-1=done");
  }

  @Test
  void claims_whose_replies_crossed_are_taken_in_the_order_of_their_versions() {
    Checker.Result r = crossedClaims("0.0.0.1.1.100.0", "0.0.0.2.1.200.0").check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicates()).singleElement().satisfies(d -> assertThat(d.explained()).isTrue());
  }

  @Test
  void
      claims_whose_versions_say_the_second_came_while_the_first_lease_surely_held_stay_unexplained() {
    // Versions in reply order: w2 first, then w1 at most 4,900 ms in, before w2's lease (3,400 +
    // 2,000) ran out.
    Checker.Result r = crossedClaims("0.0.0.2.1.200.0", "0.0.0.1.1.100.0").check();

    assertThat(r.valid()).isFalse();
    assertThat(r.unexplained())
        .singleElement()
        .satisfies(
            d ->
                assertThat(d.cause())
                    .contains("before the previous" + " lease could have expired"));
  }

  @Test
  void versions_compare_field_by_field_as_numbers() {
    assertThat(Checker.compareVersions("0.0.0.10.1.5.0", "0.0.0.9.1.7.0")).isPositive();
    assertThat(Checker.compareVersions("1.0.0.0.1.1.0", "0.0.0.99.1.18446744073709551615.0"))
        .isPositive();
    assertThat(Checker.compareVersions("0.0.0.1.1.5.0", "0.0.0.1.1.5.0")).isZero();
  }

  @Test
  void a_claim_after_an_acknowledged_completion_is_unexplained() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .complete(Type.OK, 20, "p0-1", "t1")
            .claim("w2", 5_000, "p0-1", "t2")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isFalse();
    assertThat(r.unexplained())
        .singleElement()
        .satisfies(d -> assertThat(d.cause()).contains("after its completion"));
  }

  @Test
  void a_claim_after_the_holder_gave_the_task_back_is_a_retry_not_a_duplicate() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .op("w1", Fn.RELEASE, Type.OK, 20, 21, 0, new Item("p0-1", "id-p0-1", "t1", null))
            .claim("w2", 30, "p0-1", "t2")
            .complete(Type.OK, 40, "p0-1", "t2")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicates()).isEmpty();
    assertThat(r.retries()).isEqualTo(1);
  }

  @Test
  void a_heartbeat_accepted_with_a_superseded_token_breaks_the_fence() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .op("w1", Fn.STALL, Type.OK, 11, 4_000, 0, new Item("p0-1", "id-p0-1", "t1", null))
            .claim("w2", 3_000, "p0-1", "t2")
            .heartbeat(Type.OK, 4_000, "p0-1", "t1")
            .complete(Type.OK, 4_100, "p0-1", "t2")
            .finalRead("p0-1=done")
            .check();

    assertThat(r.valid()).isFalse();
    assertThat(r.staleTokens())
        .singleElement()
        .satisfies(f -> assertThat(f.detail()).startsWith("heartbeat"));
    assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("worker stall", 1));
  }

  @Test
  void a_heartbeat_refused_as_stale_while_the_lease_was_surely_held_is_a_lease_revoked_early() {
    H h =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .heartbeat(Type.OK, 800, "p0-1", "t1");
    h.ops.add(
        new Op(
            h.ops.size(),
            "w1",
            Fn.HEARTBEAT,
            Type.FAIL,
            1_600 * MS,
            1_601 * MS,
            LEASE,
            List.of(new Item("p0-1", "id-p0-1", "t1", null)),
            409,
            "https://stoker.dev/problems/stale-token"));
    Checker.Result r = h.complete(Type.OK, 1_700, "p0-1", "t1").finalRead("p0-1=done").check();

    invalidFor(r, "leases revoked early", "p0-1");
  }

  @Test
  void a_claim_whose_version_counts_a_completion_is_unexplained_even_if_the_completion_timed_out() {
    // w1's completion timed out (unknown outcome), its lease ran out, w2 claimed the task again:
    // harmless when the completion was never applied, a bug when it was, and only the version of
    // w2's claim tells them apart (its first field counts completions).
    for (String version : new String[] {"0.0.0.1.1.500.0", "1.0.0.0.1.500.0"}) {
      H h =
          new H()
              .enqueue(Type.OK, 0, "p0-1")
              .claim("w1", 10, "p0-1", "t1")
              .op(
                  "w1",
                  Fn.COMPLETE,
                  Type.INFO,
                  100,
                  6_000,
                  0,
                  new Item("p0-1", "id-p0-1", "t1", null));
      Checker.Result r =
          h.op(
                  "w2",
                  Fn.CLAIM,
                  Type.OK,
                  4_000,
                  4_001,
                  LEASE,
                  new Item("p0-1", "id-p0-1", "t2", "working", version))
              .complete(Type.OK, 4_100, "p0-1", "t2")
              .finalRead("p0-1=done")
              .check();

      if (version.startsWith("0.")) {
        assertThat(r.valid()).as(r.failures().toString()).isTrue();
      } else {
        invalidFor(r, "unexplained duplicates", "p0-1");
        assertThat(r.unexplained())
            .singleElement()
            .satisfies(d -> assertThat(d.cause()).contains("although already completed"));
      }
    }
  }

  @Test
  void two_acknowledged_completions_of_one_task_are_a_failure() {
    Checker.Result r =
        new H()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w1", 10, "p0-1", "t1")
            .op("w1", Fn.STALL, Type.OK, 11, 4_000, 0, new Item("p0-1", "id-p0-1", "t1", null))
            .claim("w2", 3_000, "p0-1", "t2")
            .complete(Type.OK, 3_100, "p0-1", "t2")
            .complete(Type.OK, 4_100, "p0-1", "t1")
            .finalRead("p0-1=done")
            .check();

    invalidFor(r, "double completions", "p0-1");
  }

  @Test
  void
      in_the_cluster_a_claim_across_a_partition_after_a_completion_or_within_a_lease_is_explained() {
    // w0 (node 0) holds p0-1 and completes it while node 0 is cut off; w1 (node 1) steals it
    // meanwhile.
    // p0-2: w0 holds it and heartbeats; w2 (node 2) claims it within the lease, across the cut.
    Checker.Result r =
        new H()
            .cluster()
            .enqueue(Type.OK, 0, "p0-1", "p0-2")
            .claim("w0", 10, "p0-1", "t1")
            .claim("w0", 10, "p0-2", "t3")
            .partition(100, 8_000, 0)
            .complete("w0", Type.OK, 200, "p0-1", "t1")
            .heartbeat(Type.OK, 2_500, "p0-2", "t3")
            .claim("w1", 3_000, "p0-1", "t2")
            .claim("w2", 3_000, "p0-2", "t4")
            .complete("w1", Type.OK, 3_100, "p0-1", "t2")
            .complete("w2", Type.OK, 3_100, "p0-2", "t4")
            .finalReads("p0-1=done", "p0-2=done")
            .check();

    assertThat(r.valid()).as(r.failures().toString()).isTrue();
    assertThat(r.duplicateCauses())
        .containsExactly(java.util.Map.entry("partition: stolen across it (b)", 2));
    assertThat(r.diverged())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.value()).isEqualTo("p0-1");
              assertThat(f.detail()).startsWith("completion acknowledged 2 times").endsWith("(b)");
            });
  }

  @Test
  void
      in_the_cluster_a_claim_just_after_a_completion_sent_past_its_lease_on_another_node_is_explained_by_the_lease() {
    // w4 (node 1) stalls past its lease, then completes; node 2 had every right to hand the task
    // out again and had not heard of the completion yet. On the completion's own node, or seconds
    // later, nothing explains it; nor a completion sent while the lease was surely held.
    record Case(String claimer, long completedAt, long claimedAt, boolean explained) {}
    for (Case c :
        List.of(
            new Case("w5", 5_000, 5_150, true),
            new Case("w7", 5_000, 5_150, false),
            new Case("w5", 5_000, 8_000, false),
            new Case("w5", 1_000, 1_150, false))) {
      Checker.Result r =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p0-1")
              .claim("w4", 10, "p0-1", "t1")
              .op("w4", Fn.STALL, Type.OK, 11, 4_900, 0, new Item("p0-1", "id-p0-1", "t1", null))
              .complete("w4", Type.OK, c.completedAt(), "p0-1", "t1")
              .claim(c.claimer(), c.claimedAt(), "p0-1", "t2")
              .finalReads("p0-1=done")
              .check();
      if (c.explained()) {
        assertThat(r.valid()).as(c + ": " + r.failures()).isTrue();
        assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("worker stall", 1));
      } else {
        invalidFor(r, "unexplained duplicates", "p0-1");
      }
    }
  }

  @Test
  void in_the_cluster_a_stale_claim_across_a_partition_is_judged_in_time_order_not_version_order() {
    // Node 1 (w4) hands p1-1 out at epoch 2 and gets it done; node 0 (w3), cut off before it
    // heard, hands it out again later at epoch 1, a version the first one's outranks. Across the
    // partition that is cause (b); with no fault between the two nodes, nothing explains it.
    for (boolean cut : new boolean[] {true, false}) {
      H h = new H().cluster().enqueue(Type.OK, 0, "p1-1");
      if (cut) {
        h.partition(100, 8_000, 0);
      }
      Checker.Result r =
          h.op(
                  "w4",
                  Fn.CLAIM,
                  Type.OK,
                  50,
                  60,
                  LEASE,
                  new Item("p1-1", "id-p1-1", "t1", "working", "0.0.0.2.1.50.2"))
              .complete("w4", Type.OK, 70, "p1-1", "t1")
              .op(
                  "w3",
                  Fn.CLAIM,
                  Type.OK,
                  2_500,
                  2_510,
                  LEASE,
                  new Item("p1-1", "id-p1-1", "t2", "working", "0.0.0.1.1.2500.1"))
              .complete("w3", Type.OK, 2_600, "p1-1", "t2")
              .finalReads("p1-1=done")
              .check();
      if (cut) {
        assertThat(r.duplicates())
            .singleElement()
            .satisfies(
                d -> {
                  assertThat(d.explained()).as(d.toString()).isTrue();
                  assertThat(d.cause()).isEqualTo("partition: stolen across it (b)");
                });
      } else {
        invalidFor(r, "unexplained duplicates", "p1-1");
      }
    }
  }

  @Test
  void in_the_cluster_the_same_claims_without_a_fault_between_the_two_nodes_are_unexplained() {
    // Node 2 cut off: nodes 0 and 1, on the same side, must agree.
    Checker.Result r =
        new H()
            .cluster()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w0", 10, "p0-1", "t1")
            .partition(100, 8_000, 2)
            .complete("w0", Type.OK, 200, "p0-1", "t1")
            .claim("w1", 3_000, "p0-1", "t2")
            .complete("w1", Type.OK, 3_100, "p0-1", "t2")
            .finalReads("p0-1=done")
            .check();

    invalidFor(r, "unexplained duplicates", "p0-1");
    invalidFor(r, "double completions", "p0-1");
  }

  @Test
  void in_the_cluster_two_completions_close_together_on_two_nodes_are_explained_and_on_one_not() {
    // w1 (node 1) took p0-1 while node 0 was cut off, then stalled past its lease: long after the
    // heal, node 1 ends the lease it granted, and w0 claims p0-1 again on node 0 (a duplicate of
    // the stall). w0 completes on node 0; w1 wakes and completes on node 1 before node 1 has heard
    // of it (replication lag). On one node (w3, also on node 0) the second must be 409.
    for (String waker : new String[] {"w1", "w3"}) {
      Checker.Result r =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p0-1")
              .partition(5, 3_000, 0)
              .claim(waker, 2_500, "p0-1", "t1")
              .op(
                  waker,
                  Fn.STALL,
                  Type.OK,
                  2_501,
                  9_000,
                  0,
                  new Item("p0-1", "id-p0-1", "t1", null))
              .claim("w0", 8_000, "p0-1", "t2")
              .complete("w0", Type.OK, 8_100, "p0-1", "t2")
              .complete(waker, Type.OK, 9_001, "p0-1", "t1")
              .finalReads("p0-1=done")
              .check();

      if (waker.equals("w1")) {
        assertThat(r.valid()).as(r.failures().toString()).isTrue();
        assertThat(r.diverged())
            .singleElement()
            .satisfies(f -> assertThat(f.detail()).endsWith("before either heard of the other"));
      } else {
        invalidFor(r, "double completions", "p0-1");
        assertThat(r.doubleCompletions())
            .singleElement()
            .satisfies(f -> assertThat(f.detail()).endsWith("on nodes [0, 0]"));
      }
    }
  }

  @Test
  void in_the_cluster_a_claim_belongs_to_the_node_that_granted_it_not_to_the_workers_node() {
    // w1 and w4 both talk to node 1. w1's claim of p0-1 was forwarded to its home, node 0 (the
    // version names node id 1 = node-0); node 0 is paused, so node 1 steals its tasks and hands
    // p0-1 to w4 within w1's lease: explained by the pause, between node 0 and node 1. Read by
    // the workers' node alone, both claims would be on node 1, and nothing would explain it.
    Checker.Result r =
        new H()
            .cluster()
            .enqueue(Type.OK, 0, "p0-1")
            .op(
                "w1",
                Fn.CLAIM,
                Type.OK,
                10,
                11,
                LEASE,
                new Item("p0-1", "id-p0-1", "t1", "working", "0.0.0.0.1.10.1"))
            .op("nemesis", Fn.PAUSE, Type.OK, 100, 6_000, 0, Item.of("node-0"))
            .heartbeat(Type.OK, 2_000, "p0-1", "t1")
            .op(
                "w4",
                Fn.CLAIM,
                Type.OK,
                3_000,
                3_001,
                LEASE,
                new Item("p0-1", "id-p0-1", "t2", "working", "0.0.0.0.1.3000.2"))
            .complete("w4", Type.OK, 3_100, "p0-1", "t2")
            .finalReads("p0-1=done")
            .check();

    assertThat(r.valid()).as(r.failures().toString()).isTrue();
    assertThat(r.duplicateCauses())
        .containsExactly(java.util.Map.entry("node paused: false suspicion (c)", 1));
  }

  /**
   * From a run of {@code stoker verify} (seed 20261208): node 0 granted w4's lease (forwarded from
   * node 1); w4 stalled while node 1 was paused, and node 0 ended the lease. After the pause, node
   * 1, not yet told, took w4's heartbeat and completion; node 0, not yet told of those, handed the
   * task to w3. Both claims were granted by node 0, but what made it hand the task out again was
   * node 1's pause: explained, as cause (c). Without that pause, the same history is a bug.
   */
  @Test
  void in_the_cluster_a_claim_after_a_completion_on_a_paused_node_is_explained_by_the_pause() {
    for (boolean paused : new boolean[] {true, false}) {
      H h =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p0-1")
              .op(
                  "w4",
                  Fn.CLAIM,
                  Type.OK,
                  10,
                  11,
                  LEASE,
                  new Item("p0-1", "id-p0-1", "t1", "working", "0.0.0.0.1.10.1"));
      if (paused) {
        h.op("nemesis", Fn.PAUSE, Type.OK, 100, 4_500, 0, Item.of("node-1"));
      }
      Checker.Result r =
          h.op(
                  "w4",
                  Fn.HEARTBEAT,
                  Type.OK,
                  5_000,
                  5_001,
                  LEASE,
                  new Item("p0-1", "id-p0-1", "t1", null))
              .complete("w4", Type.OK, 5_200, "p0-1", "t1")
              .op(
                  "w3",
                  Fn.CLAIM,
                  Type.OK,
                  5_400,
                  5_401,
                  LEASE,
                  new Item("p0-1", "id-p0-1", "t2", "working", "0.0.0.1.1.5400.1"))
              .finalReads("p0-1=done")
              .check();
      if (paused) {
        assertThat(r.valid()).as(r.failures().toString()).isTrue();
        assertThat(r.duplicateCauses())
            .containsExactly(java.util.Map.entry("node paused: false suspicion (c)", 1));
      } else {
        invalidFor(r, "unexplained duplicates", "p0-1");
      }
    }
  }

  @Test
  void
      in_the_cluster_a_node_whose_clock_ran_beyond_max_offset_explains_its_own_early_expiry_and_within_it_not() {
    for (long offset : new long[] {3_000, 300}) {
      H h =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p0-1")
              .claim("w0", 10, "p0-1", "t1")
              .heartbeat(Type.OK, 700, "p0-1", "t1");
      h.ops.add(
          new Op(
              h.ops.size(),
              "nemesis",
              Fn.SKEW,
              Type.OK,
              100 * MS,
              6_000 * MS,
              0,
              List.of(Item.of("node-0")),
              0,
              String.format("clock %+d ms for 4000 ms", offset)));
      Checker.Result r =
          h.claim("w3", 1_500, "p0-1", "t2")
              .complete("w3", Type.OK, 1_600, "p0-1", "t2")
              .finalReads("p0-1=done")
              .check();

      if (offset > 500) {
        assertThat(r.valid()).as(r.failures().toString()).isTrue();
        assertThat(r.duplicateCauses())
            .containsExactly(java.util.Map.entry("clock skew beyond max_offset (a)", 1));
      } else {
        invalidFor(r, "unexplained duplicates", "p0-1");
      }
    }
  }

  /**
   * From seed 20261210 (1,250 s): node 1 granted p1-1 and took its completion; 3.5 s later, after
   * the lease could have run out, node 2 handed the task out again — longer after the completion
   * than the fixed allowance for replication lag (one steal_delay). The samples show node 2 still
   * holding no more of node 1's events, after the grant, than node 1 had made before the completion
   * was sent: it had not received the completion. Samples that cannot show it (node 2 held more),
   * none at all, or a kill of node 2 between its grant and its sample explain nothing.
   */
  @Test
  void in_the_cluster_a_claim_after_a_completion_is_explained_when_samples_show_the_node_behind() {
    for (String evidence : new String[] {"behind", "caught up", "none", "killed"}) {
      H h =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p1-1")
              .op(
                  "w1",
                  Fn.CLAIM,
                  Type.OK,
                  10,
                  11,
                  LEASE,
                  new Item("p1-1", "id-p1-1", "t1", "working", "0.0.0.0.1.10.2"));
      if (!evidence.equals("none")) {
        h.sample(400, 1, 10, 100, 10)
            .sample(4_002, 2, 10, evidence.equals("caught up") ? 101 : 90, 20);
      }
      if (evidence.equals("killed")) {
        h.op("nemesis", Fn.KILL, Type.OK, 4_001, 4_002, 0, Item.of("node-2"));
      }
      Checker.Result r =
          h.complete("w1", Type.OK, 500, "p1-1", "t1")
              .op(
                  "w2",
                  Fn.CLAIM,
                  Type.OK,
                  4_000,
                  4_001,
                  LEASE,
                  new Item("p1-1", "id-p1-1", "t2", "working", "0.0.0.0.1.4000.3"))
              .complete("w2", Type.OK, 4_100, "p1-1", "t2")
              .finalReads("p1-1=done")
              .check();

      if (evidence.equals("behind")) {
        assertThat(r.failures().get("unexplained duplicates")).isEmpty();
        assertThat(r.duplicateCauses())
            .containsExactly(java.util.Map.entry("node behind on the other's events (sampled)", 1));
      } else {
        invalidFor(r, "unexplained duplicates", "p1-1");
      }
    }
  }

  /**
   * The same lag within the previous lease: node 2 handed out a task whose lease node 1 had granted
   * and still held. Not knowing of the completion does not make node 2 a dispatcher of the task
   * beside node 1; without a fault between them it is unexplained, samples or not.
   */
  @Test
  void in_the_cluster_sampled_lag_does_not_explain_a_claim_within_the_previous_lease() {
    Checker.Result r =
        new H()
            .cluster()
            .enqueue(Type.OK, 0, "p1-1")
            .op(
                "w1",
                Fn.CLAIM,
                Type.OK,
                10,
                11,
                LEASE,
                new Item("p1-1", "id-p1-1", "t1", "working", "0.0.0.0.1.10.2"))
            .sample(400, 1, 10, 100, 10)
            .complete("w1", Type.OK, 500, "p1-1", "t1")
            .op(
                "w2",
                Fn.CLAIM,
                Type.OK,
                1_500,
                1_501,
                LEASE,
                new Item("p1-1", "id-p1-1", "t2", "working", "0.0.0.0.1.1500.3"))
            .sample(1_502, 2, 10, 90, 20)
            .complete("w2", Type.OK, 1_600, "p1-1", "t2")
            .finalReads("p1-1=done")
            .check();

    invalidFor(r, "unexplained duplicates", "p1-1");
  }

  /**
   * Two completions on two nodes 2.9 s apart (the fixed allowance is one steal_delay): w1 stalled
   * past the lease node 1 granted, node 0 handed p0-1 to w0, which completed it on node 0; w1 woke
   * and completed it on node 1, which the samples show had not received node 0's completion.
   */
  @Test
  void in_the_cluster_a_second_completion_is_explained_when_samples_show_the_node_behind() {
    for (boolean sampled : new boolean[] {true, false}) {
      H h =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p0-1")
              .claim("w1", 10, "p0-1", "t1")
              .op("w1", Fn.STALL, Type.OK, 11, 8_000, 0, new Item("p0-1", "id-p0-1", "t1", null))
              .claim("w0", 5_000, "p0-1", "t2");
      if (sampled) {
        h.sample(5_000, 0, 50, 10, 10).sample(8_002, 1, 40, 20, 10);
      }
      Checker.Result r =
          h.complete("w0", Type.OK, 5_100, "p0-1", "t2")
              .complete("w1", Type.OK, 8_000, "p0-1", "t1")
              .finalReads("p0-1=done")
              .check();

      divergedBySampledLagElse(r, sampled, "double completions", "p0-1");
    }
  }

  /**
   * From seed 20261211 (413 s): node 1 handed p0-1 out again after w0's lease ran out; w0's late
   * heartbeat with the old token was accepted on node 0, which the samples show had not received
   * node 1's claim yet. Without the samples, a stale token accepted.
   */
  @Test
  void in_the_cluster_a_stale_token_is_explained_when_samples_show_the_node_behind() {
    for (boolean sampled : new boolean[] {true, false}) {
      H h =
          new H()
              .cluster()
              .enqueue(Type.OK, 0, "p0-1")
              .claim("w0", 10, "p0-1", "t1")
              .claim("w1", 3_000, "p0-1", "t2");
      if (sampled) {
        h.sample(2_900, 1, 10, 70, 10).sample(3_502, 0, 80, 60, 10);
      }
      Checker.Result r =
          h.op(
                  "w0",
                  Fn.HEARTBEAT,
                  Type.OK,
                  3_500,
                  3_501,
                  LEASE,
                  new Item("p0-1", "id-p0-1", "t1", null))
              .complete("w1", Type.OK, 3_600, "p0-1", "t2")
              .finalReads("p0-1=done")
              .check();

      divergedBySampledLagElse(r, sampled, "stale tokens accepted", "p0-1");
    }
  }

  @Test
  void in_the_cluster_a_lease_revoked_early_is_explained_only_by_a_claim_across_a_fault() {
    // w0 (node 0) claims p0-1 while node 0 is cut off; a claim on node 1 whose reply was lost may
    // have taken it too, and after the heal node 0 learns of it.
    for (boolean cut : new boolean[] {true, false}) {
      H h = new H().cluster().enqueue(Type.OK, 0, "p0-1").claim("w0", 10, "p0-1", "t1");
      if (cut) {
        h.partition(5, 500, 0);
      }
      h.op("w1", Fn.CLAIM, Type.INFO, 20, 5_000, LEASE);
      h.ops.add(
          new Op(
              h.ops.size(),
              "w0",
              Fn.HEARTBEAT,
              Type.FAIL,
              800 * MS,
              801 * MS,
              LEASE,
              List.of(new Item("p0-1", "id-p0-1", "t1", null)),
              409,
              "https://stoker.dev/problems/stale-token"));
      Checker.Result r =
          h.complete("w0", Type.OK, 900, "p0-1", "t1").finalReads("p0-1=done").check();

      if (cut) {
        assertThat(r.valid()).as(r.failures().toString()).isTrue();
        assertThat(r.diverged())
            .singleElement()
            .satisfies(f -> assertThat(f.detail()).contains("unknown outcome"));
      } else {
        invalidFor(r, "leases revoked early", "p0-1");
      }
    }
  }

  @Test
  void in_the_cluster_a_task_missing_on_one_node_at_the_end_is_lost() {
    H h =
        new H()
            .cluster()
            .enqueue(Type.OK, 0, "p0-1")
            .claim("w0", 10, "p0-1", "t1")
            .complete("w0", Type.OK, 20, "p0-1", "t1")
            .finalReads("p0-1=done");
    Op last = h.ops.remove(h.ops.size() - 1);
    h.ops.add(
        new Op(
            last.index(),
            last.process(),
            last.f(),
            last.type(),
            last.invokeNs(),
            last.completeNs(),
            0,
            List.of(),
            200,
            null));

    invalidFor(h.check(), "lost", "p0-1");
    assertThat(h.check().lost())
        .singleElement()
        .satisfies(f -> assertThat(f.detail()).contains("on node 2"));
  }

  @Test
  void the_history_file_reads_back_as_written(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.jsonl");
    try (History h = new History(file)) {
      h.add(
          new Op(
              0,
              "p0",
              Fn.ENQUEUE,
              Type.OK,
              5,
              9,
              0,
              List.of(new Item("p0-1", "ID", null, null)),
              201,
              null));
      h.add(new Op(0, "w0", Fn.CLAIM, Type.INFO, 10, 20, 2000, List.of(), 0, "timed out"));
    }
    List<Op> back = History.read(file);

    assertThat(back).hasSize(2);
    assertThat(back.get(0).items()).containsExactly(new Item("p0-1", "ID", null, null));
    assertThat(back.get(1))
        .isEqualTo(new Op(1, "w0", Fn.CLAIM, Type.INFO, 10, 20, 2000, List.of(), 0, "timed out"));
    assertThat(java.nio.file.Files.readAllLines(file).get(0))
        .contains("\"f\":\"enqueue\"", "\"type\":\"ok\"");

    // The file of a run still going (or that died mid-write) ends in a torn line: left out.
    java.nio.file.Files.writeString(
        file,
        "{\"index\":2,\"process\":\"w0\",\"f\":\"cla",
        java.nio.file.StandardOpenOption.APPEND);
    assertThat(History.read(file)).hasSize(2);
  }
}
