package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue's settings are the cluster's, not a node's (docs/backends/cluster.md, "The merge"): a
 * change made on any node is an event every node merges field by field, by (HLC, node), with real
 * node processes behind {@link dev.stoker.testkit.LinkProxy} links.
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterSettingsTest {
  static final String QUEUE = "/v1/queues/s";

  @TempDir Path root;

  private static void awaitReady(ClusterNodes cluster, int... nodes) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              for (int node : nodes) {
                assertThat(cluster.http(node).get("/readyz").status())
                    .as("node %d ready", node)
                    .isEqualTo(200);
              }
            });
  }

  private static JsonNode settings(ClusterNodes cluster, int node) throws Exception {
    return cluster.http(node).get(QUEUE).body().get("settings");
  }

  /** Waits until {@code node} shows {@code field} (a JSON pointer into the settings) as given. */
  private static void awaitSetting(ClusterNodes cluster, int node, String field, Object value) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(settings(cluster, node).at(field).asText())
                    .as("%s on node %d", field, node)
                    .isEqualTo(String.valueOf(value)));
  }

  private static JsonNode claim(ClusterNodes cluster, int node, int waitMs) throws Exception {
    return claim(cluster, node, 10, waitMs);
  }

  private static JsonNode claim(ClusterNodes cluster, int node, int max, int waitMs)
      throws Exception {
    Http.Reply r =
        cluster
            .http(node)
            .post(
                QUEUE + "/claim",
                "{\"worker\":\"w" + node + "\",\"max\":" + max + ",\"wait_ms\":" + waitMs + "}");
    assertThat(r.status()).as("claim on node %d: %s", node, r.body()).isEqualTo(200);
    return r.body().get("tasks");
  }

  private static void enqueue(ClusterNodes cluster, int node, int count) throws Exception {
    List<Map<String, Object>> specs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      specs.add(Map.of("name", "t" + node + "-" + i));
    }
    Http.Reply r = cluster.http(node).post(QUEUE + "/tasks", Http.json(Map.of("tasks", specs)));
    assertThat(r.status()).as("enqueue on node %d: %s", node, r.body()).isEqualTo(201);
  }

  @Test
  void a_pause_on_one_node_stops_claims_on_every_node_also_after_a_restart_and_a_rejoin()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      awaitReady(cluster, 1, 2, 3);
      for (int node = 1; node <= 3; node++) {
        enqueue(cluster, node, 3);
      }
      assertThat(claim(cluster, 2, 1, 0)).as("node 2 hands out its own tasks").hasSize(1);

      cluster.node(3).kill(); // node 3 learns of the pause by catching up
      Http.Reply put = cluster.http(1).put(QUEUE, "{\"paused\":true,\"lease_ms\":12345}");
      assertThat(put.status()).isEqualTo(200);
      assertThat(put.body().get("paused").asBoolean()).isTrue();
      awaitSetting(cluster, 2, "/paused", true);
      assertThat(settings(cluster, 2).get("lease_ms").asLong()).isEqualTo(12345);
      assertThat(cluster.http(2).get(QUEUE).at("/counts/pending").asInt())
          .as("node 2 has ready tasks, two of them its own")
          .isGreaterThanOrEqualTo(2);
      assertThat(claim(cluster, 2, 0)).as("paused on node 2 by node 1's change").isEmpty();
      assertThat(claim(cluster, 1, 0)).as("paused on node 1").isEmpty();

      cluster.start(3);
      awaitReady(cluster, 3);
      awaitSetting(cluster, 3, "/paused", true);
      assertThat(cluster.http(3).get(QUEUE).at("/counts/pending").asInt()).isPositive();
      assertThat(claim(cluster, 3, 0)).as("node 3, restarted, caught up: paused").isEmpty();

      CompletableFuture<JsonNode> parked =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return claim(cluster, 3, 60_000);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThat(cluster.http(2).put(QUEUE, "{\"paused\":false}").status()).isEqualTo(200);
      assertThat(parked.get(30, TimeUnit.SECONDS))
          .as("a claim waiting on node 3 gets tasks once node 2's unpause arrives")
          .isNotEmpty();
      for (int node = 1; node <= 3; node++) {
        awaitSetting(cluster, node, "/paused", false);
      }

      cluster.node(1).kill();
      cluster.wipe(1);
      cluster.start(1, "--rejoin");
      awaitSetting(cluster, 1, "/lease_ms", 12345); // its own change, taken back from the peers
      awaitSetting(cluster, 1, "/paused", false); // and node 2's, made after it
    }
  }

  @Test
  void settings_changed_on_both_sides_of_a_partition_converge_field_by_field_after_the_heal()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      awaitReady(cluster, 1, 2, 3);
      cluster.isolate(1);
      assertThat(cluster.http(1).put(QUEUE, "{\"paused\":true,\"lease_ms\":11111}").status())
          .isEqualTo(200);
      // Every node reads the one machine's clock: once it has moved on, node 2's change has the
      // larger HLC, and so wins the field both sides changed.
      long changedOn1 = System.currentTimeMillis();
      Awaitility.await()
          .pollInterval(Duration.ofMillis(1))
          .until(() -> System.currentTimeMillis() > changedOn1 + 1);
      assertThat(cluster.http(2).put(QUEUE, "{\"lease_ms\":22222,\"max_attempts\":7}").status())
          .isEqualTo(200);
      awaitSetting(cluster, 3, "/lease_ms", 22222);
      assertThat(settings(cluster, 3).get("paused").asBoolean())
          .as("the pause stays on node 1's side of the cut")
          .isFalse();
      assertThat(settings(cluster, 1).get("lease_ms").asLong()).isEqualTo(11111);

      cluster.healAll();
      for (int node = 1; node <= 3; node++) {
        awaitSetting(cluster, node, "/lease_ms", 22222);
        awaitSetting(cluster, node, "/paused", true);
        awaitSetting(cluster, node, "/max_attempts", 7);
      }
      JsonNode converged = settings(cluster, 1);
      for (int node = 2; node <= 3; node++) {
        assertThat(settings(cluster, node)).as("node %d", node).isEqualTo(converged);
      }
    }
  }
}
