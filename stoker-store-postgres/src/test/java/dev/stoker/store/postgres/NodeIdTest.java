package dev.stoker.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.PgTemp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Node ids come from a sequence modulo 65535, so after 65,535 starts two live servers can share one
 * (and {@code --node-id} can equal a handed-out id). These tests run two servers with the same node
 * id on one manual clock, the worst case (every id in one millisecond), and show why it is
 * harmless: see docs/backends/postgres.md#node-ids.
 */
class NodeIdTest {
  private final String schema = PgTemp.freshSchema();
  private final ManualClock clock = new ManualClock();

  private PostgresStore open(int node, long seed) {
    PostgresConfig config =
        PostgresConfig.of(PgTemp.shared().url())
            .withSchema(schema)
            .withPoolSize(4)
            .withConnectionTimeout(Duration.ofSeconds(30));
    return PostgresStore.open(config, clock, node, new SplittableRandom(seed));
  }

  @Test
  void two_servers_with_one_node_id_in_one_millisecond_make_distinct_task_ids() throws Exception {
    // Different seeds, as two JVMs' default generators have; the clock never moves.
    try (PostgresStore a = open(7, 1);
        PostgresStore b = open(7, 2)) {
      CompletableFuture<List<TaskId>> fromA =
          CompletableFuture.supplyAsync(() -> enqueue(a, 1_000));
      CompletableFuture<List<TaskId>> fromB =
          CompletableFuture.supplyAsync(() -> enqueue(b, 1_000));
      List<TaskId> ids = new ArrayList<>(fromA.get(60, TimeUnit.SECONDS));
      ids.addAll(fromB.get(60, TimeUnit.SECONDS));

      assertThat(new HashSet<>(ids)).hasSize(2_000);
      assertThat(ids)
          .allSatisfy(
              id -> {
                assertThat(id.hi())
                    .as("same millisecond, same node: only the random low word differs")
                    .isEqualTo(ids.get(0).hi());
              });
      assertThat(a.queueGet("same-node").counts().pending()).isEqualTo(2_000);
    }
  }

  @Test
  void
      even_a_forced_collision_of_ids_fails_the_enqueue_instead_of_making_a_second_task_under_one_id() {
    // Same node, same millisecond, same seed: b's first id is a's first id.
    try (PostgresStore a = open(7, 5);
        PostgresStore b = open(7, 5)) {
      TaskId id =
          a.taskEnqueueMany("same-node", List.of(TaskSpec.of("t", "{\"from\":\"a\"}")))
              .get(0)
              .task()
              .id();
      assertThatThrownBy(
              () -> b.taskEnqueueMany("same-node", List.of(TaskSpec.of("t", "{\"from\":\"b\"}"))))
          .isInstanceOf(StoreUnavailableException.class);
      assertThat(a.taskGet(id))
          .hasValueSatisfying(t -> assertThat(t.paramsJson()).isEqualTo("{\"from\":\"a\"}"));
      assertThat(a.queueGet("same-node").counts().pending()).isEqualTo(1);
      assertThat(b.taskEnqueueMany("same-node", List.of(TaskSpec.of("t", "{}"))))
          .as("a retry gets a new id")
          .allSatisfy(r -> assertThat(r.task().id()).isNotEqualTo(id));
    }
  }

  @Test
  void
      a_lease_token_of_one_claim_never_passes_for_a_later_claim_made_by_a_server_with_the_same_node_id() {
    try (PostgresStore a = open(7, 1);
        PostgresStore b = open(7, 1)) {
      a.taskEnqueueMany("same-node", List.of(TaskSpec.of("t", "{}")));
      Task first = a.taskClaimMany(new ClaimParams("same-node", "w1", 1, 1_000L, 0)).get(0);
      clock.advance(
          Duration.ofSeconds(2)); // the lease runs out; touching the task through b expires it
      assertThat(b.taskHeartbeat(first.id(), first.lease().token(), null))
          .isInstanceOf(Outcome.StaleToken.class);
      clock.advance(Duration.ofHours(2)); // past the retry's backoff
      List<Task> got = new ArrayList<>();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                got.addAll(b.taskClaimMany(new ClaimParams("same-node", "w2", 1, 1_000L, 0)));
                return !got.isEmpty();
              });
      Task second = got.get(0);

      assertThat(second.id()).isEqualTo(first.id());
      assertThat(second.version().node()).isEqualTo(first.version().node());
      assertThat(second.version().isAfter(first.version())).isTrue();
      assertThat(second.lease().token()).isNotEqualTo(first.lease().token());
      for (PostgresStore s : List.of(a, b)) {
        assertThat(s.taskHeartbeat(first.id(), first.lease().token(), null))
            .isInstanceOf(Outcome.StaleToken.class);
      }
      assertThat(a.taskHeartbeat(second.id(), second.lease().token(), null))
          .isInstanceOf(Outcome.Ok.class);
    }
  }

  @Test
  void the_sequence_wraps_past_65534_without_ever_handing_out_65535() throws Exception {
    try (PostgresStore first = open(-1, 1)) {
      assertThat(first.describe()).contains("node ");
    }
    try (Connection c = DriverManager.getConnection(PgTemp.shared().url());
        Statement st = c.createStatement()) {
      st.execute("SELECT setval('" + schema + ".node_ids', 65534)");
    }
    try (PostgresStore wrapped = open(-1, 1)) {
      assertThat(wrapped.describe()).contains("node 0,");
    }
  }

  private static List<TaskId> enqueue(PostgresStore store, int n) {
    List<TaskId> ids = new ArrayList<>();
    for (int from = 0; from < n; from += 100) {
      List<TaskSpec> specs =
          IntStream.range(from, from + 100)
              .mapToObj(i -> TaskSpec.of("t", "{\"n\":" + i + "}"))
              .toList();
      for (EnqueueResult r : store.taskEnqueueMany("same-node", specs)) {
        ids.add(r.task().id());
      }
    }
    return ids;
  }
}
