package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code traceparent} header of an enqueue: kept with every task of the request, shown as the
 * task's {@code traceparent} to whoever reads it and to the worker that claims it; a malformed one
 * is a 400 naming it, and nothing is enqueued.
 */
class TraceparentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private final Api api =
      new Api(
          new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1),
          new byte[32],
          Limits.DEFAULT,
          1 << 20);

  private Response post(String path, String body, Map<String, String> headers) {
    return api.handle(
        "POST",
        path,
        null,
        "application/json",
        body.getBytes(StandardCharsets.UTF_8),
        Visibility.ALL,
        ClientConnection.UNKNOWN,
        name -> headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  private JsonNode json(Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void the_traceparent_of_an_enqueue_comes_back_with_the_task_and_its_claim() throws Exception {
    Response enqueued =
        post(
            "/v1/queues/q/tasks",
            "{\"tasks\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
            Map.of("traceparent", TRACE));
    assertThat(enqueued.status()).isEqualTo(201);
    for (JsonNode t : json(enqueued).get("tasks")) {
      assertThat(t.get("traceparent").asText()).isEqualTo(TRACE);
    }
    String id = json(enqueued).get("tasks").get(0).get("id").asText();
    JsonNode read = json(api.handle("GET", "/v1/tasks/" + id, null, null, new byte[0]));
    assertThat(read.get("traceparent").asText()).isEqualTo(TRACE);
    JsonNode claimed =
        json(post("/v1/queues/q/claim", "{\"worker\":\"w\",\"max\":2}", Map.of())).get("tasks");
    assertThat(claimed)
        .hasSize(2)
        .allSatisfy(t -> assertThat(t.get("traceparent").asText()).isEqualTo(TRACE));

    JsonNode plain = json(post("/v1/queues/q/tasks", "{\"name\":\"c\"}", Map.of()));
    assertThat(plain.has("traceparent")).isFalse();
  }

  @Test
  void a_malformed_traceparent_is_refused_naming_it_and_enqueues_nothing() throws Exception {
    for (String bad :
        new String[] {
          "",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
          TRACE.toUpperCase(java.util.Locale.ROOT),
          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          TRACE + "-extra"
        }) {
      Response r = post("/v1/queues/refused/tasks", "{\"name\":\"a\"}", Map.of("traceparent", bad));
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.contentType()).isEqualTo(Response.PROBLEM);
      JsonNode p = json(r);
      assertThat(p.get("field").asText()).isEqualTo("traceparent");
      assertThat(p.get("type").asText()).endsWith("/invalid-header");
    }
    JsonNode queue = json(api.handle("GET", "/v1/queues/refused", null, null, new byte[0]));
    assertThat(queue.get("counts").get("pending").asInt()).isZero();
    // a later version may carry more fields after a dash
    assertThat(
            post(
                    "/v1/queues/later/tasks",
                    "{\"name\":\"a\"}",
                    Map.of("traceparent", "01" + TRACE.substring(2) + "-what-comes-next"))
                .status())
        .isEqualTo(201);
  }
}
