package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The API's behaviour, one server process for the class, one queue per test. */
class ApiBehaviourTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  private static String enqueue(String queue, Map<String, Object> spec) throws Exception {
    Http.Reply r = server.http().post("/v1/queues/" + queue + "/tasks", Http.json(spec));
    assertThat(r.status()).as(r.body().toString()).isIn(200, 201);
    return r.body().get("id").asText();
  }

  private static JsonNode claim(String queue, int max, long waitMs) throws Exception {
    Http.Reply r =
        server
            .http()
            .post(
                "/v1/queues/" + queue + "/claim",
                Http.json(Map.of("worker", "w", "max", max, "wait_ms", waitMs)));
    assertThat(r.status()).isEqualTo(200);
    return r.body().get("tasks");
  }

  private static List<String> ids(JsonNode tasks) {
    List<String> ids = new ArrayList<>();
    tasks.forEach(t -> ids.add(t.get("id").asText()));
    return ids;
  }

  @Test
  void claims_follow_priority_then_run_at_then_id() throws Exception {
    String low = enqueue("order", Map.of("name", "low", "priority", 0));
    String highFirst = enqueue("order", Map.of("name", "high1", "priority", 5));
    String highSecond = enqueue("order", Map.of("name", "high2", "priority", 5));
    String mid = enqueue("order", Map.of("name", "mid", "priority", 1));
    String highOlderRunAt =
        enqueue("order", Map.of("name", "high0", "priority", 5, "run_at", "2020-01-01T00:00:00Z"));
    assertThat(ids(claim("order", 10, 0)))
        .containsExactly(highOlderRunAt, highFirst, highSecond, mid, low);
  }

  @Test
  void a_delayed_task_is_claimable_only_after_its_delay_and_wakes_a_waiting_claim()
      throws Exception {
    String id = enqueue("delayed", Map.of("name", "later", "delay_ms", 700));
    assertThat(claim("delayed", 1, 0)).isEmpty();
    assertThat(server.http().get("/v1/queues/delayed").at("/counts/scheduled").asInt())
        .isEqualTo(1);
    long start = System.nanoTime();
    JsonNode got = claim("delayed", 1, 20_000);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(ids(got)).containsExactly(id);
    assertThat(waitedMs).as("returned once due, not at the end of wait_ms").isLessThan(15_000);
  }

  @Test
  void a_unique_key_dedupes_while_the_task_is_live() throws Exception {
    Http.Reply first =
        server.http().post("/v1/queues/unique/tasks", "{\"name\":\"u\",\"unique_key\":\"k1\"}");
    assertThat(first.status()).isEqualTo(201);
    Http.Reply again =
        server.http().post("/v1/queues/unique/tasks", "{\"name\":\"u\",\"unique_key\":\"k1\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.at("/duplicate").asBoolean()).isTrue();
    assertThat(again.at("/id")).isEqualTo(first.at("/id"));

    JsonNode t = claim("unique", 1, 0).get(0);
    server
        .http()
        .post(
            "/v1/tasks/" + t.get("id").asText() + "/complete",
            Http.json(Map.of("token", t.at("/lease/token").asText())));
    Http.Reply afterDone =
        server.http().post("/v1/queues/unique/tasks", "{\"name\":\"u\",\"unique_key\":\"k1\"}");
    assertThat(afterDone.status()).isEqualTo(201);
    assertThat(afterDone.at("/id")).isNotEqualTo(first.at("/id"));
  }

  @Test
  void failures_retry_with_backoff_until_dead_and_redrive_revives() throws Exception {
    assertThat(
            server
                .http()
                .put(
                    "/v1/queues/retry",
                    "{\"max_attempts\":3,\"backoff\":{\"initial_ms\":50,\"multiplier\":1.0,\"max_ms\":50}}")
                .status())
        .isEqualTo(200);
    String id = enqueue("retry", Map.of("name", "flaky"));
    for (int attempt = 1; attempt <= 3; attempt++) {
      JsonNode t = claim("retry", 1, 10_000).get(0);
      assertThat(t.get("attempt").asInt()).isEqualTo(attempt);
      Http.Reply f =
          server
              .http()
              .post(
                  "/v1/tasks/" + id + "/fail",
                  Http.json(
                      Map.of("token", t.at("/lease/token").asText(), "error", "boom " + attempt)));
      assertThat(f.status()).isEqualTo(200);
      assertThat(f.at("/state").asText()).isEqualTo(attempt < 3 ? "pending" : "dead");
    }
    JsonNode dead = server.http().get("/v1/tasks/" + id).body();
    assertThat(dead.get("last_error").asText()).isEqualTo("boom 3");
    assertThat(server.http().get("/v1/queues/retry").at("/counts/dead").asInt()).isEqualTo(1);

    Http.Reply redrive = server.http().post("/v1/queues/retry/redrive", "{}");
    assertThat(redrive.at("/moved").asInt()).isEqualTo(1);
    JsonNode revived = server.http().get("/v1/tasks/" + id).body();
    assertThat(revived.get("state").asText()).isEqualTo("pending");
    assertThat(revived.get("attempt").asInt()).isZero();
  }

  @Test
  void cancel_ends_a_pending_task_and_refuses_a_finished_one() throws Exception {
    String id = enqueue("cancel", Map.of("name", "c"));
    Http.Reply c = server.http().post("/v1/tasks/" + id + "/cancel", "");
    assertThat(c.status()).isEqualTo(200);
    assertThat(c.at("/state").asText()).isEqualTo("cancelled");
    Http.Reply again = server.http().post("/v1/tasks/" + id + "/cancel", "");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.at("/state").asText()).isEqualTo("cancelled");
    assertThat(claim("cancel", 1, 0)).isEmpty();
  }

  @Test
  void a_batch_with_one_bad_member_enqueues_nothing() throws Exception {
    Http.Reply r =
        server
            .http()
            .post(
                "/v1/queues/batch/tasks",
                "{\"tasks\":[{\"name\":\"ok\"},{\"params\":{}},{\"name\":\"ok2\"}]}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.at("/field").asText()).isEqualTo("tasks[1].name");
    assertThat(server.http().get("/v1/queues/batch").at("/counts/pending").asInt()).isZero();

    Http.Reply ok =
        server
            .http()
            .post("/v1/queues/batch/tasks", "{\"tasks\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
    assertThat(ok.status()).isEqualTo(201);
    assertThat(ok.at("/tasks").size()).isEqualTo(2);
    assertThat(server.http().get("/v1/queues/batch").at("/counts/pending").asInt()).isEqualTo(2);
  }

  @Test
  void listing_with_a_cursor_visits_every_task_once_and_filters_by_state() throws Exception {
    Set<String> enqueued = new HashSet<>();
    for (int i = 0; i < 25; i++) {
      enqueued.add(enqueue("list", Map.of("name", i % 2 == 0 ? "even" : "odd")));
    }
    claim("list", 5, 0);
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page =
          server
              .http()
              .get("/v1/queues/list/tasks?limit=10" + (cursor == null ? "" : "&cursor=" + cursor))
              .body();
      page.get("tasks").forEach(t -> seen.add(t.get("id").asText()));
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
      pages++;
    } while (cursor != null);
    assertThat(seen).hasSize(25).containsExactlyInAnyOrderElementsOf(enqueued);
    assertThat(pages).isEqualTo(3);
    assertThat(
            server.http().get("/v1/queues/list/tasks?state=working&limit=100").at("/tasks").size())
        .isEqualTo(5);
    assertThat(server.http().get("/v1/queues/list/tasks?name=even&limit=100").at("/tasks").size())
        .isEqualTo(13);
  }

  @Test
  void a_waiting_claim_gets_a_task_enqueued_after_it_started_waiting() throws Exception {
    CompletableFuture<JsonNode> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return claim("longpoll", 1, 30_000);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThatThrownBy(() -> waiting.get(300, TimeUnit.MILLISECONDS))
        .as("the claim is waiting, not answered")
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    long start = System.nanoTime();
    String id = enqueue("longpoll", Map.of("name", "wake"));
    JsonNode got = waiting.get(20, TimeUnit.SECONDS);
    assertThat(ids(got)).containsExactly(id);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .as("well before wait_ms")
        .isLessThan(10_000);
  }

  @Test
  void batch_complete_answers_each_task() throws Exception {
    enqueue("bulk", Map.of("name", "a"));
    enqueue("bulk", Map.of("name", "b"));
    JsonNode tasks = claim("bulk", 2, 0);
    List<Map<String, Object>> completions = new ArrayList<>();
    tasks.forEach(
        t ->
            completions.add(
                Map.of(
                    "id",
                    t.get("id").asText(),
                    "token",
                    t.at("/lease/token").asText(),
                    "result",
                    42)));
    completions.add(Map.of("id", "01M84BBF4N0001K5GB42Z4DY2Z", "token", "t1.x"));
    Http.Reply r =
        server.http().post("/v1/tasks/complete", Http.json(Map.of("tasks", completions)));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.at("/results/0/status").asInt()).isEqualTo(200);
    assertThat(r.at("/results/1/task/result").asInt()).isEqualTo(42);
    assertThat(r.at("/results/2/status").asInt()).isEqualTo(404);
    assertThat(server.http().get("/v1/queues/bulk").at("/counts/done").asInt()).isEqualTo(2);
  }

  @Test
  void a_finished_task_is_pruned_after_its_retention() throws Exception {
    server.http().put("/v1/queues/retention", "{\"retention_ms\":300}");
    String id = enqueue("retention", Map.of("name", "short-lived"));
    assertThat(server.http().post("/v1/tasks/" + id + "/cancel", "").status()).isEqualTo(200);
    assertThat(server.http().get("/v1/tasks/" + id).status()).isEqualTo(200);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> server.http().get("/v1/tasks/" + id).status() == 404);
    assertThat(server.http().get("/v1/queues/retention").at("/counts/cancelled").asInt()).isZero();
  }

  @Test
  void settings_are_changed_in_part_and_read_back() throws Exception {
    Http.Reply put =
        server.http().put("/v1/queues/settings", "{\"lease_ms\":1234,\"paused\":true}");
    assertThat(put.status()).isEqualTo(200);
    JsonNode q = server.http().get("/v1/queues/settings").body();
    assertThat(q.at("/settings/lease_ms").asLong()).isEqualTo(1234);
    assertThat(q.at("/settings/max_attempts").asInt()).isEqualTo(10);
    assertThat(q.at("/paused").asBoolean()).isTrue();
    enqueue("settings", Map.of("name", "x"));
    assertThat(claim("settings", 1, 0)).as("a paused queue hands out nothing").isEmpty();
    server.http().put("/v1/queues/settings", "{\"paused\":false}");
    JsonNode t = claim("settings", 1, 0).get(0);
    long leaseLeft =
        java.time.Instant.parse(t.at("/lease/expires_at").asText()).toEpochMilli()
            - java.time.Instant.parse(t.get("updated_at").asText()).toEpochMilli();
    assertThat(leaseLeft).as("the queue's lease_ms applies").isEqualTo(1234);
    assertThat(server.http().get("/v1/queues").body().get("queues").findValuesAsText("name"))
        .contains("settings");
  }
}
