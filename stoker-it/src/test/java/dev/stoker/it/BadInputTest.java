package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each class of bad input gets a 4xx problem+json naming the field and the limit, and changes
 * nothing: the queue's counts and its tasks are the same before and after.
 */
class BadInputTest {
  @RegisterExtension
  static final ServerExtension server =
      new ServerExtension("--max-params-bytes", "1024", "--max-body-bytes", "65536");

  static Http http;
  static String pendingId;
  static String doneId;
  static String doneToken;
  static String workingId;
  static String workingToken;
  JsonNode before;

  @BeforeAll
  static void start() throws Exception {
    http = server.http();
    pendingId = http.post("/v1/queues/bad/tasks", "{\"name\":\"keep\"}").body().get("id").asText();
    http.post("/v1/queues/bad/tasks", "{\"name\":\"done\",\"priority\":9}");
    JsonNode t = http.post("/v1/queues/bad/claim", "{\"worker\":\"w\"}").at("/tasks/0");
    doneId = t.get("id").asText();
    doneToken = t.at("/lease/token").asText();
    http.post("/v1/tasks/" + doneId + "/complete", Http.json(Map.of("token", doneToken)));
    // A working task that reported a progress, under a lease that outlasts the class.
    http.post("/v1/queues/bad/tasks", "{\"name\":\"working\",\"priority\":5}");
    JsonNode w =
        http.post("/v1/queues/bad/claim", "{\"worker\":\"w\",\"lease_ms\":3600000}").at("/tasks/0");
    workingId = w.get("id").asText();
    workingToken = w.at("/lease/token").asText();
    Http.Reply beat =
        http.post(
            "/v1/tasks/" + workingId + "/heartbeat",
            Http.json(Map.of("token", workingToken, "progress", Map.of("done", 1))));
    assertThat(beat.at("/progress/done").asInt()).isEqualTo(1);
  }

  @BeforeEach
  void snapshot() throws Exception {
    before = state();
  }

  @AfterEach
  void nothing_changed() throws Exception {
    assertThat(state()).as("bad input changed nothing").isEqualTo(before);
  }

  private static JsonNode state() throws Exception {
    return http.queueState("bad");
  }

  private static void assertProblem(Http.Reply r, int status, String field, String detailContains) {
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.at("/status").asInt()).isEqualTo(status);
    assertThat(r.at("/type").asText()).startsWith("https://");
    if (field != null) {
      assertThat(r.at("/field").asText()).isEqualTo(field);
    }
    assertThat(r.at("/detail").asText()).contains(detailContains);
  }

  @Test
  void malformed_json_is_400() throws Exception {
    assertProblem(http.post("/v1/queues/bad/tasks", "{\"name\":"), 400, null, "not valid JSON");
  }

  @Test
  void an_empty_body_is_400() throws Exception {
    assertProblem(http.post("/v1/queues/bad/tasks", ""), 400, null, "empty");
  }

  @Test
  void a_non_object_body_is_400() throws Exception {
    assertProblem(http.post("/v1/queues/bad/tasks", "[]"), 400, null, "expected a JSON object");
  }

  @Test
  void duplicate_keys_are_400() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"name\":\"b\"}"),
        400,
        null,
        "Duplicate");
  }

  @Test
  void a_wrong_type_is_422_naming_the_field() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"priority\":\"1\"}"),
        422,
        "priority",
        "integer");
  }

  @Test
  void an_unknown_field_is_422() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"nmae\":\"a\"}"), 422, "nmae", "unknown field");
  }

  @Test
  void not_quite_json_is_400() throws Exception {
    assertProblem(http.post("/v1/queues/bad/tasks", "{name: 'a'}"), 400, null, "not valid JSON");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"priority\":NaN}"),
        400,
        null,
        "not valid JSON");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\"} {\"name\":\"b\"}"),
        400,
        null,
        "after the JSON object");
  }

  @Test
  void deep_nesting_is_400_naming_the_limit() throws Exception {
    String deep = "[".repeat(5_000) + "]".repeat(5_000);
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"params\":" + deep + "}"),
        400,
        null,
        "nesting depth");
  }

  @Test
  void a_number_too_long_to_read_is_400_naming_the_limit() throws Exception {
    assertProblem(
        http.post(
            "/v1/queues/bad/tasks",
            "{\"name\":\"a\",\"params\":{\"n\":1" + "0".repeat(2_000) + "}}"),
        400,
        null,
        "Number value length");
  }

  @Test
  void a_number_out_of_a_fields_range_is_422() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"priority\":99999999999999999999999}"),
        422,
        "priority",
        "between");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"priority\":1e400}"),
        422,
        "priority",
        "integer");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"priority\":1.5}"),
        422,
        "priority",
        "integer");
  }

  @Test
  void invalid_utf8_is_400() throws Exception {
    byte[] body = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
    Http.Reply r =
        http.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/v1/queues/bad/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertProblem(r, 400, null, "UTF-8");
  }

  @Test
  void path_traversal_in_a_queue_name_is_400() throws Exception {
    assertProblem(
        http.post("/v1/queues/../../etc/tasks", "{\"name\":\"a\"}"), 400, "queue", "queue name");
    assertProblem(http.get("/v1/queues/%2e%2e%2f%2e%2e%2fetc"), 400, "queue", "queue name");
    assertProblem(
        http.post("/v1/queues/bad%00/tasks", "{\"name\":\"a\"}"), 400, "queue", "queue name");
  }

  @Test
  void negative_and_huge_durations_are_422_naming_the_limit() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"delay_ms\":-5}"),
        422,
        "delay_ms",
        "between 0 and");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"delay_ms\":999999999999999}"),
        422,
        "delay_ms",
        "between 0 and");
    assertProblem(
        http.post("/v1/queues/bad/claim", "{\"worker\":\"w\",\"lease_ms\":0}"),
        422,
        "lease_ms",
        "between 1 and");
    assertProblem(
        http.post("/v1/queues/bad/claim", "{\"worker\":\"w\",\"wait_ms\":-1}"),
        422,
        "wait_ms",
        "60000");
    assertProblem(http.put("/v1/queues/bad", "{\"lease_ms\":-1}"), 422, "lease_ms", "between");
  }

  @Test
  void null_where_a_value_is_required_is_422() throws Exception {
    assertProblem(http.post("/v1/queues/bad/tasks", "{\"name\":null}"), 422, "name", "");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"tasks\":{\"name\":\"a\"}}"), 422, "tasks", "");
  }

  @Test
  void an_oversized_body_is_413() throws Exception {
    String big = "{\"name\":\"a\",\"params\":\"" + "x".repeat(70_000) + "\"}";
    Http.Reply r = http.post("/v1/queues/bad/tasks", big);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.contentType()).startsWith("application/problem+json");
  }

  @Test
  void a_bad_queue_name_is_400() throws Exception {
    assertProblem(
        http.post("/v1/queues/" + "q".repeat(129) + "/tasks", "{\"name\":\"a\"}"),
        400,
        "queue",
        "128");
    assertProblem(
        http.post("/v1/queues/..%2Fx/tasks", "{\"name\":\"a\"}"), 400, "queue", "queue name");
  }

  @Test
  void a_name_too_long_is_422() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", Http.json(Map.of("name", "n".repeat(257)))),
        422,
        "name",
        "256");
  }

  @Test
  void a_lone_surrogate_in_a_name_is_422() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"\\ud800\"}"), 422, "name", "surrogate");
  }

  @Test
  void params_over_the_limit_are_413() throws Exception {
    assertProblem(
        http.post(
            "/v1/queues/bad/tasks", Http.json(Map.of("name", "a", "params", "p".repeat(2000)))),
        413,
        "params",
        "1024");
  }

  @Test
  void a_progress_over_4096_bytes_is_413_and_the_last_progress_stays() throws Exception {
    String big = "p".repeat(4_095); // 4,097 bytes with its quotes
    assertProblem(
        http.post(
            "/v1/tasks/" + workingId + "/heartbeat",
            Http.json(Map.of("token", workingToken, "lease_ms", 1, "progress", big))),
        413,
        "progress",
        "4096");
    assertThat(http.get("/v1/tasks/" + workingId).at("/progress/done").asInt()).isEqualTo(1);
  }

  @Test
  void a_batch_over_1000_is_413() throws Exception {
    List<Map<String, Object>> specs = new ArrayList<>();
    for (int i = 0; i < 1001; i++) {
      specs.add(Map.of("name", "n"));
    }
    assertProblem(
        http.post("/v1/queues/bad/tasks", Http.json(Map.of("tasks", specs))), 413, "tasks", "1000");
  }

  @Test
  void max_out_of_range_is_422() throws Exception {
    assertProblem(
        http.post("/v1/queues/bad/claim", "{\"worker\":\"w\",\"max\":0}"),
        422,
        "max",
        "between 1 and 1000");
    assertProblem(
        http.post("/v1/queues/bad/claim", "{\"worker\":\"w\",\"wait_ms\":60001}"),
        422,
        "wait_ms",
        "60000");
  }

  @Test
  void both_run_at_and_delay_is_422() throws Exception {
    assertProblem(
        http.post(
            "/v1/queues/bad/tasks",
            "{\"name\":\"a\",\"run_at\":\"2026-01-01T00:00:00Z\",\"delay_ms\":5}"),
        422,
        "run_at",
        "not both");
    assertProblem(
        http.post("/v1/queues/bad/tasks", "{\"name\":\"a\",\"run_at\":\"2026-13-40T00:00:00Z\"}"),
        422,
        "run_at",
        "RFC 3339");
  }

  @Test
  void an_unknown_task_is_404_and_a_malformed_id_400() throws Exception {
    assertProblem(http.get("/v1/tasks/01M84BBF4N0001K5GB42Z4DY2Z"), 404, null, "no task");
    assertProblem(http.get("/v1/tasks/1%20OR%201=1"), 400, "id", "not a task id");
  }

  @Test
  void a_stale_token_is_409() throws Exception {
    Http.Reply r = http.post("/v1/tasks/" + pendingId + "/heartbeat", "{\"token\":\"t1.forged\"}");
    assertProblem(r, 409, null, "token");
    assertThat(r.at("/state").asText()).isEqualTo("pending");
  }

  @Test
  void a_token_rebuilt_from_the_tasks_public_fields_is_refused() throws Exception {
    JsonNode claimed = http.post("/v1/queues/forge/claim", "{\"worker\":\"w\"}").at("/tasks");
    assertThat(claimed.size()).as("nothing to claim in an untouched queue").isZero();
    // The token names a claim by id and version, both public; without the server's signature it is
    // worth nothing, and with another signature too.
    JsonNode pending = http.get("/v1/tasks/" + pendingId).body();
    String[] v = pending.get("version").asText().split("\\.");
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(42);
    dev.stoker.core.TaskId id = dev.stoker.core.TaskId.parse(pendingId);
    b.putLong(id.hi())
        .putLong(id.lo())
        .putLong(Long.parseLong(v[1]))
        .putLong(Long.parseLong(v[3]))
        .putLong(Long.parseLong(v[5]))
        .putShort((short) Integer.parseInt(v[6]));
    String unsigned =
        "t1." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    for (String forged : new String[] {unsigned, unsigned + ".AAAAAAAAAAAAAAAAAAAAAA"}) {
      Http.Reply r =
          http.post("/v1/tasks/" + pendingId + "/complete", Http.json(Map.of("token", forged)));
      assertProblem(r, 409, null, "token");
    }
  }

  @Test
  void an_operation_on_a_finished_task_is_409() throws Exception {
    Http.Reply fail =
        http.post(
            "/v1/tasks/" + doneId + "/fail", Http.json(Map.of("token", doneToken, "error", "x")));
    assertProblem(fail, 409, null, "already done");
    assertThat(fail.at("/state").asText()).isEqualTo("done");
    assertProblem(
        http.post(
            "/v1/tasks/" + doneId + "/complete",
            Http.json(Map.of("token", doneToken, "result", 1))),
        409,
        null,
        "already done");
    assertProblem(http.post("/v1/tasks/" + doneId + "/cancel", ""), 409, null, "already done");
  }

  @Test
  void a_missing_token_is_422() throws Exception {
    assertProblem(http.post("/v1/tasks/" + pendingId + "/release", "{}"), 422, "token", "required");
  }

  @Test
  void a_wrong_content_type_is_415() throws Exception {
    Http.Reply r =
        http.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/v1/queues/bad/tasks"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"a\"}")));
    assertProblem(r, 415, null, "application/json");
  }

  @Test
  void a_wrong_method_is_405_and_an_unknown_path_404() throws Exception {
    assertProblem(http.get("/v1/queues/bad/claim"), 405, null, "POST");
    Http.Reply unknown = http.get("/v2/nothing");
    assertProblem(unknown, 404, null, "no such endpoint");
    assertThat(unknown.at("/type").asText()).endsWith("/unknown-endpoint");
  }

  @Test
  void bad_query_parameters_are_400() throws Exception {
    assertProblem(
        http.get("/v1/queues/bad/tasks?limit=1000000000"), 400, "limit", "between 1 and 1000");
    assertProblem(
        http.get("/v1/queues/bad/tasks?state=pending&state=done"), 400, "state", "more than once");
    assertProblem(http.get("/v1/queues/bad/tasks?state=sleeping"), 400, "state", "one of");
  }
}
