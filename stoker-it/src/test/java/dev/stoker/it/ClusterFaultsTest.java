package dev.stoker.it;

import static dev.stoker.it.ClusterTest.QUEUE;
import static dev.stoker.it.ClusterTest.enqueue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of one node of the AP cluster on real processes (ap-cluster.md §6): C8, the node paused
 * (SIGSTOP) past steal_delay; C9, node clocks off by ±300 ms ({@code
 * -Dstoker.test.clock-offset-ms}) with max_offset 500 ms.
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterFaultsTest {
  @TempDir Path root;

  @Test
  void
      c8_a_home_paused_past_steal_delay_is_stolen_from_and_after_it_resumes_hands_back_and_nothing_is_lost()
          throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll();
        ClusterTest.Workers workers = new ClusterTest.Workers(cluster)) {
      List<String> beforePause = new ArrayList<>();
      for (int node = 1; node <= 3; node++) {
        beforePause.addAll(enqueue(cluster, node, 30, "c8-before-" + node));
      }
      List<String> ofNode1 = enqueue(cluster, 1, 40, "c8-home-1");
      beforePause.addAll(ofNode1);
      // A stealer hands out only what it holds: the home's tasks must have reached the others
      // before it stops (an acknowledged task not yet pushed waits for its home to run again).
      long enqueued = cluster.http(1).get("/v1/cluster").body().at("/vector/1").asLong();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  cluster.http(2).get("/v1/cluster").body().at("/vector/1").asLong() >= enqueued
                      && cluster.http(3).get("/v1/cluster").body().at("/vector/1").asLong()
                          >= enqueued);
      cluster.node(1).pause();
      List<String> whilePaused = new ArrayList<>(enqueue(cluster, 2, 30, "c8-paused-2"));
      whilePaused.addAll(enqueue(cluster, 3, 30, "c8-paused-3"));
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () ->
                  assertThat(cluster.http(2).get("/v1/cluster").body().get("steals").toString())
                      .isEqualTo("[1]"));
      // The stealer hands out the paused home's tasks: they get done while it is stopped.
      List<String> stealable = new ArrayList<>(ofNode1);
      stealable.addAll(whilePaused);
      // One worker thread per node completes one task per request, each synced to disk: on a slow
      // disk the 100 tasks take many seconds, hence the same bound as the run to the end.
      ClusterTest.awaitDoneOn(cluster, workers, 2, stealable, Duration.ofSeconds(60), 2, 3);

      cluster.node(1).resume();
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                for (int node = 1; node <= 3; node++) {
                  JsonNode status = cluster.http(node).get("/v1/cluster").body();
                  assertThat(status.get("steals")).as("steals of node %d", node).isEmpty();
                  assertThat(status.get("awaiting_handback").asBoolean())
                      .as("node %d awaits a handback", node)
                      .isFalse();
                }
              });
      List<String> afterResume = new ArrayList<>();
      for (int node = 1; node <= 3; node++) {
        afterResume.addAll(enqueue(cluster, node, 20, "c8-after-" + node));
      }
      List<String> all = new ArrayList<>(beforePause);
      all.addAll(whilePaused);
      all.addAll(afterResume);
      ClusterTest.awaitRunToTheEnd(cluster, workers, all, "C8");
      // (c): tasks pending or working when the home stopped, claimed by it before and by its
      // stealer during
      // the pause (or by it in the moment after it resumed, before it heard from its peers).
      // Nothing
      // enqueued while it was stopped or after it resumed runs twice.
      assertThat(workers.duplicates())
          .as("only tasks that existed when the home stopped run twice (c)")
          .isSubsetOf(new HashSet<>(beforePause));
      assertThat(ClusterTest.countedDuplicates(cluster, "C8"))
          .as("every task handed out twice is counted by a node, with its cause")
          .isGreaterThanOrEqualTo(workers.duplicates().size());
    }
  }

  /**
   * Node 2's clock runs 300 ms ahead, node 3's 300 ms behind node 1's. Leases are granted on one
   * node and extended on another, so one clock sets expires_at and another judges it; with
   * max_offset 500 ms none ends before the time its last heartbeat gave it, by the test's own
   * clock.
   */
  @Test
  void c9_with_clocks_300_ms_apart_no_lease_ends_early() throws Exception {
    long leaseMs = 3_000;
    try (ClusterNodes cluster =
        new ClusterNodes(root, 3)
            .withJvmOptions(2, "-Dstoker.test.clock-offset-ms=300")
            .withJvmOptions(3, "-Dstoker.test.clock-offset-ms=-300")
            .startAll()) {
      // Tasks of nodes 1, 1, 2 and 3, granted by their homes and extended on another node: every
      // pair of
      // node 1 and a skewed node, both ways.
      int[][] pairs = {{1, 2}, {1, 3}, {2, 1}, {3, 1}};
      enqueue(cluster, 1, 2, "c9-1");
      enqueue(cluster, 2, 1, "c9-2");
      enqueue(cluster, 3, 1, "c9-3");
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                for (int node = 1; node <= 3; node++) {
                  assertThat(cluster.http(node).get(QUEUE).at("/counts/pending").asInt())
                      .isEqualTo(4);
                }
              });
      List<JsonNode> claimed = new ArrayList<>();
      for (int node = 1; node <= 3; node++) {
        Http.Reply claim =
            cluster
                .http(node)
                .post(
                    QUEUE + "/claim",
                    "{\"worker\":\"w\",\"max\":"
                        + (node == 1 ? 2 : 1)
                        + ",\"lease_ms\":"
                        + leaseMs
                        + ",\"wait_ms\":1000}");
        claim.body().get("tasks").forEach(claimed::add);
      }
      assertThat(claimed).hasSize(pairs.length);
      List<String> ids = new ArrayList<>();
      List<Long> until = new ArrayList<>();
      for (int i = 0; i < pairs.length; i++) {
        JsonNode task = claimed.get(i);
        long sent = System.currentTimeMillis();
        Http.Reply beat =
            cluster
                .http(pairs[i][1])
                .post(
                    "/v1/tasks/" + task.get("id").asText() + "/heartbeat",
                    Http.json(
                        Map.of("token", task.at("/lease/token").asText(), "lease_ms", leaseMs)));
        assertThat(beat.status())
            .as("heartbeat on node %d: %s", pairs[i][1], beat.body())
            .isEqualTo(200);
        ids.add(task.get("id").asText());
        until.add(sent + leaseMs);
      }
      // Until its lease is over by the test's clock, every task is working on every node.
      long last = until.stream().mapToLong(Long::longValue).max().orElseThrow();
      while (System.currentTimeMillis() < last) {
        for (int node = 1; node <= 3; node++) {
          for (int i = 0; i < ids.size(); i++) {
            String state = cluster.http(node).get("/v1/tasks/" + ids.get(i)).at("/state").asText();
            long answeredAt = System.currentTimeMillis();
            if (answeredAt < until.get(i)) {
              assertThat(state)
                  .as(
                      "task %s (granted on %d, heartbeat on %d) on node %d, %d ms before its lease "
                          + "is over",
                      ids.get(i), pairs[i][0], pairs[i][1], node, until.get(i) - answeredAt)
                  .isEqualTo("working");
            }
          }
        }
        Thread.sleep(20);
      }
      // And they do end: each granting node judges its own leases, on its own clock.
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                for (int node = 1; node <= 3; node++) {
                  for (String id : ids) {
                    assertThat(cluster.http(node).get("/v1/tasks/" + id).at("/state").asText())
                        .as("%s on node %d", id, node)
                        .isEqualTo("pending");
                  }
                }
              });
    }
  }
}
