package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM drains: waiting claims return at once, the process exits 0, and the data is all there.
 */
class ShutdownTest {
  @TempDir Path data;

  @Test
  void a_second_server_on_a_taken_port_says_so_and_exits_1(@TempDir Path other) throws Exception {
    try (StokerProcess first = StokerProcess.start(data)) {
      Process second =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "dev.stoker.cli.Main",
                  "serve",
                  "--data",
                  other.toString(),
                  "--listen",
                  "127.0.0.1:" + first.port())
              .redirectErrorStream(true)
              .start();
      String output = new String(second.getInputStream().readAllBytes());
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(second.exitValue()).as(output).isEqualTo(1);
      assertThat(output).contains("cannot listen");
      assertThat(new Http(first.url()).get("/healthz").status()).isEqualTo(200);
    }
  }

  @Test
  void sigterm_returns_waiting_claims_exits_zero_and_keeps_every_task() throws Exception {
    String pendingId;
    String doneId;
    try (StokerProcess server = StokerProcess.start(data)) {
      Http http = new Http(server.url());
      doneId =
          http.post("/v1/queues/drain/tasks", "{\"name\":\"first\",\"priority\":1}")
              .at("/id")
              .asText();
      JsonNode t = http.post("/v1/queues/drain/claim", "{\"worker\":\"w\"}").at("/tasks/0");
      http.post(
          "/v1/tasks/" + doneId + "/complete",
          Http.json(java.util.Map.of("token", t.at("/lease/token").asText())));
      pendingId =
          http.post("/v1/queues/drain/tasks", "{\"name\":\"second\",\"delay_ms\":3600000}")
              .at("/id")
              .asText();

      CompletableFuture<Http.Reply> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return http.post(
                      "/v1/queues/empty/claim", "{\"worker\":\"w\",\"wait_ms\":60000}");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // The claim is parked once the server has answered a later request on another connection.
      new Http(server.url()).get("/healthz");
      long start = System.nanoTime();
      assertThat(server.stop(Duration.ofSeconds(30))).as("exit code after SIGTERM").isZero();
      Http.Reply drained = waiting.get(30, TimeUnit.SECONDS);
      assertThat(drained.status()).isEqualTo(200);
      assertThat(drained.at("/tasks").size()).isZero();
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
          .as("well before wait_ms")
          .isLessThan(30);
    }
    try (StokerProcess again = StokerProcess.start(data)) {
      Http http = new Http(again.url());
      assertThat(http.get("/v1/tasks/" + doneId).at("/state").asText()).isEqualTo("done");
      assertThat(http.get("/v1/tasks/" + pendingId).at("/state").asText()).isEqualTo("pending");
      JsonNode counts = http.get("/v1/queues/drain").at("/counts");
      assertThat(counts.get("done").asInt()).isEqualTo(1);
      assertThat(counts.get("scheduled").asInt()).isEqualTo(1);
    }
  }
}
