package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/queues/{queue}/tasks/cancel} and {@code .../retry}: the list's filter, a bounded
 * limit, each task through the single-task operation (finished tasks untouched, held unique keys
 * kept dead), and bad filters refused naming the field, changing nothing.
 */
class BulkActionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Api api =
      new Api(
          new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1),
          new byte[32],
          Limits.DEFAULT,
          1 << 20);

  private Response post(String path, String body) {
    return api.handle(
        "POST",
        path.contains("?") ? path.substring(0, path.indexOf('?')) : path,
        path.contains("?") ? path.substring(path.indexOf('?') + 1) : null,
        "application/json",
        body.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode json(Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  private String enqueue(String name, String uniqueKey) throws Exception {
    String key = uniqueKey == null ? "" : ",\"unique_key\":\"" + uniqueKey + "\"";
    return json(post("/v1/queues/q/tasks", "{\"name\":\"" + name + "\"" + key + "}"))
        .get("id")
        .asText();
  }

  private List<String> enqueue(String name, int n) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(enqueue(name, null));
    }
    return ids;
  }

  /** Claims the oldest pending task and fails it for good: dead. */
  private String claimAndKill() throws Exception {
    JsonNode t = claim();
    String id = t.get("id").asText();
    post(
        "/v1/tasks/" + id + "/fail",
        "{\"token\":\"" + t.at("/lease/token").asText() + "\",\"error\":\"x\",\"permanent\":true}");
    return id;
  }

  private JsonNode claim() throws Exception {
    return json(post("/v1/queues/q/claim", "{\"worker\":\"w\"}")).at("/tasks/0");
  }

  private JsonNode task(String id) throws Exception {
    return json(api.handle("GET", "/v1/tasks/" + id, null, null, new byte[0]));
  }

  private String state(String id) throws Exception {
    return task(id).get("state").asText();
  }

  private JsonNode reply(Response r, int status) throws Exception {
    assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(status);
    return json(r);
  }

  @Test
  void a_cancel_takes_the_pending_and_working_tasks_of_the_name_and_leaves_the_rest()
      throws Exception {
    String done = enqueue("a", null);
    JsonNode claimed = claim();
    post(
        "/v1/tasks/" + done + "/complete",
        "{\"token\":\"" + claimed.at("/lease/token").asText() + "\"}");
    String working = enqueue("a", null);
    claim();
    List<String> pending = enqueue("a", 3);
    List<String> other = enqueue("b", 2);

    JsonNode r = reply(post("/v1/queues/q/tasks/cancel?name=a", ""), 200);

    assertThat(r.get("changed").asInt()).isEqualTo(4);
    assertThat(r.get("unchanged").asInt()).isZero();
    assertThat(r.get("more").asBoolean()).isFalse();
    assertThat(state(working)).isEqualTo("cancelled");
    for (String id : pending) {
      assertThat(state(id)).isEqualTo("cancelled");
    }
    assertThat(state(done)).as("a finished task").isEqualTo("done");
    for (String id : other) {
      assertThat(state(id)).as("another name").isEqualTo("pending");
    }
  }

  @Test
  void a_state_filter_narrows_it_and_the_limit_bounds_one_request() throws Exception {
    String working = enqueue("a", null);
    claim();
    List<String> pending = enqueue("a", 5);

    JsonNode first = reply(post("/v1/queues/q/tasks/cancel?state=pending&limit=3", "{}"), 200);
    assertThat(first.get("changed").asInt()).isEqualTo(3);
    assertThat(first.get("more").asBoolean()).isTrue();
    assertThat(pending.stream().map(this::stateOf).toList())
        .as("oldest first")
        .containsExactly("cancelled", "cancelled", "cancelled", "pending", "pending");

    JsonNode second = reply(post("/v1/queues/q/tasks/cancel?state=pending&limit=3", ""), 200);
    assertThat(second.get("changed").asInt()).isEqualTo(2);
    assertThat(second.get("more").asBoolean()).isFalse();
    assertThat(state(working)).as("not in the state filtered").isEqualTo("working");
  }

  @Test
  void a_retry_revives_the_dead_tasks_but_not_one_whose_unique_key_a_live_task_holds()
      throws Exception {
    String keyed = enqueue("a", "k");
    claimAndKill();
    String plain = enqueue("a", null);
    claimAndKill();
    String holder = enqueue("a", "k"); // the key is free again once the first task is dead
    String version = task(keyed).get("version").asText();

    JsonNode r = reply(post("/v1/queues/q/tasks/retry?name=a", ""), 200);

    assertThat(r.get("changed").asInt()).isEqualTo(1);
    assertThat(r.get("unchanged").asInt()).isEqualTo(1);
    assertThat(state(plain)).isEqualTo("pending");
    assertThat(task(plain).get("attempt").asInt()).isZero();
    assertThat(state(keyed)).isEqualTo("dead");
    assertThat(task(keyed).get("version").asText()).as("left as it was").isEqualTo(version);
    assertThat(state(holder)).isEqualTo("pending");
  }

  @Test
  void a_bad_filter_is_refused_naming_the_parameter_and_changes_nothing() throws Exception {
    String id = enqueue("a", null);
    String version = task(id).get("version").asText();
    record Bad(String query, String field, int status) {}
    for (Bad bad :
        List.of(
            new Bad("tasks/cancel?state=finished", "state", 400),
            new Bad("tasks/cancel?state=done", "state", 400),
            new Bad("tasks/retry?state=pending", "state", 400),
            new Bad("tasks/cancel?limit=0", "limit", 400),
            new Bad("tasks/cancel?limit=10001", "limit", 400),
            new Bad("tasks/cancel?name=", "name", 400),
            new Bad("tasks/cancel?cursor=x", "cursor", 400))) {
      Response r = post("/v1/queues/q/" + bad.query(), "");
      assertThat(r.status()).as(bad.query()).isEqualTo(bad.status());
      assertThat(json(r).get("field").asText()).as(bad.query()).isEqualTo(bad.field());
    }
    Response withField = post("/v1/queues/q/tasks/cancel", "{\"limit\":5}");
    assertThat(withField.status()).isEqualTo(422);
    assertThat(json(withField).get("field").asText()).isEqualTo("limit");
    assertThat(task(id).get("version").asText()).isEqualTo(version);
  }

  private String stateOf(String id) {
    try {
      return state(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
