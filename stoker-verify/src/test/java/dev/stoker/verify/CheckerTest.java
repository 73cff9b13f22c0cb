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

/** The checker on hand-made histories: each kind of failure is caught, and a clean history passes. */
class CheckerTest {
  private static final long MS = 1_000_000L;
  private static final long LEASE = 2_000;

  /** Builds a history by hand; times are in milliseconds. */
  private static final class H {
    final List<Op> ops = new ArrayList<>();

    H op(String process, Fn f, Type type, long fromMs, long toMs, long leaseMs, Item... items) {
      ops.add(new Op(ops.size(), process, f, type, fromMs * MS, toMs * MS, leaseMs, Arrays.asList(items),
          type == Type.OK ? 200 : 0, null));
      return this;
    }

    H enqueue(Type type, long at, String... values) {
      return op("p0", Fn.ENQUEUE, type, at, at + 1, 0,
          Arrays.stream(values).map(v -> new Item(v, type == Type.OK ? "id-" + v : null, null, null))
              .toArray(Item[]::new));
    }

    H claim(String worker, long at, String value, String token) {
      return op(worker, Fn.CLAIM, Type.OK, at, at + 1, LEASE, new Item(value, "id-" + value, token, "working"));
    }

    H heartbeat(Type type, long at, String value, String token) {
      return op("w", Fn.HEARTBEAT, type, at, at + 1, LEASE, new Item(value, "id-" + value, token, null));
    }

    H complete(Type type, long at, String value, String token) {
      return op("w", Fn.COMPLETE, type, at, at + 1, 0, new Item(value, "id-" + value, token, null));
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

  /** The history is invalid, and for exactly {@code values}, found as {@code kind}. */
  private static void invalidFor(Checker.Result r, String kind, String... values) {
    assertThat(r.valid()).isFalse();
    assertThat(r.failures().get(kind)).extracting(Checker.Finding::value).containsExactlyInAnyOrder(values);
  }

  @Test
  void a_clean_history_is_valid() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1", "p0-2").claim("w1", 10, "p0-1", "t1")
        .claim("w2", 10, "p0-2", "t2").heartbeat(Type.OK, 500, "p0-1", "t1").complete(Type.OK, 900, "p0-1", "t1")
        .complete(Type.OK, 900, "p0-2", "t2").finalRead("p0-1=done", "p0-2=done").check();

    assertThat(r.valid()).isTrue();
    assertThat(r.acknowledged()).isEqualTo(2);
    assertThat(r.completed()).isEqualTo(2);
    assertThat(r.duplicates()).isEmpty();
  }

  @Test
  void an_acknowledged_task_missing_or_not_finished_at_the_end_is_lost() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1", "p0-2", "p0-3").claim("w1", 10, "p0-1", "t1")
        .complete(Type.OK, 20, "p0-1", "t1").finalRead("p0-2=pending", "p0-3=done").check();

    invalidFor(r, "lost", "p0-1", "p0-2");
    assertThat(r.lost()).filteredOn(f -> f.value().equals("p0-1")).singleElement()
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
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p9-9", "t1")
        .finalRead("p0-1=done", "p9-9=done", "p8-8=pending").check();

    invalidFor(r, "unexpected", "p9-9", "p8-8");
  }

  @Test
  void a_task_whose_enqueue_was_refused_must_not_exist() {
    Checker.Result r = new H().enqueue(Type.FAIL, 0, "p0-1").finalRead("p0-1=done").check();

    invalidFor(r, "aborted (refused yet present)", "p0-1");
  }

  @Test
  void an_enqueue_of_unknown_outcome_that_turns_up_is_recovered_and_fine() {
    Checker.Result r = new H().enqueue(Type.INFO, 0, "p0-1").enqueue(Type.INFO, 0, "p0-2")
        .claim("w1", 10, "p0-1", "t1").complete(Type.OK, 20, "p0-1", "t1").finalRead("p0-1=done").check();

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
    Checker.Result r = new H().enqueue(Type.INFO, 0, "p0-1", "p0-2", "p0-3").finalRead("p0-1=done", "p0-3=done")
        .check();

    invalidFor(r, "partial batches", "p0-1");
  }

  @Test
  void a_second_claim_after_the_holder_crashed_is_an_explained_duplicate() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .op("w1", Fn.CRASH, Type.OK, 11, 11, 0, new Item("p0-1", "id-p0-1", "t1", null))
        .claim("w2", 2_500, "p0-1", "t2").complete(Type.OK, 2_600, "p0-1", "t2").finalRead("p0-1=done").check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicates()).singleElement().satisfies(d -> {
      assertThat(d.explained()).isTrue();
      assertThat(d.cause()).isEqualTo("worker crash");
    });
  }

  @Test
  void a_second_claim_across_a_server_pause_is_explained_by_the_pause() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .op("nemesis", Fn.PAUSE, Type.OK, 100, 5_000, 0).heartbeat(Type.INFO, 700, "p0-1", "t1")
        .claim("w2", 5_100, "p0-1", "t2").complete(Type.OK, 5_200, "p0-1", "t2")
        .complete(Type.FAIL, 5_300, "p0-1", "t1").finalRead("p0-1=done").check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("server pause", 1));
  }

  @Test
  void a_second_claim_across_a_power_cut_is_explained_by_it_and_a_task_the_cut_took_back_is_lost() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1").enqueue(Type.OK, 90, "p0-2")
        .op("nemesis", Fn.POWER, Type.OK, 100, 5_000, 0, Item.of("node-0")).heartbeat(Type.FAIL, 700, "p0-1", "t1")
        .claim("w2", 5_100, "p0-1", "t2").complete(Type.OK, 5_200, "p0-1", "t2").finalRead("p0-1=done").check();

    assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("power cut", 1));
    invalidFor(r, "lost", "p0-2");
  }

  @Test
  void a_second_claim_while_the_first_lease_was_surely_held_is_unexplained() {
    // The holder's heartbeat at 1000 ms was acknowledged: the lease holds until 3000 ms at least.
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .heartbeat(Type.OK, 1_000, "p0-1", "t1").claim("w2", 2_500, "p0-1", "t2")
        .complete(Type.OK, 2_600, "p0-1", "t2").finalRead("p0-1=done").check();

    assertThat(r.valid()).isFalse();
    assertThat(r.unexplained()).singleElement().satisfies(d -> assertThat(d.cause()).contains("before the previous"
        + " lease could have expired"));
  }

  @Test
  void a_claim_after_an_acknowledged_completion_is_unexplained() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .complete(Type.OK, 20, "p0-1", "t1").claim("w2", 5_000, "p0-1", "t2").finalRead("p0-1=done").check();

    assertThat(r.valid()).isFalse();
    assertThat(r.unexplained()).singleElement().satisfies(d -> assertThat(d.cause()).contains("after its completion"));
  }

  @Test
  void a_claim_after_the_holder_gave_the_task_back_is_a_retry_not_a_duplicate() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .op("w1", Fn.RELEASE, Type.OK, 20, 21, 0, new Item("p0-1", "id-p0-1", "t1", null))
        .claim("w2", 30, "p0-1", "t2").complete(Type.OK, 40, "p0-1", "t2").finalRead("p0-1=done").check();

    assertThat(r.valid()).isTrue();
    assertThat(r.duplicates()).isEmpty();
    assertThat(r.retries()).isEqualTo(1);
  }

  @Test
  void a_heartbeat_accepted_with_a_superseded_token_breaks_the_fence() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .op("w1", Fn.STALL, Type.OK, 11, 4_000, 0, new Item("p0-1", "id-p0-1", "t1", null))
        .claim("w2", 3_000, "p0-1", "t2").heartbeat(Type.OK, 4_000, "p0-1", "t1")
        .complete(Type.OK, 4_100, "p0-1", "t2").finalRead("p0-1=done").check();

    assertThat(r.valid()).isFalse();
    assertThat(r.staleTokens()).singleElement().satisfies(f -> assertThat(f.detail()).startsWith("heartbeat"));
    assertThat(r.duplicateCauses()).containsExactly(java.util.Map.entry("worker stall", 1));
  }

  @Test
  void a_heartbeat_refused_as_stale_while_the_lease_was_surely_held_is_a_lease_revoked_early() {
    H h = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1").heartbeat(Type.OK, 800, "p0-1", "t1");
    h.ops.add(new Op(h.ops.size(), "w1", Fn.HEARTBEAT, Type.FAIL, 1_600 * MS, 1_601 * MS, LEASE,
        List.of(new Item("p0-1", "id-p0-1", "t1", null)), 409, "https://stoker.dev/problems/stale-token"));
    Checker.Result r = h.complete(Type.OK, 1_700, "p0-1", "t1").finalRead("p0-1=done").check();

    invalidFor(r, "leases revoked early", "p0-1");
  }

  @Test
  void two_acknowledged_completions_of_one_task_are_a_failure() {
    Checker.Result r = new H().enqueue(Type.OK, 0, "p0-1").claim("w1", 10, "p0-1", "t1")
        .op("w1", Fn.STALL, Type.OK, 11, 4_000, 0, new Item("p0-1", "id-p0-1", "t1", null))
        .claim("w2", 3_000, "p0-1", "t2").complete(Type.OK, 3_100, "p0-1", "t2")
        .complete(Type.OK, 4_100, "p0-1", "t1").finalRead("p0-1=done").check();

    invalidFor(r, "double completions", "p0-1");
  }

  @Test
  void the_history_file_reads_back_as_written(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.jsonl");
    try (History h = new History(file)) {
      h.add(new Op(0, "p0", Fn.ENQUEUE, Type.OK, 5, 9, 0, List.of(new Item("p0-1", "ID", null, null)), 201, null));
      h.add(new Op(0, "w0", Fn.CLAIM, Type.INFO, 10, 20, 2000, List.of(), 0, "timed out"));
    }
    List<Op> back = History.read(file);

    assertThat(back).hasSize(2);
    assertThat(back.get(0).items()).containsExactly(new Item("p0-1", "ID", null, null));
    assertThat(back.get(1)).isEqualTo(new Op(1, "w0", Fn.CLAIM, Type.INFO, 10, 20, 2000, List.of(), 0, "timed out"));
    assertThat(java.nio.file.Files.readAllLines(file).get(0)).contains("\"f\":\"enqueue\"", "\"type\":\"ok\"");

    // The file of a run still going (or that died mid-write) ends in a torn line: left out.
    java.nio.file.Files.writeString(file, "{\"index\":2,\"process\":\"w0\",\"f\":\"cla",
        java.nio.file.StandardOpenOption.APPEND);
    assertThat(History.read(file)).hasSize(2);
  }
}
