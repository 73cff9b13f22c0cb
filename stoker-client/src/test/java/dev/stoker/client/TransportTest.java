package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How replies become results and exceptions, and what requests look like on the wire. */
class TransportTest {
  private static final String TASK =
      """
      {"id":"01M84CS9A10006H1RWD79QDGWD","queue":"q","name":"n","params":{"a":1},"priority":0,
       "run_at":"2026-01-01T00:00:00.000Z","max_attempts":10,"attempt":1,"state":"working",
       "lease":{"owner":"w","token":"t1.abc","expires_at":"2026-01-01T00:00:30.000Z"},
       "created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z","version":"0.0.0.0.1.1.0"}
      """;

  @Test
  void requests_carry_the_token_json_and_encoded_paths() throws Exception {
    try (StubServer stub =
            new StubServer(
                r ->
                    new StubServer.Answer(
                        200,
                        "application/json",
                        r.path().endsWith("/claim")
                            ? "{\"tasks\":[" + TASK + "]}"
                            : "{\"tasks\":[],\"next_cursor\":null}"));
        StokerClient client =
            StokerClient.builder().baseUrl(stub.url() + "/").token("s3cret").build()) {
      List<Task> tasks = client.claim("q", "w", 5, Duration.ofSeconds(3), Duration.ofMillis(1500));
      assertThat(tasks)
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.lease().token()).isEqualTo("t1.abc");
                assertThat(t.params().get("a").asInt()).isEqualTo(1);
                assertThat(t.state()).isEqualTo(TaskState.WORKING);
              });
      client.tasks(
          "a b", TaskQuery.create().state(TaskState.DEAD).name("x&y=z").limit(7).cursor("c/1"));

      StubServer.Seen claim = stub.seen.get(0);
      assertThat(claim.method()).isEqualTo("POST");
      assertThat(claim.path()).isEqualTo("/v1/queues/q/claim");
      assertThat(claim.authorization()).isEqualTo("Bearer s3cret");
      assertThat(claim.contentType()).isEqualTo("application/json");
      assertThat(claim.body())
          .isEqualTo("{\"worker\":\"w\",\"max\":5,\"lease_ms\":3000,\"wait_ms\":1500}");

      StubServer.Seen list = stub.seen.get(1);
      assertThat(list.method()).isEqualTo("GET");
      assertThat(list.path()).isEqualTo("/v1/queues/a%20b/tasks");
      assertThat(list.query()).isEqualTo("state=dead&name=x%26y%3Dz&limit=7&cursor=c%2F1");
    }
  }

  @Test
  void a_problem_body_becomes_a_problem_exception_with_every_field() throws Exception {
    try (StubServer stub =
            new StubServer(
                r ->
                    new StubServer.Answer(
                        409,
                        "application/problem+json",
                        """
        {"type":"https://stoker.dev/problems/stale-token","title":"Lease lost","status":409,
         "detail":"the token does not name the current claim","state":"pending"}"""));
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      ProblemException e =
          catchThrowableOfType(ProblemException.class, () -> client.heartbeat("id", "t", null));
      assertThat(e.status()).isEqualTo(409);
      assertThat(e.isLeaseLost()).isTrue();
      assertThat(e.state()).isEqualTo(TaskState.PENDING);
      assertThat(e.title()).isEqualTo("Lease lost");
      assertThat(e.field()).isNull();
    }
  }

  @Test
  void a_503_or_a_gateway_error_is_unavailable_and_other_non_json_errors_are_problems()
      throws Exception {
    try (StubServer stub =
            new StubServer(
                r ->
                    switch (r.path()) {
                      case "/v1/queues/a" ->
                          new StubServer.Answer(
                              503,
                              "application/problem+json",
                              "{\"type\":\"https://stoker.dev/problems/unavailable\",\"title\":\"Store unavailable\",\"status\":503,"
                                  + "\"detail\":\"disk full\"}");
                      case "/v1/queues/b" ->
                          new StubServer.Answer(502, "text/html", "<html>Bad gateway</html>");
                      case "/v1/queues/c" ->
                          new StubServer.Answer(404, "text/html", "<html>nope</html>");
                      default -> new StubServer.Answer(200, "text/plain", "hello");
                    });
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      StokerUnavailableException a =
          catchThrowableOfType(StokerUnavailableException.class, () -> client.queue("a"));
      assertThat(a.status()).isEqualTo(503);
      assertThat(a.getMessage()).contains("disk full");
      assertThat(
              catchThrowableOfType(StokerUnavailableException.class, () -> client.queue("b"))
                  .status())
          .isEqualTo(502);
      ProblemException c = catchThrowableOfType(ProblemException.class, () -> client.queue("c"));
      assertThat(c.status()).isEqualTo(404);
      assertThat(c.type()).isEqualTo("about:blank");
      assertThat(c.detail()).isEqualTo("<html>nope</html>");
      assertThat(
              catchThrowableOfType(StokerProtocolException.class, () -> client.queue("d"))
                  .getMessage())
          .contains("not JSON");
    }
  }

  @Test
  void a_slow_server_is_unavailable_after_the_request_timeout() throws Exception {
    try (StubServer stub =
            new StubServer(
                r -> {
                  Thread.sleep(2_000);
                  return new StubServer.Answer(200, "application/json", "{}");
                });
        StokerClient client =
            StokerClient.builder()
                .baseUrl(stub.url())
                .requestTimeout(Duration.ofMillis(200))
                .build()) {
      StokerUnavailableException e =
          catchThrowableOfType(StokerUnavailableException.class, () -> client.queues());
      assertThat(e.status()).isZero();
      assertThat(e.getMessage()).contains("no answer within 200 ms");
    }
  }

  @Test
  void an_interrupted_call_throws_and_keeps_the_interrupt() throws Exception {
    try (StubServer stub =
            new StubServer(
                r -> {
                  Thread.sleep(5_000);
                  return new StubServer.Answer(200, "application/json", "{}");
                });
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      Thread.currentThread().interrupt();
      try {
        catchThrowableOfType(StokerInterruptedException.class, () -> client.queues());
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
    }
  }
}
