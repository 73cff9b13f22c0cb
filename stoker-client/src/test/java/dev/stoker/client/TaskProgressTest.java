package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A task's progress: sent with a heartbeat ({@link StokerClient#heartbeat(String, String, Duration,
 * Object)}, {@link TaskContext#progress}), read back with the task, and never sent by the worker's
 * own heartbeats (so the server keeps the last one).
 */
class TaskProgressTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A working task whose lease is 300 ms long by the server's clock; with a progress or not. */
  private static String task(String state, String progress) {
    return """
        {"id":"01M84CS9A10006H1RWD79QDGWD","queue":"q","name":"n","params":null,"priority":0,
         "run_at":"2026-01-01T00:00:00.000Z","max_attempts":3,"attempt":1,"state":"%s",
         %s
         "created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z"}
        """
        .formatted(
            state,
            state.equals("working")
                ? "\"lease\":{\"owner\":\"w\",\"token\":\"t1.abc\","
                    + "\"expires_at\":\"2026-01-01T00:00:00.300Z\"},"
                    + (progress == null ? "" : "\"progress\":" + progress + ",")
                : "");
  }

  private static StubServer.Answer ok(String body) {
    return new StubServer.Answer(200, "application/json", body);
  }

  @Test
  void a_heartbeat_sends_the_progress_and_the_task_reads_it_back() throws Exception {
    try (StubServer stub = new StubServer(r -> ok(task("working", "{\"done\":3,\"of\":10}")));
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      Task t =
          client.heartbeat(
              "01M84CS9A10006H1RWD79QDGWD", "t1.abc", null, Map.of("done", 3, "of", 10));
      client.heartbeat("01M84CS9A10006H1RWD79QDGWD", "t1.abc", Duration.ofSeconds(5));

      assertThat(t.progress().get("done").asInt()).isEqualTo(3);
      assertThat(JSON.readTree(stub.seen.get(0).body()))
          .isEqualTo(JSON.readTree("{\"token\":\"t1.abc\",\"progress\":{\"done\":3,\"of\":10}}"));
      assertThat(stub.seen.get(1).body()).isEqualTo("{\"token\":\"t1.abc\",\"lease_ms\":5000}");
    }
  }

  @Test
  void a_task_without_a_progress_reads_as_null() throws Exception {
    try (StubServer stub = new StubServer(r -> ok(task("working", null)));
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      assertThat(client.task("01M84CS9A10006H1RWD79QDGWD").orElseThrow().progress()).isNull();
    }
  }

  @Test
  void a_handler_reports_progress_at_once_and_the_workers_own_heartbeats_send_none()
      throws Exception {
    AtomicBoolean claimed = new AtomicBoolean();
    try (StubServer stub =
            new StubServer(
                r -> {
                  if (r.path().endsWith("/claim")) {
                    return ok(
                        claimed.getAndSet(true)
                            ? "{\"tasks\":[]}"
                            : "{\"tasks\":[" + task("working", null) + "]}");
                  }
                  if (r.path().endsWith("/heartbeat")) {
                    return ok(task("working", JSON.readTree(r.body()).path("progress").toString()));
                  }
                  return ok(task("done", null));
                });
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build();
        Worker worker =
            Worker.builder(client)
                .queue("q")
                .worker("w")
                .pollWait(Duration.ofMillis(200))
                .defaultHandler(
                    ctx -> {
                      ctx.progress(0.5);
                      // Wait for a heartbeat of the worker's own after the progress (every
                      // 100 ms: a third of the 300 ms lease).
                      await()
                          .atMost(Duration.ofSeconds(20))
                          .until(() -> afterTheProgress(heartbeats(stub)) != null);
                      return "ok";
                    })
                .build()
                .start()) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> stub.seen.stream().anyMatch(s -> s.path().endsWith("/complete")));
      List<JsonNode> beats = heartbeats(stub);
      assertThat(beats.stream().filter(b -> b.has("progress")))
          .as("one heartbeat with the progress, the handler's")
          .singleElement()
          .satisfies(b -> assertThat(b.get("progress").asDouble()).isEqualTo(0.5));
      assertThat(afterTheProgress(beats)).isNotEmpty();
    }
  }

  /** The heartbeats after the one with a progress, when there are some; else null. */
  private static List<JsonNode> afterTheProgress(List<JsonNode> beats) {
    for (int i = 0; i < beats.size(); i++) {
      if (beats.get(i).has("progress")) {
        return i + 1 < beats.size() ? beats.subList(i + 1, beats.size()) : null;
      }
    }
    return null;
  }

  private static List<JsonNode> heartbeats(StubServer stub) {
    return stub.seen.stream()
        .filter(s -> s.path().endsWith("/heartbeat"))
        .map(
            s -> {
              try {
                return JSON.readTree(s.body());
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
            })
        .toList();
  }
}
