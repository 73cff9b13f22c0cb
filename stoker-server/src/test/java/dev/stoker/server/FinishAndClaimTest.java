package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A finish (complete, fail, release, the batch complete) that carries a {@code claim} part: the
 * finish first, then the claim as the claim endpoint would make it, in one request; a bad claim
 * part refuses the whole request before anything is applied.
 */
class FinishAndClaimTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Api api =
      new Api(
          new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1),
          new byte[32],
          Limits.DEFAULT,
          1 << 20);

  private Response post(String path, String body) {
    return api.handle(
        "POST", path, null, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode json(Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  private String enqueue(String queue) throws Exception {
    return json(post("/v1/queues/" + queue + "/tasks", "{\"name\":\"n\"}")).get("id").asText();
  }

  private JsonNode claimOne(String queue) throws Exception {
    return json(post("/v1/queues/" + queue + "/claim", "{\"worker\":\"w\"}")).get("tasks").get(0);
  }

  private String state(String id) throws Exception {
    return json(api.handle("GET", "/v1/tasks/" + id, null, null, new byte[0]))
        .get("state")
        .asText();
  }

  private static String token(JsonNode task) {
    return task.get("lease").get("token").asText();
  }

  @Test
  void a_complete_with_a_claim_answers_the_finished_task_and_the_next_one() throws Exception {
    enqueue("q");
    String second = enqueue("q");
    JsonNode first = claimOne("q");
    Response r =
        post(
            "/v1/tasks/" + first.get("id").asText() + "/complete",
            "{\"token\":\""
                + token(first)
                + "\",\"result\":{\"ok\":1},\"claim\":{\"worker\":\"w2\",\"lease_ms\":5000}}");
    assertThat(r.status()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("id").asText()).isEqualTo(first.get("id").asText());
    assertThat(body.get("state").asText()).isEqualTo("done");
    assertThat(body.get("result").get("ok").asInt()).isEqualTo(1);
    JsonNode next = body.get("next").get("tasks");
    assertThat(next).hasSize(1);
    assertThat(next.get(0).get("id").asText()).isEqualTo(second);
    assertThat(next.get(0).get("lease").get("owner").asText()).isEqualTo("w2");
    // the next task's token is a real one: it completes the task
    Response done =
        post("/v1/tasks/" + second + "/complete", "{\"token\":\"" + token(next.get(0)) + "\"}");
    assertThat(done.status()).isEqualTo(200);
  }

  @Test
  void an_empty_queue_answers_no_next_tasks_at_once() throws Exception {
    enqueue("q");
    JsonNode t = claimOne("q");
    JsonNode body =
        json(
            post(
                "/v1/tasks/" + t.get("id").asText() + "/complete",
                "{\"token\":\"" + token(t) + "\",\"claim\":{\"worker\":\"w\",\"max\":10}}"));
    assertThat(body.get("state").asText()).isEqualTo("done");
    assertThat(body.get("next").toString()).isEqualTo("{\"tasks\":[]}");
  }

  @Test
  void fail_and_release_claim_too_and_the_claim_queue_may_be_named() throws Exception {
    enqueue("q");
    enqueue("q");
    String elsewhere = enqueue("other");
    JsonNode t = claimOne("q");
    JsonNode failed =
        json(
            post(
                "/v1/tasks/" + t.get("id").asText() + "/fail",
                "{\"token\":\""
                    + token(t)
                    + "\",\"error\":\"boom\",\"permanent\":true,\"claim\":{\"worker\":\"w\"}}"));
    assertThat(failed.get("state").asText()).isEqualTo("dead");
    JsonNode next = failed.get("next").get("tasks").get(0);
    assertThat(next.get("queue").asText()).isEqualTo("q");
    JsonNode released =
        json(
            post(
                "/v1/tasks/" + next.get("id").asText() + "/release",
                "{\"token\":\""
                    + token(next)
                    + "\",\"delay_ms\":60000,\"claim\":{\"worker\":\"w\",\"queue\":\"other\"}}"));
    assertThat(released.get("state").asText()).isEqualTo("pending");
    assertThat(released.get("next").get("tasks").get(0).get("id").asText()).isEqualTo(elsewhere);
  }

  @Test
  void a_bad_claim_part_refuses_the_whole_request_and_names_its_field() throws Exception {
    enqueue("q");
    enqueue("q");
    JsonNode t = claimOne("q");
    String id = t.get("id").asText();
    String[][] cases = {
      {"{\"worker\":\"w\",\"max\":0}", "claim.max"},
      {"{\"worker\":\"w\",\"max\":1001}", "claim.max"},
      {"{\"worker\":\"w\",\"lease_ms\":" + (Limits.MAX_DURATION_MS + 1) + "}", "claim.lease_ms"},
      {"{\"worker\":\"w\",\"wait_ms\":-1}", "claim.wait_ms"},
      {"{\"worker\":\"w\",\"colour\":\"red\"}", "claim.colour"},
      {"{\"max\":1}", "claim.worker"},
      {"{\"worker\":\"w\",\"queue\":\"../x\"}", "claim.queue"},
      {"7", "claim"},
    };
    for (String op : new String[] {"complete", "fail", "release"}) {
      for (String[] c : cases) {
        String error = op.equals("fail") ? ",\"error\":\"e\"" : "";
        Response r =
            post(
                "/v1/tasks/" + id + "/" + op,
                "{\"token\":\"" + token(t) + "\"" + error + ",\"claim\":" + c[0] + "}");
        assertThat(r.status()).as(op + " " + c[0]).isBetween(400, 499);
        assertThat(r.contentType()).isEqualTo(Response.PROBLEM);
        assertThat(json(r).get("field").asText()).as(op + " " + c[0]).isEqualTo(c[1]);
      }
    }
    Response batch =
        post(
            "/v1/tasks/complete",
            "{\"tasks\":[{\"id\":\""
                + id
                + "\",\"token\":\""
                + token(t)
                + "\"}],\"claim\":{\"worker\":\"w\",\"max\":0}}");
    assertThat(json(batch).get("field").asText()).isEqualTo("claim.max");
    // nothing was applied: the task is still working, the other one still pending
    assertThat(state(id)).isEqualTo("working");
    assertThat(
            json(api.handle("GET", "/v1/queues/q", null, null, new byte[0]))
                .get("counts")
                .get("pending")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void a_refused_finish_claims_nothing() throws Exception {
    enqueue("q");
    enqueue("q");
    JsonNode t = claimOne("q");
    Response r =
        post(
            "/v1/tasks/" + t.get("id").asText() + "/complete",
            "{\"token\":\"" + token(t) + "x\",\"claim\":{\"worker\":\"w\"}}");
    assertThat(r.status()).isEqualTo(409);
    assertThat(json(r).has("next")).isFalse();
    assertThat(
            json(api.handle("GET", "/v1/queues/q", null, null, new byte[0]))
                .get("counts")
                .get("pending")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void a_batch_complete_claims_after_its_completions_in_the_first_task_queue() throws Exception {
    for (int i = 0; i < 4; i++) {
      enqueue("q");
    }
    JsonNode a = claimOne("q");
    JsonNode b = claimOne("q");
    JsonNode body =
        json(
            post(
                "/v1/tasks/complete",
                "{\"claim\":{\"worker\":\"w\",\"max\":5},\"tasks\":["
                    + "{\"id\":\""
                    + a.get("id").asText()
                    + "\",\"token\":\""
                    + token(a)
                    + "\"},"
                    + "{\"id\":\""
                    + b.get("id").asText()
                    + "\",\"token\":\"stale\"}]}"));
    assertThat(body.get("results").get(0).get("status").asInt()).isEqualTo(200);
    assertThat(body.get("results").get(1).get("status").asInt()).isEqualTo(409);
    assertThat(body.get("next").get("tasks")).hasSize(2);
    // no task of the batch exists and no queue is named: nothing to claim from
    JsonNode none =
        json(
            post(
                "/v1/tasks/complete",
                "{\"tasks\":[{\"id\":\""
                    + "0".repeat(26)
                    + "\",\"token\":\"t\"}],\"claim\":{\"worker\":\"w\"}}"));
    assertThat(none.get("results").get(0).get("status").asInt()).isEqualTo(404);
    assertThat(none.get("next").toString()).isEqualTo("{\"tasks\":[]}");
  }

  @Test
  void a_finish_without_a_claim_answers_as_before() throws Exception {
    enqueue("q");
    JsonNode t = claimOne("q");
    JsonNode body =
        json(
            post(
                "/v1/tasks/" + t.get("id").asText() + "/complete",
                "{\"token\":\"" + token(t) + "\"}"));
    assertThat(body.has("next")).isFalse();
    assertThat(body.get("state").asText()).isEqualTo("done");
  }
}
