package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.client.CompletedBatch;
import dev.stoker.client.Completion;
import dev.stoker.client.Finished;
import dev.stoker.client.NextClaim;
import dev.stoker.client.PermanentFailure;
import dev.stoker.client.ProblemException;
import dev.stoker.client.ReleaseTask;
import dev.stoker.client.RetryLater;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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

  @Test
  void the_java_client_fails_and_claims_in_one_call_and_a_bad_claim_fails_nothing()
      throws Exception {
    String q = "fc-client-fail";
    try (StokerClient client = StokerClient.builder().baseUrl(server.url()).build()) {
      Task first = client.enqueue(q, "n", null);
      Task second = client.enqueue(q, "n", null);
      Task held = client.claim(q, "w", 1, null, null).get(0);
      assertThat(held.id()).isEqualTo(first.id());

      ProblemException bad =
          catchThrowableOfType(
              ProblemException.class,
              () ->
                  client.failAndClaim(
                      held.id(), held.lease().token(), "e", false, null, NextClaim.of("w").max(0)));
      assertThat(bad.status()).isEqualTo(422);
      assertThat(bad.field()).isEqualTo("claim.max");
      Task unchanged = client.task(held.id()).orElseThrow();
      assertThat(unchanged.state()).as("a bad claim fails nothing").isEqualTo(TaskState.WORKING);
      assertThat(unchanged.lastError()).isNull();
      assertThat(client.task(second.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);

      Finished f =
          client.failAndClaim(
              held.id(),
              held.lease().token(),
              "boom",
              false,
              Duration.ofHours(1),
              NextClaim.of("w2").max(5));
      assertThat(f.task().state()).isEqualTo(TaskState.PENDING);
      assertThat(f.task().lastError()).isEqualTo("boom");
      assertThat(f.next())
          .as("the failed task waits an hour; the other one is claimed")
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.id()).isEqualTo(second.id());
                assertThat(t.lease().owner()).isEqualTo("w2");
              });
    }
  }

  /**
   * A worker's failures and releases bring its next tasks as its completions do: the server sees
   * one claim request, the first, however the tasks end. (A fail or release followed by a claim
   * request of its own would count one claim request per task.)
   */
  @Test
  void a_worker_gets_its_next_task_in_the_reply_to_a_failure_or_release() throws Exception {
    String q = "fc-worker";
    StokerClient client = server.client();
    Task boom = client.enqueue(q, TaskRequest.of("boom").maxAttempts(1));
    Task bad = client.enqueue(q, TaskRequest.of("bad"));
    Task later = client.enqueue(q, TaskRequest.of("later"));
    Task giveBack = client.enqueue(q, TaskRequest.of("give-back"));
    Task ok = client.enqueue(q, TaskRequest.of("ok"));
    Set<String> givenBack = ConcurrentHashMap.newKeySet();
    String claims =
        "stoker_http_requests_seconds_count{method=\"POST\",route=\"/v1/queues/{queue}/claim\","
            + "status=\"200\"}";
    Scrape before = Scrape.of(server.url());
    try (Worker worker =
        Worker.builder(client)
            .queue(q)
            .worker("fc-worker")
            .shutdownGrace(Duration.ZERO) // the last long poll has nothing to bring
            .handler(
                "boom",
                ctx -> {
                  throw new IllegalStateException("boom");
                })
            .handler(
                "bad",
                ctx -> {
                  throw new PermanentFailure("bad");
                })
            .handler(
                "later",
                ctx -> {
                  throw new RetryLater(Duration.ofHours(1), "later");
                })
            .handler(
                "give-back",
                ctx -> {
                  if (givenBack.add(ctx.id())) {
                    throw new ReleaseTask("not now");
                  }
                  return "second run";
                })
            .handler("ok", ctx -> "ok")
            .build()
            .start()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(client.task(boom.id()).orElseThrow().state()).isEqualTo(TaskState.DEAD);
                assertThat(client.task(bad.id()).orElseThrow().state()).isEqualTo(TaskState.DEAD);
                assertThat(client.task(later.id()).orElseThrow().lastError()).isEqualTo("later");
                assertThat(client.task(giveBack.id()).orElseThrow().state())
                    .isEqualTo(TaskState.DONE);
                assertThat(client.task(ok.id()).orElseThrow().state()).isEqualTo(TaskState.DONE);
              });
      Scrape after = Scrape.of(server.url());
      assertThat(after.delta(before, "stoker_tasks_claimed_total{queue=\"" + q + "\"}"))
          .as("five tasks, one run twice")
          .isEqualTo(6);
      // the worker's claim loop long-polls (30 s) once the queue is empty: that claim has not
      // answered yet
      assertThat(after.delta(before, claims)).as("claim requests answered").isEqualTo(1);
      assertThat(givenBack).containsExactly(giveBack.id());
    }
  }
}
