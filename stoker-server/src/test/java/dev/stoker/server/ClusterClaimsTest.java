package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The claim route on a node of a cluster: a claim that finds nothing here is forwarded (once, not
 * waiting) and answers the peer's tasks; a forwarded claim is never forwarded again; tasks here go
 * first.
 */
class ClusterClaimsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PEER_TASK =
      "{\"id\":\"from-the-peer\",\"state\":\"working\",\"lease\":{\"token\":\"t1.x\"}}";

  /** A cluster side whose peer answers {@code reply}, recording what it was asked. */
  private static final class Peer implements ClusterEndpoint {
    final List<String> forwarded = new CopyOnWriteArrayList<>();
    final String reply;

    Peer(String reply) {
      this.reply = reply;
    }

    @Override
    public byte[] exchange(byte[] message) {
      throw new UnsupportedOperationException();
    }

    @Override
    public byte[] status() {
      return "{}".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] forwardClaim(String queue, byte[] claimBody, String authorization) {
      forwarded.add(
          queue + " " + new String(claimBody, StandardCharsets.UTF_8) + " " + authorization);
      return reply.getBytes(StandardCharsets.UTF_8);
    }
  }

  private final Api api =
      new Api(
          new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1),
          new byte[32],
          Limits.DEFAULT,
          1 << 20);

  private JsonNode post(String path, String body, RequestHeaders headers) throws Exception {
    Response r =
        api.handle(
            "POST",
            path,
            null,
            "application/json",
            body.getBytes(StandardCharsets.UTF_8),
            Visibility.ALL,
            ClientConnection.UNKNOWN,
            headers);
    assertThat(r.status()).isIn(200, 201);
    return JSON.readTree(r.body());
  }

  @Test
  void a_claim_that_finds_nothing_here_answers_the_peers_tasks() throws Exception {
    Peer peer = new Peer("{\"tasks\":[" + PEER_TASK + "]}");
    api.cluster(peer);
    JsonNode r =
        post(
            "/v1/queues/q/claim",
            "{\"worker\":\"w\",\"max\":3,\"lease_ms\":5000,\"wait_ms\":1000}",
            name -> name.equals("Authorization") ? "Bearer abc" : null);
    assertThat(r.get("tasks")).hasSize(1);
    assertThat(r.at("/tasks/0/id").asText()).isEqualTo("from-the-peer");
    assertThat(peer.forwarded)
        .containsExactly(
            "q {\"worker\":\"w\",\"max\":3,\"lease_ms\":5000,\"wait_ms\":0} Bearer abc");
  }

  @Test
  void a_finish_with_a_claim_part_answers_the_peers_tasks_as_next() throws Exception {
    String id =
        post("/v1/queues/q/tasks", "{\"name\":\"n\"}", RequestHeaders.NONE).at("/id").asText();
    Peer peer = new Peer("{\"tasks\":[" + PEER_TASK + "]}");
    api.cluster(peer);
    String token =
        post("/v1/queues/q/claim", "{\"worker\":\"w\"}", RequestHeaders.NONE)
            .at("/tasks/0/lease/token")
            .asText();
    assertThat(peer.forwarded).as("a task here: nothing forwarded").isEmpty();
    JsonNode r =
        post(
            "/v1/tasks/" + id + "/complete",
            "{\"token\":\"" + token + "\",\"claim\":{\"worker\":\"w\"}}",
            RequestHeaders.NONE);
    assertThat(r.get("state").asText()).isEqualTo("done");
    assertThat(r.at("/next/tasks/0/id").asText()).isEqualTo("from-the-peer");
  }

  @Test
  void a_forwarded_claim_is_not_forwarded_again_and_an_empty_peer_leaves_the_claim_empty()
      throws Exception {
    Peer peer = new Peer("{\"tasks\":[]}");
    api.cluster(peer);
    JsonNode forwarded =
        post(
            "/v1/queues/q/claim",
            "{\"worker\":\"w\"}",
            name -> name.equals(ClusterEndpoint.FORWARDED_HEADER) ? "1" : null);
    assertThat(forwarded.get("tasks")).isEmpty();
    assertThat(peer.forwarded).isEmpty();
    JsonNode empty = post("/v1/queues/q/claim", "{\"worker\":\"w\"}", RequestHeaders.NONE);
    assertThat(empty.get("tasks")).isEmpty();
    assertThat(peer.forwarded).hasSize(1);
  }
}
