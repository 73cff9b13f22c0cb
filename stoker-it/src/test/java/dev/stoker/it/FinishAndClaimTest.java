package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.client.CompletedBatch;
import dev.stoker.client.Completion;
import dev.stoker.client.Finished;
import dev.stoker.client.NextClaim;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Finish and claim in one request (docs/api.md#finish-and-claim-in-one-request) against a real
 * server: the finish first, then the claim as the claim endpoint makes it; a bad claim part or a
 * refused finish applies nothing of the claim.
 */
class FinishAndClaimTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  private final Http http = server.http();

  private String enqueue(String queue) throws Exception {
    return http.post("/v1/queues/" + queue + "/tasks", "{\"name\":\"n\"}")
        .body()
        .get("id")
        .asText();
  }

  private JsonNode claim(String queue) throws Exception {
    return http.post("/v1/queues/" + queue + "/claim", "{\"worker\":\"w\",\"lease_ms\":60000}")
        .at("/tasks/0");
  }

  private Http.Reply finish(JsonNode task, String op, String claim) throws Exception {
    String error = op.equals("fail") ? ",\"error\":\"e\"" : "";
    return http.post(
        "/v1/tasks/" + task.get("id").asText() + "/" + op,
        "{\"token\":\""
            + task.at("/lease/token").asText()
            + "\""
            + error
            + (claim == null ? "" : ",\"claim\":" + claim)
            + "}");
  }

  @Test
  void a_complete_returns_the_next_task_and_an_empty_queue_answers_at_once() throws Exception {
    String q = "fc-next";
    enqueue(q);
    String second = enqueue(q);
    Http.Reply r = finish(claim(q), "complete", "{\"worker\":\"w2\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.at("/state").asText()).isEqualTo("done");
    assertThat(r.at("/next/tasks")).hasSize(1);
    JsonNode next = r.at("/next/tasks/0");
    assertThat(next.get("id").asText()).isEqualTo(second);
    assertThat(next.at("/lease/owner").asText()).isEqualTo("w2");

    Http.Reply last = finish(next, "complete", "{\"worker\":\"w2\",\"max\":5}");
    assertThat(last.status()).isEqualTo(200);
    assertThat(last.at("/next").toString()).isEqualTo("{\"tasks\":[]}");
    assertThat(http.get("/v1/queues/" + q).at("/counts/done").asInt()).isEqualTo(2);
  }

  @Test
  void a_bad_claim_part_is_refused_naming_its_field_and_nothing_is_applied() throws Exception {
    String q = "fc-bad";
    enqueue(q);
    enqueue(q);
    JsonNode t = claim(q);
    JsonNode before = http.queueState(q);
    String[][] cases = {
      {"{\"worker\":\"w\",\"max\":0}", "claim.max"},
      {"{\"worker\":\"w\",\"lease_ms\":31622400001}", "claim.lease_ms"},
      {"{\"worker\":\"w\",\"wait_ms\":60001}", "claim.wait_ms"},
      {"{\"worker\":\"w\",\"speed\":1}", "claim.speed"},
      {"{}", "claim.worker"},
    };
    for (String op : new String[] {"complete", "fail", "release"}) {
      for (String[] c : cases) {
        Http.Reply r = finish(t, op, c[0]);
        assertThat(r.status()).as(op + " " + c[0]).isEqualTo(422);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.at("/field").asText()).as(op + " " + c[0]).isEqualTo(c[1]);
      }
    }
    Http.Reply batch =
        http.post(
            "/v1/tasks/complete",
            "{\"tasks\":[{\"id\":\""
                + t.get("id").asText()
                + "\",\"token\":\""
                + t.at("/lease/token").asText()
                + "\"}],\"claim\":{\"worker\":\"w\",\"max\":0}}");
    assertThat(batch.at("/field").asText()).isEqualTo("claim.max");
    assertThat(http.queueState(q)).isEqualTo(before);
  }

  @Test
  void a_finish_refused_with_a_stale_token_claims_nothing() throws Exception {
    String q = "fc-stale";
    enqueue(q);
    enqueue(q);
    JsonNode t = claim(q);
    JsonNode before = http.queueState(q);
    Http.Reply r =
        http.post(
            "/v1/tasks/" + t.get("id").asText() + "/fail",
            "{\"token\":\"t1.not-a-token\",\"error\":\"e\",\"claim\":{\"worker\":\"w\"}}");
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.at("/type").asText()).endsWith("/stale-token");
    assertThat(r.body().has("next")).isFalse();
    assertThat(http.queueState(q)).isEqualTo(before);
  }

  @Test
  void a_batch_completes_then_claims() throws Exception {
    String q = "fc-batch";
    for (int i = 0; i < 5; i++) {
      enqueue(q);
    }
    JsonNode a = claim(q);
    JsonNode b = claim(q);
    Http.Reply r =
        http.post(
            "/v1/tasks/complete",
            "{\"tasks\":["
                + "{\"id\":\""
                + a.get("id").asText()
                + "\",\"token\":\""
                + a.at("/lease/token").asText()
                + "\"},"
                + "{\"id\":\""
                + b.get("id").asText()
                + "\",\"token\":\""
                + b.at("/lease/token").asText()
                + "\"}],"
                + "\"claim\":{\"worker\":\"w\",\"max\":2}}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.at("/results").findValuesAsText("status")).containsExactly("200", "200");
    assertThat(r.at("/next/tasks")).hasSize(2);
    assertThat(http.get("/v1/queues/" + q).at("/counts").toString())
        .contains("\"pending\":1", "\"working\":2", "\"done\":2");
  }

  @Test
  void a_waiting_claim_part_gets_the_task_enqueued_while_it_waits() throws Exception {
    String q = "fc-wait";
    enqueue(q);
    JsonNode t = claim(q);
    CompletableFuture<Http.Reply> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return finish(t, "complete", "{\"worker\":\"w\",\"wait_ms\":30000}");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    String later = enqueue(q);
    Http.Reply r = waiting.get();
    assertThat(r.at("/state").asText()).isEqualTo("done");
    assertThat(r.at("/next/tasks/0/id").asText()).isEqualTo(later);
  }

  @Test
  void the_java_client_completes_and_claims_in_one_call() throws Exception {
    String q = "fc-client";
    try (StokerClient client = StokerClient.builder().baseUrl(server.url()).build()) {
      client.enqueue(q, "n", null);
      client.enqueue(q, "n", null);
      client.enqueue(q, "n", null);
      Task first = client.claim(q, "w", 1, null, null).get(0);
      Finished f = client.completeAndClaim(first.id(), first.lease().token(), 7, NextClaim.of("w"));
      assertThat(f.task().state()).isEqualTo(TaskState.DONE);
      assertThat(f.next()).hasSize(1);
      Task second = f.next().get(0);
      Finished r =
          client.releaseAndClaim(
              second.id(),
              second.lease().token(),
              Duration.ofMinutes(5),
              NextClaim.of("w").max(10));
      assertThat(r.task().state()).isEqualTo(TaskState.PENDING);
      assertThat(r.next()).hasSize(1);
      CompletedBatch b =
          client.completeAllAndClaim(
              List.of(Completion.of(r.next().get(0), null)), NextClaim.of("w").queue(q));
      assertThat(b.results().get(0).ok()).isTrue();
      assertThat(b.next()).isEmpty();
    }
  }
}
