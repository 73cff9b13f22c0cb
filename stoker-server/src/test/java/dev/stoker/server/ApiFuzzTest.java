package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.TaskStore;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Fuzzes the API's request decoding and validation: whatever method, path, query, content type and
 * body arrive, the answer is a 2xx, or a 4xx problem+json that leaves the store exactly as it was;
 * never a 500, never an exception.
 *
 * <p>In the test suite this runs in Jazzer's regression mode: every input kept under {@code
 * src/test/resources/dev/stoker/server/ApiFuzzTestInputs/requests/} (the seeds and the findings of
 * earlier fuzzing runs) is replayed. {@code JAZZER_FUZZ=1} fuzzes for real; see
 * docs/reliability.md#fuzzing.
 */
class ApiFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
  private static final String[] ENDPOINTS = {
    "/v1/queues",
    "/v1/queues/{q}",
    "/v1/queues/{q}/tasks",
    "/v1/queues/{q}/claim",
    "/v1/queues/{q}/redrive",
    "/v1/tasks/{id}",
    "/v1/tasks/{id}/heartbeat",
    "/v1/tasks/{id}/complete",
    "/v1/tasks/{id}/fail",
    "/v1/tasks/{id}/release",
    "/v1/tasks/{id}/cancel",
    "/v1/tasks/{id}/retry",
    "/v1/tasks/complete",
    "/healthz",
    "/readyz",
    "/v1",
    "/"
  };
  private static final String[] FIELDS = {
    "name",
    "params",
    "priority",
    "run_at",
    "delay_ms",
    "unique_key",
    "max_attempts",
    "tasks",
    "worker",
    "max",
    "lease_ms",
    "wait_ms",
    "token",
    "result",
    "error",
    "permanent",
    "retry_in_ms",
    "id",
    "limit",
    "backoff",
    "initial_ms",
    "multiplier",
    "max_ms",
    "retention_ms",
    "paused"
  };
  private static final List<Long> EDGES =
      List.of(
          -1L,
          0L,
          1L,
          255L,
          256L,
          257L,
          999L,
          1001L,
          60_001L,
          65_536L,
          31_622_400_000L,
          31_622_400_001L,
          (long) Integer.MAX_VALUE + 1,
          Long.MIN_VALUE);
  private static final String[] CONTENT_TYPES = {
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/problem+json",
    "APPLICATION/JSON"
  };

  @FuzzTest(maxDuration = "30s")
  void requests(FuzzedDataProvider data) throws IOException {
    Api api =
        new Api(
            neverWaiting(new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1)),
            new byte[32],
            Limits.DEFAULT,
            65_536);
    Seeded seeded = Seeded.into(api);

    String method = data.pickValue(METHODS);
    String path =
        data.pickValue(ENDPOINTS)
            .replace("{q}", data.consumeBoolean() ? "q" : data.consumeString(40))
            .replace("{id}", pickId(data, seeded));
    String query = data.consumeBoolean() ? null : data.consumeString(60);
    String contentType =
        data.consumeBoolean() ? data.pickValue(CONTENT_TYPES) : data.consumeString(40);
    byte[] body = data.consumeBoolean() ? jsonBody(data, seeded) : data.consumeRemainingAsBytes();

    byte[] before = digest(api);
    Response r = api.handle(method, path, query, contentType, body);

    assertThat(r.status()).as("%s %s", method, path).isBetween(200, 499);
    assertThat(r.status() / 100).as("%s %s", method, path).isNotEqualTo(3);
    if (r.status() >= 400) {
      assertThat(r.contentType()).isEqualTo(Response.PROBLEM);
      JsonNode problem = JSON.readTree(r.body());
      assertThat(problem.get("status").asInt()).isEqualTo(r.status());
      assertThat(problem.get("type").asText()).startsWith("https://");
      assertThat(problem.get("detail").asText()).isNotBlank();
      assertThat(digest(api)).as("a refused request changed nothing").isEqualTo(before);
    } else if (Response.JSON.equals(r.contentType()) && r.body() != null && r.body().length > 0) {
      assertThat(JSON.readTree(r.body())).isNotNull();
    }
  }

  /**
   * The store with every claim's wait cut to none: a fuzzed {@code wait_ms} would otherwise make a
   * claim on an empty queue wait for real, and fuzzing crawl.
   */
  private static TaskStore neverWaiting(TaskStore store) {
    return (TaskStore)
        Proxy.newProxyInstance(
            TaskStore.class.getClassLoader(),
            new Class<?>[] {TaskStore.class},
            (proxy, method, args) -> {
              if (args != null && args.length == 1 && args[0] instanceof ClaimParams p) {
                args[0] = new ClaimParams(p.queue(), p.worker(), p.max(), p.leaseMs(), 0);
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /**
   * A pending task, and a working one with its (signed) token, so that deep paths are reachable.
   */
  private record Seeded(String pendingId, String workingId, String token) {
    static Seeded into(Api api) throws IOException {
      byte[] two =
          "{\"tasks\":[{\"name\":\"a\"},{\"name\":\"b\",\"priority\":1}]}"
              .getBytes(StandardCharsets.UTF_8);
      JsonNode enqueued =
          JSON.readTree(api.handle("POST", "/v1/queues/q/tasks", null, Response.JSON, two).body());
      JsonNode claimed =
          JSON.readTree(
                  api.handle(
                          "POST",
                          "/v1/queues/q/claim",
                          null,
                          Response.JSON,
                          "{\"worker\":\"w\"}".getBytes(StandardCharsets.UTF_8))
                      .body())
              .at("/tasks/0");
      String workingId = claimed.get("id").asText();
      String pendingId =
          enqueued.at("/tasks/0/id").asText().equals(workingId)
              ? enqueued.at("/tasks/1/id").asText()
              : enqueued.at("/tasks/0/id").asText();
      return new Seeded(pendingId, workingId, claimed.at("/lease/token").asText());
    }
  }

  private static String pickId(FuzzedDataProvider data, Seeded seeded) {
    return switch (data.consumeInt(0, 3)) {
      case 0 -> seeded.pendingId();
      case 1 -> seeded.workingId();
      case 2 -> "01M84BBF4N0001K5GB42Z4DY2Z";
      default -> data.consumeString(30);
    };
  }

  /** A JSON object of known and unknown fields with values of every type, valid and not. */
  private static byte[] jsonBody(FuzzedDataProvider data, Seeded seeded) {
    StringBuilder b = new StringBuilder("{");
    int fields = data.consumeInt(0, 6);
    for (int i = 0; i < fields; i++) {
      if (i > 0) {
        b.append(',');
      }
      String field = data.consumeBoolean() ? data.pickValue(FIELDS) : data.consumeString(12);
      b.append(quote(field)).append(':').append(value(data, seeded, 0));
    }
    return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String value(FuzzedDataProvider data, Seeded seeded, int depth) {
    return switch (data.consumeInt(0, depth < 3 ? 11 : 9)) {
      case 0 -> "null";
      case 1 -> String.valueOf(data.consumeBoolean());
      case 2 -> String.valueOf(data.consumeLong());
      // the edges of the limits
      case 3 -> String.valueOf(data.pickValue(EDGES));
      case 4 -> String.valueOf(data.consumeDouble());
      case 5 -> quote(data.consumeString(50));
      case 6 -> quote(seeded.token());
      case 7 ->
          quote(
              data.pickValue(
                  List.of("2026-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "9999-12-31T23:59:59Z")));
      case 8 -> quote(data.pickValue(List.of(seeded.pendingId(), seeded.workingId())));
      case 9 -> "\"" + data.consumeAsciiString(20) + "\"";
      case 10 -> "[" + value(data, seeded, depth + 1) + "," + value(data, seeded, depth + 1) + "]";
      default -> "{" + quote(data.pickValue(FIELDS)) + ":" + value(data, seeded, depth + 1) + "}";
    };
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Everything a client could read: the queues with their counts, and every task of each. */
  private static byte[] digest(Api api) throws IOException {
    StringBuilder all = new StringBuilder();
    Response queues = api.handle("GET", "/v1/queues", null, null, new byte[0]);
    all.append(new String(queues.body(), StandardCharsets.UTF_8));
    for (JsonNode q : JSON.readTree(queues.body()).get("queues")) {
      Response tasks =
          api.handle(
              "GET",
              "/v1/queues/" + q.get("name").asText() + "/tasks",
              "limit=1000",
              null,
              new byte[0]);
      all.append(new String(tasks.body(), StandardCharsets.UTF_8));
    }
    return all.toString().getBytes(StandardCharsets.UTF_8);
  }
}
