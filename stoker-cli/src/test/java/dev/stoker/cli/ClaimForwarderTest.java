package dev.stoker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.server.StokerServer;
import dev.stoker.store.embedded.EmbeddedStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release a node sends to the peer that granted a forwarded claim's task its worker never got
 * (docs/backends/cluster.md, "Forwarded claims"): a real server on a real store, over HTTP.
 */
class ClaimForwarderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private JsonNode post(URI base, String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** A peer: a real server on {@code store}, on a free port of loopback. */
  private static StokerServer serve(EmbeddedStore store) throws Exception {
    return StokerServer.start(
        store,
        new StokerServer.Config(
            "127.0.0.1",
            0,
            1 << 20,
            16 << 10,
            dev.stoker.core.Limits.DEFAULT,
            java.time.Duration.ofSeconds(10),
            java.time.Duration.ofSeconds(1)));
  }

  @Test
  void a_task_handed_out_for_a_forwarded_claim_is_released_on_the_peer_with_its_token()
      throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir);
        StokerServer peer = serve(store)) {
      URI base = URI.create("http://127.0.0.1:" + peer.port() + "/");
      String id = post(base, "/v1/queues/q/tasks", "{\"name\":\"t\"}").get("id").asText();
      JsonNode task =
          post(base, "/v1/queues/q/claim", "{\"worker\":\"gone\",\"lease_ms\":60000}")
              .at("/tasks/0");
      String token = task.at("/lease/token").asText();
      ClaimForwarder forwarder = new ClaimForwarder();

      assertThat(forwarder.release(2, base, id, token + "x", null))
          .as("a token the peer does not take")
          .isFalse();
      assertThat(forwarder.release(2, base, id, token, null)).isTrue();
      JsonNode again = post(base, "/v1/queues/q/claim", "{\"worker\":\"alive\"}").at("/tasks/0");
      assertThat(again.get("id").asText()).isEqualTo(id);
      assertThat(again.get("attempt").asInt())
          .as("the released claim's attempt is not counted")
          .isEqualTo(1);
      assertThat(forwarder.release(2, URI.create("http://127.0.0.1:9/"), id, token, null))
          .as("an unreachable peer")
          .isFalse();
    }
  }

  /**
   * A peer that answers a forwarded claim after the forwarding timeout (here: its answer held by a
   * slow link) has handed out tasks no worker gets: the claim returns nothing, and the late answer
   * with the peer's tasks goes to the late handler, whose release (the path of a worker that hung
   * up) puts them back to pending on the peer at once.
   */
  @Test
  void an_answer_after_the_timeout_goes_to_the_late_handler_and_its_tasks_can_be_released()
      throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir);
        StokerServer peer = serve(store);
        dev.stoker.testkit.LinkProxy slow = new dev.stoker.testkit.LinkProxy()) {
      URI direct = URI.create("http://127.0.0.1:" + peer.port() + "/");
      String id = post(direct, "/v1/queues/q/tasks", "{\"name\":\"t\"}").get("id").asText();
      slow.target(peer.port());
      slow.delayAnswers(3_000);
      ClaimForwarder forwarder = new ClaimForwarder();
      java.util.concurrent.CompletableFuture<dev.stoker.server.ClusterEndpoint.ForwardedClaim>
          late = new java.util.concurrent.CompletableFuture<>();

      assertThat(
              forwarder.forward(
                  1,
                  URI.create(slow.url() + "/"),
                  "q",
                  "{\"worker\":\"w\",\"lease_ms\":600000,\"wait_ms\":0}"
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                  null,
                  late::complete))
          .as("no answer within the forwarding timeout")
          .isNull();
      assertThat(forwarder.counts()).containsEntry("failed", 1L);

      dev.stoker.server.ClusterEndpoint.ForwardedClaim answer =
          late.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(answer.peer()).isEqualTo(1);
      JsonNode task = JSON.readTree(answer.reply()).at("/tasks/0");
      assertThat(task.get("id").asText()).isEqualTo(id);
      assertThat(forwarder.release(1, direct, id, task.at("/lease/token").asText(), null)).isTrue();
      JsonNode again = post(direct, "/v1/queues/q/claim", "{\"worker\":\"alive\"}").at("/tasks/0");
      assertThat(again.get("id").asText()).isEqualTo(id);
      assertThat(again.get("attempt").asInt()).isEqualTo(1);
    }
  }
}
