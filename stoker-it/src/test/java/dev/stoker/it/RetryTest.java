package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.client.ProblemException;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskState;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/tasks/{id}/retry} over a real {@code stoker serve --tokens}: it moves one dead or
 * cancelled task back to pending and leaves the other dead tasks of its queue dead; every refusal
 * (unknown task, a state that cannot be retried, a unique key another live task holds, a token that
 * may not manage the queue) is a problem+json that changes nothing.
 */
class RetryTest {
  private static final String MISSING = "01M84BBF4N0001K5GB42Z4DY2Z";

  @TempDir static Path dir;
  static StokerProcess server;
  static String adminToken;
  static Http admin;
  static Http worker;
  static Http otherAdmin;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    adminToken = token(tokens, "ops", "admin", "*");
    String workerToken = token(tokens, "runner", "worker", "*");
    String otherAdminToken = token(tokens, "billing-ops", "admin", "billing.*");
    server = StokerProcess.start(dir.resolve("data"), "--tokens", tokens.toString());
    admin = new Http(server.url()).as(adminToken);
    worker = admin.as(workerToken);
    otherAdmin = admin.as(otherAdminToken);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static String token(Path file, String name, String role, String queues) throws Exception {
    return Cli.createToken(dir, file, name, role, queues).out().strip();
  }

  @Test
  void retries_one_dead_task_and_leaves_the_others_dead() throws Exception {
    String q = "retry.one";
    String older = dead(q, "report");
    String retried = dead(q, "report");

    Http.Reply r = admin.post("/v1/tasks/" + retried + "/retry", "{}");

    assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
    assertThat(r.at("/state").asText()).isEqualTo("pending");
    assertThat(r.at("/attempt").asInt()).isZero();
    assertThat(r.at("/last_error").asText()).isEqualTo("boom");
    assertThat(admin.get("/v1/tasks/" + older).at("/state").asText()).isEqualTo("dead");
    assertThat(admin.get("/v1/queues/" + q).at("/counts/dead").asInt()).isEqualTo(1);
    JsonNode claimed = admin.post("/v1/queues/" + q + "/claim", "{\"worker\":\"w\"}").body();
    assertThat(claimed.at("/tasks/0/id").asText()).isEqualTo(retried);
    assertThat(claimed.at("/tasks/0/attempt").asInt()).isEqualTo(1);
  }

  @Test
  void the_client_retries_a_cancelled_task() throws Exception {
    try (StokerClient client =
        StokerClient.builder().baseUrl(server.url()).token(adminToken).build()) {
      Task t = client.enqueue("retry.client", "cancelled-then-retried", Map.of());
      client.cancel(t.id());

      Task retried = client.retry(t.id());

      assertThat(retried.state()).isEqualTo(TaskState.PENDING);
      assertThat(client.task(t.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);
      ProblemException again =
          catchThrowableOfType(ProblemException.class, () -> client.retry(t.id()));
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.type()).isEqualTo("https://stoker.dev/problems/not-retryable");
      assertThat(again.state()).isEqualTo(TaskState.PENDING);
    }
  }

  @Test
  void an_unknown_task_is_404() throws Exception {
    assertRefused("retry.none", admin, MISSING, 404, "not-found", null);
  }

  @Test
  void a_pending_working_or_done_task_is_409_not_retryable() throws Exception {
    String q = "retry.live";
    Claimed done = claimed(q, "finished");
    Http.Reply completed =
        admin.post(
            "/v1/tasks/" + done.id() + "/complete", Http.json(Map.of("token", done.token())));
    assertThat(completed.at("/state").asText()).isEqualTo("done");
    String working = claimed(q, "running").id();
    String pending = enqueue(q, Map.of("name", "waiting"));

    assertRefused(q, admin, done.id(), 409, "not-retryable", "done");
    assertRefused(q, admin, working, 409, "not-retryable", "working");
    assertRefused(q, admin, pending, 409, "not-retryable", "pending");
  }

  @Test
  void a_task_whose_unique_key_a_live_task_holds_is_409_unique_key_held() throws Exception {
    String q = "retry.keyed";
    String keyed = dead(q, Map.of("name", "sync", "unique_key", "account-7"));
    String holder = enqueue(q, Map.of("name", "sync", "unique_key", "account-7"));

    Http.Reply r = assertRefused(q, admin, keyed, 409, "unique-key-held", "dead");

    assertThat(r.at("/detail").asText()).contains(holder);
  }

  @Test
  void a_token_that_may_not_manage_is_403_and_one_of_other_queues_404() throws Exception {
    String q = "retry.guarded";
    String id = dead(q, "guarded");

    assertRefused(q, worker, id, 403, "forbidden", null);
    assertRefused(q, otherAdmin, id, 404, "not-found", null);
  }

  @Test
  void a_body_with_a_field_or_a_bad_id_is_refused() throws Exception {
    String q = "retry.strict";
    String id = dead(q, "strict");
    JsonNode before = admin.queueState(q);

    assertThat(admin.post("/v1/tasks/" + id + "/retry", "{\"delay_ms\":5}").status())
        .isEqualTo(422);
    assertThat(admin.post("/v1/tasks/not-an-id/retry", "{}").status()).isEqualTo(400);
    assertThat(admin.queueState(q)).isEqualTo(before);
  }

  /**
   * Retries {@code id} as {@code who}, checks the problem+json (for a 409: the task's {@code
   * state}), and that queue {@code q} did not change.
   */
  private static Http.Reply assertRefused(
      String q, Http who, String id, int status, String type, String state) throws Exception {
    JsonNode before = admin.queueState(q);
    Http.Reply r = who.post("/v1/tasks/" + id + "/retry", "{}");
    assertThat(r.status()).as("%s", r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.at("/type").asText()).isEqualTo("https://stoker.dev/problems/" + type);
    if (state != null) {
      assertThat(r.at("/state").asText()).isEqualTo(state);
    }
    assertThat(admin.queueState(q)).as("a refused retry changes nothing").isEqualTo(before);
    return r;
  }

  private static String enqueue(String q, Map<String, Object> spec) throws Exception {
    Http.Reply r = admin.post("/v1/queues/" + q + "/tasks", Http.json(spec));
    assertThat(r.status()).as("%s", r.body()).isEqualTo(201);
    return r.at("/id").asText();
  }

  private record Claimed(String id, String token) {}

  /** Enqueues a task and claims it (nothing else of the queue is pending). */
  private static Claimed claimed(String q, Map<String, Object> spec) throws Exception {
    String id = enqueue(q, spec);
    JsonNode t = admin.post("/v1/queues/" + q + "/claim", "{\"worker\":\"w\"}").at("/tasks/0");
    assertThat(t.get("id").asText()).isEqualTo(id);
    return new Claimed(id, t.at("/lease/token").asText());
  }

  private static Claimed claimed(String q, String name) throws Exception {
    return claimed(q, Map.of("name", name));
  }

  /** Enqueues a task, claims it and fails it permanently; returns its id. */
  private static String dead(String q, Map<String, Object> spec) throws Exception {
    Claimed c = claimed(q, spec);
    Http.Reply r =
        admin.post(
            "/v1/tasks/" + c.id() + "/fail",
            Http.json(Map.of("token", c.token(), "error", "boom", "permanent", true)));
    assertThat(r.at("/state").asText()).isEqualTo("dead");
    return c.id();
  }

  private static String dead(String q, String name) throws Exception {
    return dead(q, Map.of("name", name));
  }
}
