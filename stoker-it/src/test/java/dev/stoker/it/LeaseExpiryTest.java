package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that stops heartbeating loses its task to another worker once its lease runs out; its
 * token no longer extends, fails or releases anything, but its late completion still counts.
 */
class LeaseExpiryTest {
  @TempDir Path data;

  @Test
  void an_expired_lease_is_taken_over_and_the_stale_token_is_refused() throws Exception {
    try (StokerProcess server = StokerProcess.start(data)) {
      Http http = new Http(server.url());
      String id =
          http.post("/v1/queues/lease/tasks", "{\"name\":\"slow\"}").body().get("id").asText();

      Http.Reply a = http.post("/v1/queues/lease/claim", "{\"worker\":\"a\",\"lease_ms\":300}");
      assertThat(a.at("/tasks/0/id").asText()).isEqualTo(id);
      String tokenA = a.at("/tasks/0/lease/token").asText();

      // Worker a goes silent. Worker b long-polls and is woken by the lease's expiry.
      Http.Reply b =
          http.post(
              "/v1/queues/lease/claim", "{\"worker\":\"b\",\"lease_ms\":30000,\"wait_ms\":20000}");
      assertThat(b.at("/tasks/0/id").asText()).isEqualTo(id);
      assertThat(b.at("/tasks/0/attempt").asInt()).isEqualTo(2);
      assertThat(b.at("/tasks/0/lease/owner").asText()).isEqualTo("b");
      String tokenB = b.at("/tasks/0/lease/token").asText();
      assertThat(tokenB).isNotEqualTo(tokenA);
      String expiresB = b.at("/tasks/0/lease/expires_at").asText();

      for (String op : new String[] {"heartbeat", "release"}) {
        Http.Reply r =
            http.post("/v1/tasks/" + id + "/" + op, Http.json(java.util.Map.of("token", tokenA)));
        assertThat(r.status()).as(op).isEqualTo(409);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.at("/state").asText()).isEqualTo("working");
      }
      Http.Reply fail =
          http.post(
              "/v1/tasks/" + id + "/fail",
              Http.json(java.util.Map.of("token", tokenA, "error", "late")));
      assertThat(fail.status()).isEqualTo(409);

      Http.Reply now = http.get("/v1/tasks/" + id);
      assertThat(now.at("/lease/owner").asText()).as("b still holds the task").isEqualTo("b");
      assertThat(now.at("/lease/expires_at").asText())
          .as("a did not touch b's lease")
          .isEqualTo(expiresB);

      // The work a did is still good: its late completion is accepted.
      Http.Reply late =
          http.post(
              "/v1/tasks/" + id + "/complete",
              Http.json(java.util.Map.of("token", tokenA, "result", java.util.Map.of("by", "a"))));
      assertThat(late.status()).isEqualTo(200);
      assertThat(late.at("/state").asText()).isEqualTo("done");
      assertThat(late.at("/result/by").asText()).isEqualTo("a");

      Http.Reply heartbeatB =
          http.post("/v1/tasks/" + id + "/heartbeat", Http.json(java.util.Map.of("token", tokenB)));
      assertThat(heartbeatB.status()).isEqualTo(409);
      assertThat(heartbeatB.at("/state").asText())
          .as("b learns its task is done elsewhere")
          .isEqualTo("done");
      Http.Reply completeB =
          http.post("/v1/tasks/" + id + "/complete", Http.json(java.util.Map.of("token", tokenB)));
      assertThat(completeB.status()).isEqualTo(409);
      assertThat(http.get("/v1/tasks/" + id).at("/result/by").asText())
          .as("result unchanged")
          .isEqualTo("a");
    }
  }
}
