package dev.stoker.it;

import static dev.stoker.it.ClusterTest.QUEUE;
import static dev.stoker.it.ClusterTest.awaitDoneEverywhere;
import static dev.stoker.it.ClusterTest.awaitEqualVectors;
import static dev.stoker.it.ClusterTest.enqueue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claims in the AP cluster on real node processes behind TCP proxies: any node settles a claim any
 * node gave out (one cluster key), a finished task answers 409 already-finished on every node, a
 * stale or forged token is refused on every node, one unique key enqueued on both sides of a
 * partition leaves one live task (C13), and a cluster with --tokens works
 * (docs/backends/cluster.md).
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterClaimsTest {
  @TempDir Path root;

  private Path keyFile() throws Exception {
    Path key = root.resolve("cluster.key");
    Files.writeString(key, "a-test-only-cluster-key-of-more-than-32-bytes\n");
    return key;
  }

  /** Three nodes given one cluster key. */
  private ClusterNodes keyedCluster() throws Exception {
    return new ClusterNodes(root, 3)
        .withArgs("--cluster-key-file", keyFile().toString())
        .startAll();
  }

  /** The claimed tasks, by id: their signed lease tokens. */
  private static Map<String, String> claim(Http http, int max) throws Exception {
    Http.Reply r =
        http.post(
            QUEUE + "/claim",
            "{\"worker\":\"w\",\"max\":" + max + ",\"lease_ms\":30000,\"wait_ms\":2000}");
    assertThat(r.status()).as("claim: %s", r.body()).isEqualTo(200);
    Map<String, String> tokens = new HashMap<>();
    r.body()
        .get("tasks")
        .forEach(t -> tokens.put(t.get("id").asText(), t.at("/lease/token").asText()));
    return tokens;
  }

  private static Http.Reply settle(Http http, String id, String what, String token)
      throws Exception {
    String extra = what.equals("complete") ? ",\"result\":{\"ok\":true}" : "";
    return http.post("/v1/tasks/" + id + "/" + what, "{\"token\":\"" + token + "\"" + extra + "}");
  }

  private static String problem(Http.Reply r) {
    return r.status() + " " + r.at("/type").asText().replaceAll(".*/", "");
  }

  /** A node's /metrics page. */
  private static String metrics(ClusterNodes cluster, int node) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(cluster.node(node).url() + "/metrics"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static void awaitCountEverywhere(
      ClusterNodes cluster, String queue, String state, int n) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              for (int node = 1; node <= cluster.size(); node++) {
                assertThat(cluster.http(node).get(queue).at("/counts/" + state).asInt())
                    .as("%s on node %d", state, node)
                    .isEqualTo(n);
              }
            });
  }

  @Test
  void any_node_settles_a_claim_any_node_gave_out_and_refuses_stale_tokens_on_every_node()
      throws Exception {
    try (ClusterNodes cluster = keyedCluster()) {
      List<String> ids = enqueue(cluster, 1, 4, "settle");
      awaitCountEverywhere(cluster, QUEUE, "pending", 4);
      Map<String, String> tokens = claim(cluster.http(1), 4);
      assertThat(tokens.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      String a = ids.get(0);
      String b = ids.get(1);
      String c = ids.get(2);
      String d = ids.get(3);

      assertThat(settle(cluster.http(2), a, "complete", tokens.get(a)).status())
          .as("claimed on 1, completed on 2")
          .isEqualTo(200);
      assertThat(settle(cluster.http(3), b, "heartbeat", tokens.get(b)).status())
          .as("claimed on 1, heartbeat on 3")
          .isEqualTo(200);
      assertThat(settle(cluster.http(2), b, "complete", tokens.get(b)).status()).isEqualTo(200);
      Http.Reply released = settle(cluster.http(3), c, "release", tokens.get(c));
      assertThat(released.status())
          .as("claimed on 1, released on 3: %s", released.body())
          .isEqualTo(200);
      awaitDoneEverywhere(cluster, List.of(a, b), Duration.ofSeconds(10));
      awaitCountEverywhere(cluster, QUEUE, "pending", 1);

      String forged =
          tokens.get(d).substring(0, tokens.get(d).length() - 2)
              + (tokens.get(d).endsWith("AA") ? "BB" : "AA");
      for (int node = 1; node <= 3; node++) {
        Http http = cluster.http(node);
        Http.Reply done = settle(http, a, "heartbeat", tokens.get(a));
        assertThat(problem(done))
            .as("a heartbeat of a task done elsewhere, on node %d", node)
            .isEqualTo("409 already-finished");
        assertThat(done.at("/state").asText()).isEqualTo("done");
        assertThat(problem(settle(http, b, "complete", tokens.get(b))))
            .as("a second completion, on node %d", node)
            .isEqualTo("409 already-finished");
        assertThat(problem(settle(http, c, "heartbeat", tokens.get(c))))
            .as("a released claim, on node %d", node)
            .isEqualTo("409 stale-token");
        assertThat(problem(settle(http, d, "heartbeat", forged)))
            .as("a forged token, on node %d", node)
            .isEqualTo("409 stale-token");
      }
      for (int node = 1; node <= 3; node++) {
        assertThat(settle(cluster.http(node), d, "heartbeat", tokens.get(d)).status())
            .as("heartbeat on node %d", node)
            .isEqualTo(200);
        assertThat(cluster.http(node).get("/readyz").status()).isEqualTo(200);
        assertThat(cluster.http(node).get("/v1/cluster").body().get("duplicates").toString())
            .isEqualTo("{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0}");
        assertThat(metrics(cluster, node))
            .contains(
                "stoker_cluster_duplicates_total{cause=\"a\"} 0.0",
                "stoker_cluster_duplicates_total{cause=\"e\"} 0.0");
      }
    }
  }

  @Test
  void workers_on_a_node_without_tasks_get_a_peers_tasks_by_forwarded_claims() throws Exception {
    try (ClusterNodes cluster = keyedCluster()) {
      List<String> ids = enqueue(cluster, 1, 60, "forwarded");
      awaitCountEverywhere(cluster, QUEUE, "pending", 60);
      try (ClusterTest.Workers workers = new ClusterTest.Workers(cluster, 2, 2)) {
        awaitDoneEverywhere(cluster, ids, Duration.ofSeconds(30));
        assertThat(workers.claims.keySet())
            .as("claimed on node 2, handed out by node 1")
            .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(workers.duplicates()).isEmpty();
        assertThat(workers.alreadyFinished).hasValue(0);
      }
      JsonNode forwarded = cluster.http(2).get("/v1/cluster").body().get("forwarded_claims");
      assertThat(forwarded.get("tasks").asLong()).isPositive();
      assertThat(forwarded.get("failed").asLong()).isZero();
      assertThat(metrics(cluster, 2))
          .contains("stoker_cluster_forwarded_claims_total{result=\"tasks\"}");
      for (int node = 1; node <= 3; node++) {
        assertThat(cluster.http(node).get("/v1/cluster").body().get("duplicates").toString())
            .as("on node %d", node)
            .isEqualTo("{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0}");
      }
    }
  }

  @Test
  void a_claim_waiting_on_a_node_gets_a_task_enqueued_at_a_peer_while_it_waits() throws Exception {
    try (ClusterNodes cluster = keyedCluster()) {
      List<String> first = enqueue(cluster, 1, 1, "queue-exists");
      awaitCountEverywhere(cluster, QUEUE, "pending", 1);
      assertThat(claim(cluster.http(1), 1).keySet()).containsExactlyElementsOf(first);
      java.util.concurrent.CompletableFuture<Http.Reply> waiting =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return cluster
                      .http(2)
                      .post(QUEUE + "/claim", "{\"worker\":\"w\",\"wait_ms\":20000}");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Awaitility.await()
          .during(Duration.ofMillis(700))
          .atMost(Duration.ofSeconds(5))
          .until(() -> !waiting.isDone());
      List<String> later = enqueue(cluster, 1, 1, "while-waiting");
      Http.Reply r = waiting.get(15, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      List<String> got = new java.util.ArrayList<>();
      r.body().get("tasks").forEach(t -> got.add(t.get("id").asText()));
      assertThat(got)
          .as("node 1's task, claimed on node 2 before its wait ran out")
          .containsExactlyElementsOf(later);
    }
  }

  @Test
  void a_settle_that_arrives_before_its_claim_is_recorded_with_the_claim() throws Exception {
    try (ClusterNodes cluster = keyedCluster()) {
      List<String> ids = enqueue(cluster, 1, 2, "unseen");
      awaitCountEverywhere(cluster, QUEUE, "pending", 2);
      cluster.isolate(
          1); // the claims stay on node 1 until the heal (shorter than steal_delay: nobody steals)
      Map<String, String> tokens = claim(cluster.http(1), 2);
      String beat = ids.get(0);
      String back = ids.get(1);
      Http.Reply hb = settle(cluster.http(2), beat, "heartbeat", tokens.get(beat));
      assertThat(hb.status())
          .as("a heartbeat on node 2 of a claim it has not seen: %s", hb.body())
          .isEqualTo(200);
      assertThat(hb.at("/state").asText()).isEqualTo("working");
      assertThat(settle(cluster.http(3), back, "release", tokens.get(back)).status())
          .as("a release on node 3 of a claim it has not seen")
          .isEqualTo(200);
      cluster.healAll();
      awaitEqualVectors(cluster);
      for (int node = 1; node <= 3; node++) {
        Http http = cluster.http(node);
        assertThat(http.get("/v1/tasks/" + beat).at("/state").asText())
            .as("on node %d", node)
            .isEqualTo("working");
        assertThat(http.get("/v1/tasks/" + back).at("/state").asText())
            .as("on node %d", node)
            .isEqualTo("pending");
        assertThat(problem(settle(http, back, "heartbeat", tokens.get(back))))
            .as("released, on node %d", node)
            .isEqualTo("409 stale-token");
      }
      assertThat(settle(cluster.http(3), beat, "complete", tokens.get(beat)).status())
          .isEqualTo(200);
      awaitDoneEverywhere(cluster, List.of(beat), Duration.ofSeconds(10));
    }
  }

  @Test
  void
      c13_one_unique_key_enqueued_on_both_sides_of_a_partition_leaves_one_live_task_after_the_heal()
          throws Exception {
    String queue = "/v1/queues/u";
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      cluster.isolate(1);
      String spec = "{\"name\":\"once\",\"unique_key\":\"k-13\"}";
      Http.Reply lone = cluster.http(1).post(queue + "/tasks", spec);
      Http.Reply other = cluster.http(2).post(queue + "/tasks", spec);
      assertThat(lone.status()).isEqualTo(201);
      assertThat(other.status()).as("each side sees no live task with the key").isEqualTo(201);
      String one = lone.at("/id").asText();
      String two = other.at("/id").asText();
      assertThat(one).isNotEqualTo(two);

      cluster.healAll();
      awaitCountEverywhere(cluster, queue, "cancelled", 1);
      awaitCountEverywhere(cluster, queue, "pending", 1);
      awaitEqualVectors(cluster);
      Set<String> live = new HashSet<>();
      for (int node = 1; node <= 3; node++) {
        JsonNode pending =
            cluster.http(node).get(queue + "/tasks?state=pending").body().get("tasks");
        assertThat(pending).hasSize(1);
        live.add(pending.get(0).get("id").asText());
      }
      assertThat(live).as("the same task keeps the key on every node").hasSize(1);
      String keeper = live.iterator().next();
      assertThat(keeper).isIn(one, two);
      for (int node = 1; node <= 3; node++) {
        Http.Reply again = cluster.http(node).post(queue + "/tasks", spec);
        assertThat(again.at("/id").asText())
            .as("the key's holder, on node %d", node)
            .isEqualTo(keeper);
        assertThat(again.at("/duplicate").asBoolean()).isTrue();
      }
    }
  }

  @Test
  void
      a_cluster_with_tokens_serves_authenticated_clients_and_its_peers_authenticate_by_the_cluster_key()
          throws Exception {
    Path tokensFile = root.resolve("tokens");
    Cli.Run created =
        Cli.run(
            root,
            Map.of(),
            List.of(
                "token",
                "create",
                "--name",
                "ops",
                "--role",
                "admin",
                "--queues",
                "*",
                "--file",
                tokensFile.toString()),
            null);
    assertThat(created.exit()).as(created.err()).isZero();
    String token = created.out().strip();
    try (ClusterNodes cluster =
        new ClusterNodes(root, 2)
            .withArgs("--tokens", tokensFile.toString(), "--cluster-key-file", keyFile().toString())
            .startAll()) {
      assertThat(cluster.http(1).post(QUEUE + "/tasks", "{\"name\":\"x\"}").status())
          .as("no token")
          .isEqualTo(401);
      Http.Reply r = cluster.http(1, token).post(QUEUE + "/tasks", "{\"name\":\"x\"}");
      assertThat(r.status()).isEqualTo(201);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> cluster.http(2, token).get(QUEUE).at("/counts/pending").asInt() == 1);
      Http.Reply forwarded = cluster.http(2, token).post(QUEUE + "/claim", "{\"worker\":\"w\"}");
      assertThat(forwarded.body().get("tasks"))
          .as("a claim on node 2 forwarded to node 1 with the worker's token: %s", forwarded.body())
          .hasSize(1);
      Http.Reply status = cluster.http(2, token).get("/v1/cluster");
      assertThat(status.at("/peers/0/connected").asBoolean()).isTrue();
      Http.Reply unsigned =
          cluster
              .http(1)
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(cluster.node(1).url() + "/v1/cluster/exchange"))
                      .header("Content-Type", "application/octet-stream")
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[64])));
      assertThat(problem(unsigned))
          .as("an exchange not signed with the cluster key")
          .isEqualTo("409 not-a-peer");
    }
  }
}
