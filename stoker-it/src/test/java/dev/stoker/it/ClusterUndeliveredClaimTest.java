package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarded claim whose reply never reaches its worker (docs/backends/cluster.md, "Forwarded
 * claims"): the tasks the peer handed out go back to pending on that peer at once, not when their
 * lease runs out. Real node processes; the worker is a raw socket that reads nothing, so the large
 * reply fills the connection's buffers, and then resets it: the write fails.
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterUndeliveredClaimTest {
  static final String QUEUE = "/v1/queues/u";
  static final int TASKS = 12;

  /**
   * Large enough that 12 of them (6 MB) fill any socket buffers between the node and the worker.
   */
  static final int PARAMS_BYTES = 512 * 1024;

  @TempDir Path root;

  @Test
  void a_forwarded_claims_tasks_whose_reply_cannot_be_written_are_pending_again_on_the_peer()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 2).startAll()) {
      awaitReady(cluster);
      String big = "\"" + "x".repeat(PARAMS_BYTES) + "\"";
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        Http.Reply r =
            cluster
                .http(1)
                .post(QUEUE + "/tasks", "{\"name\":\"big-" + i + "\",\"params\":" + big + "}");
        assertThat(r.status()).as("enqueue: %s", r.body()).isEqualTo(201);
        ids.add(r.body().get("id").asText());
      }
      awaitCount(cluster, 2, "pending", TASKS);

      URI node2 = URI.create(cluster.node(2).url());
      try (Socket worker = new Socket()) {
        worker.setReceiveBufferSize(4096); // before connecting: a small window
        worker.connect(new java.net.InetSocketAddress(node2.getHost(), node2.getPort()));
        byte[] body =
            ("{\"worker\":\"gone\",\"max\":" + TASKS + ",\"lease_ms\":600000}")
                .getBytes(StandardCharsets.UTF_8);
        OutputStream out = worker.getOutputStream();
        out.write(
            ("POST "
                    + QUEUE
                    + "/claim HTTP/1.1\r\nHost: "
                    + node2.getAuthority()
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        // Node 2 has none of its own: it forwards to node 1, which hands all of them out, and node
        // 2 is then writing a reply of 6 MB to a worker that reads none of it.
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> cluster.http(1).get(QUEUE).at("/counts/working").asInt() == TASKS);
        worker.setSoLinger(true, 0); // close with a reset: the blocked write fails
      }

      awaitPendingAgainOnNode1(cluster, TASKS);
      Http.Reply again =
          cluster
              .http(1)
              .post(QUEUE + "/claim", "{\"worker\":\"alive\",\"max\":1,\"lease_ms\":60000}");
      JsonNode task = again.at("/tasks/0");
      assertThat(ids).contains(task.get("id").asText());
      assertThat(task.get("attempt").asInt())
          .as("the undelivered claim's attempt is not counted")
          .isEqualTo(1);
      assertThat(task.at("/lease/owner").asText()).isEqualTo("alive");
      assertThat(cluster.http(2).get("/v1/cluster").at("/forwarded_claims/tasks").asLong())
          .isEqualTo(1);
    }
  }

  /**
   * Node 1 answers node 2's forwarded claim only after the 2 s forwarding timeout (its answers on
   * that link held 3 s): the worker gets nothing, and the tasks node 1 handed out for it are
   * pending again on node 1 within seconds, not after their 600 s lease (they stayed working
   * before).
   */
  @Test
  void a_forwarded_claims_tasks_whose_answer_comes_too_late_are_pending_again_on_the_peer()
      throws Exception {
    int tasks = 5;
    try (ClusterNodes cluster = new ClusterNodes(root, 2).startAll()) {
      awaitReady(cluster);
      for (int i = 0; i < tasks; i++) {
        assertThat(cluster.http(1).post(QUEUE + "/tasks", "{\"name\":\"late-" + i + "\"}").status())
            .isEqualTo(201);
      }
      awaitCount(cluster, 2, "pending", tasks);

      cluster.delayAnswers(2, 1, 3_000);
      Http.Reply claim =
          cluster
              .http(2)
              .post(
                  QUEUE + "/claim",
                  "{\"worker\":\"w\",\"max\":" + tasks + ",\"lease_ms\":600000,\"wait_ms\":0}");
      assertThat(claim.status()).isEqualTo(200);
      assertThat(claim.body().get("tasks")).as("node 1's answer came too late").isEmpty();
      awaitCount(cluster, 1, "working", tasks);

      awaitPendingAgainOnNode1(cluster, tasks);
      assertThat(cluster.http(2).get("/v1/cluster").at("/forwarded_claims/failed").asLong())
          .isGreaterThanOrEqualTo(1);
    }
  }

  private static void awaitReady(ClusterNodes cluster) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                cluster.http(1).get("/readyz").status() == 200
                    && cluster.http(2).get("/readyz").status() == 200);
  }

  /** Waits until node {@code id} counts {@code n} tasks of the queue in {@code state}. */
  private static void awaitCount(ClusterNodes cluster, int id, String state, int n) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> cluster.http(id).get(QUEUE).at("/counts/" + state).asInt() == n);
  }

  private static void awaitPendingAgainOnNode1(ClusterNodes cluster, int n) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(cluster.http(1).get(QUEUE).at("/counts/pending").asInt())
                    .as("pending again on node 1, long before the 600 s lease ends")
                    .isEqualTo(n));
  }
}
