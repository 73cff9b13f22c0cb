package dev.stoker.it;

import static dev.stoker.it.ClusterTest.enqueue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * C10 of ap-cluster.md §6 on real node processes: conflicting changes to the same tasks on both
 * sides of a partition, made by script, then the heal. The merge rule decides
 * (docs/state-machine.md#the-version, docs/backends/cluster.md#the-merge): a completion beats a
 * cancel, a retryable fail, a retry and a redrive made on the other side, whichever side the home
 * is on; a redrive alone beats the dead task it revives; of two claims of one task, one on each
 * side, the larger version holds the task on every node for good, however the losing side
 * heartbeats.
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterConflictsTest {
  private static final String SETTLED = "/v1/queues/c10";
  private static final String DEAD = "/v1/queues/c10-dead";
  private static final String DEAD_AT_HOME = "/v1/queues/c10-dead-at-home";
  private static final String CLAIMS = "/v1/queues/c10-claims";

  @TempDir Path root;

  /** A version string {@code done.generation.rank.epoch.phase.hlc.node} as numbers. */
  static long[] version(String v) {
    return Arrays.stream(v.split("\\.")).mapToLong(Long::parseLong).toArray();
  }

  static int compareVersions(String a, String b) {
    return Arrays.compare(version(a), version(b));
  }

  /**
   * Claims {@code max} tasks, all of them ready now; the claim waits (up to 10 s) only while the
   * node may hand out nothing yet, after a start on a starved machine.
   */
  private static List<JsonNode> claim(Http http, String queue, String worker, int max)
      throws Exception {
    Http.Reply r =
        http.post(
            queue + "/claim",
            "{\"worker\":\""
                + worker
                + "\",\"max\":"
                + max
                + ",\"lease_ms\":60000,\"wait_ms\":10000}");
    assertThat(r.status()).as("claim on %s: %s", queue, r.body()).isEqualTo(200);
    List<JsonNode> tasks = new ArrayList<>();
    r.body().get("tasks").forEach(tasks::add);
    assertThat(tasks).as("claimed of %s: %s", queue, r.body()).hasSize(max);
    return tasks;
  }

  private static String token(JsonNode claimed) {
    return claimed.at("/lease/token").asText();
  }

  /** Posts {@code body} to {@code path} and expects 200; returns the reply's body. */
  private static JsonNode ok(Http http, String path, String body) throws Exception {
    Http.Reply r = http.post(path, body);
    assertThat(r.status()).as("POST %s %s: %s", path, body, r.body()).isEqualTo(200);
    return r.body();
  }

  private static String problem(Http.Reply r) {
    return r.status() + " " + r.at("/type").asText().replaceAll(".*/", "");
  }

  private static Http.Reply heartbeat(Http http, String id, String token) throws Exception {
    return http.post(
        "/v1/tasks/" + id + "/heartbeat", "{\"token\":\"" + token + "\",\"lease_ms\":60000}");
  }

  @Test
  void c10_conflicting_changes_on_both_sides_of_a_partition_merge_by_the_version_order()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      Http one = cluster.http(1);
      Http two = cluster.http(2);
      // Every task's home is node 1, which ends up alone. Eight tasks claimed before the cut: the
      // first four are completed on node 1's side and changed on node 2's, the others the other
      // way round.
      List<String> settled = enqueue(cluster, 1, SETTLED, 8, "settled");
      List<String> doneOnOne = settled.subList(0, 4);
      List<String> doneOnTwo = settled.subList(4, 8);
      String lone = enqueue(cluster, 1, DEAD, 1, "dead").get(0);
      String loneAtHome = enqueue(cluster, 1, DEAD_AT_HOME, 1, "dead").get(0);
      String twice = enqueue(cluster, 1, CLAIMS, 1, "twice").get(0);
      Map<String, String> tokens = new HashMap<>();
      claim(one, SETTLED, "w-one", 8).forEach(t -> tokens.put(t.get("id").asText(), token(t)));
      for (String[] dead : new String[][] {{lone, DEAD}, {loneAtHome, DEAD_AT_HOME}}) {
        String token = token(claim(one, dead[1], "w-one", 1).get(0));
        ok(
            one,
            "/v1/tasks/" + dead[0] + "/fail",
            "{\"token\":\"" + token + "\",\"error\":\"gone\",\"permanent\":true}");
      }
      ClusterTest.awaitEqualVectors(cluster);

      cluster.isolate(1);
      conflict(doneOnOne, tokens, one, 1, two);
      conflict(doneOnTwo, tokens, two, 2, one);
      // A task dead on both sides, redriven on one side only: on node 2's, and on its home's.
      assertThat(ok(two, DEAD + "/redrive", "{}").get("moved").asInt()).isEqualTo(1);
      assertThat(ok(one, DEAD_AT_HOME + "/redrive", "{}").get("moved").asInt()).isEqualTo(1);

      // Two claims of one task: node 1 hands it out as its home, node 2 as its stealer once node 1
      // has been unreachable for steal_delay.
      JsonNode claimOne = claim(one, CLAIMS, "w-one", 1).get(0);
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () ->
                  assertThat(two.get("/v1/cluster").body().get("steals").toString())
                      .isEqualTo("[1]"));
      JsonNode claimTwo = claim(two, CLAIMS, "w-two", 1).get(0);
      assertThat(claimTwo.get("id").asText()).isEqualTo(twice);
      assertThat(claimOne.get("id").asText()).isEqualTo(twice);
      String versionOne = claimOne.get("version").asText();
      String versionTwo = claimTwo.get("version").asText();
      boolean oneWins = compareVersions(versionOne, versionTwo) > 0;
      String winner = oneWins ? versionOne : versionTwo;
      String winnerToken = token(oneWins ? claimOne : claimTwo);
      String loserToken = token(oneWins ? claimTwo : claimOne);
      // Both heartbeat on their own side.
      assertThat(heartbeat(one, twice, token(claimOne)).status()).isEqualTo(200);
      assertThat(heartbeat(two, twice, token(claimTwo)).status()).isEqualTo(200);

      cluster.healAll();
      List<String> ids = new ArrayList<>(settled);
      ids.addAll(List.of(lone, loneAtHome, twice));
      // Until every node shows every task alike, and 10 rounds after: each node's versions only
      // rise, while both claims' workers go on heartbeating on their own side.
      Map<String, String> last = new HashMap<>();
      List<String> fell = new ArrayList<>();
      int[] alikeFor = {0};
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                heartbeat(one, twice, token(claimOne));
                heartbeat(two, twice, token(claimTwo));
                Map<String, String> seen = new HashMap<>();
                for (int node = 1; node <= 3; node++) {
                  for (String id : ids) {
                    JsonNode t = cluster.http(node).get("/v1/tasks/" + id).body();
                    String v = t.get("version").asText();
                    String before = last.put(node + " " + id, v);
                    if (before != null && compareVersions(v, before) < 0) {
                      fell.add(id + " on node " + node + ": " + before + " then " + v);
                    }
                    seen.merge(
                        id, t.get("state").asText() + " " + v, (a, b) -> a.equals(b) ? a : "");
                  }
                }
                alikeFor[0] = seen.containsValue("") ? 0 : alikeFor[0] + 1;
                return alikeFor[0] >= 10;
              });
      assertThat(fell).as("versions that went back on a node").isEmpty();
      ClusterTest.awaitEqualVectors(cluster);

      Map<String, String> expected = new LinkedHashMap<>();
      settled.forEach(id -> expected.put(id, "done"));
      expected.put(lone, "pending");
      expected.put(loneAtHome, "pending");
      expected.put(twice, "working");
      for (int node = 1; node <= 3; node++) {
        Http http = cluster.http(node);
        for (Map.Entry<String, String> e : expected.entrySet()) {
          JsonNode t = http.get("/v1/tasks/" + e.getKey()).body();
          assertThat(t.get("state").asText())
              .as("%s on node %d: %s", e.getKey(), node, t)
              .isEqualTo(e.getValue());
          if (e.getValue().equals("done")) {
            assertThat(t.get("result").toString())
                .as("completed on the side of node %s", doneOnOne.contains(e.getKey()) ? 1 : 2)
                .isEqualTo("{\"side\":" + (doneOnOne.contains(e.getKey()) ? 1 : 2) + "}");
            assertThat(version(t.get("version").asText())[1])
                .as("the completion's generation, not the retry's or redrive's: %s", t)
                .isZero();
          } else if (e.getValue().equals("pending")) {
            assertThat(version(t.get("version").asText())[1])
                .as("the lone redrive's new generation on node %d: %s", node, t)
                .isEqualTo(1);
            assertThat(t.get("attempt").asInt()).isZero();
          }
        }
        JsonNode held = http.get("/v1/tasks/" + twice).body();
        assertThat(held.get("version").asText())
            .as("the larger claim holds the task on node %d", node)
            .isEqualTo(winner);
        assertThat(held.at("/lease/owner").asText()).isEqualTo(oneWins ? "w-one" : "w-two");
        assertThat(held.get("attempt").asInt())
            .as("both claims were attempts, on node %d: %s", node, held)
            .isEqualTo(2);
        assertThat(heartbeat(http, twice, winnerToken).status())
            .as("the winner's heartbeat on node %d", node)
            .isEqualTo(200);
        assertThat(problem(heartbeat(http, twice, loserToken)))
            .as("the loser's heartbeat on node %d", node)
            .isEqualTo("409 stale-token");
      }
      long counted = ClusterTest.countedDuplicates(cluster, "C10");
      assertThat(cluster.http(1).get("/v1/cluster").body().at("/duplicates/b").asLong())
          .as("the second claim, counted by the task's home as (b)")
          .isEqualTo(1);
      assertThat(counted).as("duplicates counted on all nodes").isEqualTo(1);
    }
  }

  /**
   * Across the cut, on four tasks claimed before it: {@code doneSide} (node {@code doneNode})
   * completes each, while {@code otherSide} cancels the first, fails the second (retryable),
   * cancels and retries the third, and fails the fourth for good and redrives its queue.
   */
  private static void conflict(
      List<String> four, Map<String, String> tokens, Http doneSide, int doneNode, Http otherSide)
      throws Exception {
    for (String id : four) {
      String completion =
          "{\"token\":\"" + tokens.get(id) + "\",\"result\":{\"side\":" + doneNode + "}}";
      assertThat(ok(doneSide, "/v1/tasks/" + id + "/complete", completion).get("state").asText())
          .isEqualTo("done");
    }
    String cancelled = four.get(0);
    String failed = four.get(1);
    String retried = four.get(2);
    String redriven = four.get(3);
    assertThat(ok(otherSide, "/v1/tasks/" + cancelled + "/cancel", "{}").get("state").asText())
        .isEqualTo("cancelled");
    String retryable =
        "{\"token\":\"" + tokens.get(failed) + "\",\"error\":\"flaky\",\"retry_in_ms\":60000}";
    assertThat(ok(otherSide, "/v1/tasks/" + failed + "/fail", retryable).get("state").asText())
        .isEqualTo("pending");
    ok(otherSide, "/v1/tasks/" + retried + "/cancel", "{}");
    assertThat(ok(otherSide, "/v1/tasks/" + retried + "/retry", "{}").get("state").asText())
        .isEqualTo("pending");
    ok(
        otherSide,
        "/v1/tasks/" + redriven + "/fail",
        "{\"token\":\"" + tokens.get(redriven) + "\",\"error\":\"gone\",\"permanent\":true}");
    assertThat(ok(otherSide, SETTLED + "/redrive", "{}").get("moved").asInt())
        .as("the task just failed for good: on this side the one dead task of its queue")
        .isEqualTo(1);
  }
}
