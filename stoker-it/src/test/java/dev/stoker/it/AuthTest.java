package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.client.ProblemException;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code stoker serve --tokens} with tokens made by {@code stoker token create}: every role,
 * queue patterns, missing and wrong tokens, no leaks of what exists, revocation, and the per-token
 * limit on waiting claims (docs/security.md).
 */
class AuthTest {
  static final int MAX_CLAIMS = 2;
  @TempDir static Path dir;
  static Path tokensFile;
  static StokerProcess server;
  static final Map<String, String> tokens = new HashMap<>();
  static final List<StokerClient> clients = new ArrayList<>();
  static Http anonymous;

  @BeforeAll
  static void start() throws Exception {
    tokensFile = dir.resolve("tokens");
    for (String[] t :
        new String[][] {
          {"producer", "billing.*"},
          {"worker", "billing.*"},
          {"viewer", "billing.*"},
          {"admin", "*"}
        }) {
      tokens.put(t[0], create(t[0], t[0], t[1]));
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokensFile)))
        .isEqualTo("rw-------");
    server =
        StokerProcess.start(
            dir.resolve("data"),
            "--tokens",
            tokensFile.toString(),
            "--max-claims-per-token",
            String.valueOf(MAX_CLAIMS));
    anonymous = new Http(server.url());
  }

  @AfterAll
  static void stop() throws Exception {
    clients.forEach(StokerClient::close);
    server.close();
  }

  /** {@code stoker token create}; returns the token it printed. */
  static String create(String name, String role, String queues) throws Exception {
    Cli.Run r = Cli.createToken(dir, tokensFile, name, role, queues);
    assertThat(r.err()).contains("shown only this once");
    String token = r.out().strip();
    assertThat(token).matches("stk_[A-Za-z0-9_-]{43}");
    assertThat(Files.readString(tokensFile))
        .doesNotContain(token)
        .contains(name + " " + role + " " + queues);
    return token;
  }

  static StokerClient client(String who) {
    StokerClient c = StokerClient.builder().baseUrl(server.url()).token(tokens.get(who)).build();
    clients.add(c);
    return c;
  }

  static Http http(String who) {
    return anonymous.as(tokens.getOrDefault(who, who));
  }

  static int status(Runnable call) {
    try {
      call.run();
      return 200;
    } catch (ProblemException e) {
      return e.status();
    }
  }

  @Test
  void health_is_open_everything_else_answers_401_without_a_valid_token() throws Exception {
    assertThat(anonymous.get("/healthz").status()).isEqualTo(200);
    assertThat(anonymous.get("/readyz").status()).isEqualTo(200);
    for (String path :
        new String[] {
          "/v1/queues",
          "/v1/queues/billing.eu",
          "/v1/tasks/01M84BBF4N0001K5GB42Z4DY2Z",
          "/v1/no-such-endpoint"
        }) {
      Http.Reply none = anonymous.get(path);
      assertThat(none.status()).as(path).isEqualTo(401);
      assertThat(none.contentType()).isEqualTo("application/problem+json");
      assertThat(none.at("/type").asText()).isEqualTo("https://stoker.dev/problems/unauthorized");
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"stoker\"");
      Http.Reply wrong = http("stk_" + "A".repeat(43)).get(path);
      assertThat(wrong.status()).isEqualTo(401);
      assertThat(wrong.headers().firstValue("WWW-Authenticate").orElseThrow())
          .contains("invalid_token");
    }
    // a token of another server's file, a token with a character changed, a Basic header
    String admin = tokens.get("admin");
    String flipped = admin.substring(0, admin.length() - 1) + (admin.endsWith("A") ? "B" : "A");
    assertThat(http(flipped).get("/v1/queues").status()).isEqualTo(401);
    assertThat(
            anonymous
                .send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(server.url() + "/v1/queues"))
                        .header("Authorization", "Basic " + admin))
                .status())
        .isEqualTo(401);
    assertThat(anonymous.post("/v1/queues/billing.eu/tasks", "{\"name\":\"sneaky\"}").status())
        .isEqualTo(401);
    assertThat(http("admin").get("/v1/queues/billing.eu").at("/counts/pending").asInt()).isZero();
  }

  @Test
  void a_producer_enqueues_and_reads_on_its_queues_only() {
    StokerClient producer = client("producer");
    Task t = producer.enqueue("billing.p", "invoice", Map.of("n", 1));
    assertThat(producer.task(t.id())).isPresent();
    assertThat(producer.queue("billing.p").counts().pending()).isEqualTo(1);
    assertThat(status(() -> producer.enqueue("reports", "r", Map.of()))).isEqualTo(403);
    assertThat(
            status(
                () -> producer.claim("billing.p", "w", 1, Duration.ofSeconds(30), Duration.ZERO)))
        .isEqualTo(403);
    assertThat(status(() -> producer.pause("billing.p"))).isEqualTo(403);
    assertThat(status(() -> producer.redrive("billing.p"))).isEqualTo(403);
    assertThat(status(() -> producer.cancel(t.id()))).isEqualTo(403);
  }

  @Test
  void a_worker_claims_heartbeats_and_completes_on_its_queues_but_enqueues_nothing() {
    client("producer").enqueue("billing.w", "invoice", Map.of("n", 2));
    StokerClient worker = client("worker");
    List<Task> claimed =
        worker.claim("billing.w", "w1", 1, Duration.ofSeconds(30), Duration.ofSeconds(5));
    assertThat(claimed).hasSize(1);
    Task t = claimed.get(0);
    worker.heartbeat(t.id(), t.lease().token(), Duration.ofSeconds(30));
    assertThat(worker.complete(t.id(), t.lease().token(), Map.of("ok", true)).state().wireName())
        .isEqualTo("done");
    assertThat(status(() -> worker.enqueue("billing.w", "n", Map.of()))).isEqualTo(403);
    assertThat(
            status(() -> worker.claim("reports", "w1", 1, Duration.ofSeconds(30), Duration.ZERO)))
        .isEqualTo(403);
    assertThat(status(() -> worker.cancel(t.id()))).isEqualTo(403);
  }

  @Test
  void a_viewer_reads_and_changes_nothing() {
    client("producer").enqueue("billing.v", "invoice", Map.of());
    StokerClient viewer = client("viewer");
    assertThat(viewer.queues()).extracting(q -> q.name()).allMatch(n -> n.startsWith("billing."));
    assertThat(viewer.queue("billing.v").counts().pending()).isEqualTo(1);
    assertThat(status(() -> viewer.enqueue("billing.v", "n", Map.of()))).isEqualTo(403);
    assertThat(
            status(() -> viewer.claim("billing.v", "w", 1, Duration.ofSeconds(30), Duration.ZERO)))
        .isEqualTo(403);
    assertThat(status(() -> viewer.pause("billing.v"))).isEqualTo(403);
  }

  @Test
  void an_admin_does_everything_on_every_queue() {
    StokerClient admin = client("admin");
    Task t = admin.enqueue("reports.a", "r", Map.of());
    admin.pause("reports.a");
    admin.resume("reports.a");
    assertThat(admin.cancel(t.id()).state().wireName()).isEqualTo("cancelled");
    assertThat(admin.redrive("reports.a")).isZero();
    assertThat(admin.queues()).extracting(q -> q.name()).contains("reports.a");
  }

  @Test
  void other_queues_answer_the_same_whether_or_not_they_exist() throws Exception {
    Http admin = http("admin");
    JsonNode task = admin.post("/v1/queues/secret/tasks", "{\"name\":\"hidden\"}").body();
    String id = task.get("id").asText();
    String missing = "01M84BBF4N0001K5GB42Z4DY2Z";
    Http viewer = http("viewer");
    Http worker = http("worker");

    // queues: 403 by name alone
    Http.Reply used = viewer.get("/v1/queues/secret");
    Http.Reply unused = viewer.get("/v1/queues/never-used-xyz");
    assertThat(used.status()).isEqualTo(403).isEqualTo(unused.status());
    assertThat(used.at("/type").asText()).isEqualTo("https://stoker.dev/problems/forbidden");
    assertThat(used.at("/detail").asText().replace("secret", "Q"))
        .isEqualTo(unused.at("/detail").asText().replace("never-used-xyz", "Q"));
    assertThat(viewer.get("/v1/queues").body().findValuesAsText("name")).doesNotContain("secret");

    // tasks: 404 as for a task that does not exist, for every operation
    assertSame(viewer.get("/v1/tasks/" + id), viewer.get("/v1/tasks/" + missing), id, missing);
    for (String op : new String[] {"heartbeat", "complete", "fail", "release"}) {
      String body = op.equals("fail") ? "{\"token\":\"x\",\"error\":\"e\"}" : "{\"token\":\"x\"}";
      assertSame(
          worker.post("/v1/tasks/" + id + "/" + op, body),
          worker.post("/v1/tasks/" + missing + "/" + op, body),
          id,
          missing);
      assertThat(worker.post("/v1/tasks/" + id + "/" + op, body).status()).isEqualTo(404);
    }
    String batch = "{\"tasks\":[{\"id\":\"%s\",\"token\":\"x\"}]}";
    assertSame(
        worker.post("/v1/tasks/complete", batch.formatted(id)),
        worker.post("/v1/tasks/complete", batch.formatted(missing)),
        id,
        missing);
    // untouched
    assertThat(admin.get("/v1/tasks/" + id).at("/state").asText()).isEqualTo("pending");
  }

  private static void assertSame(Http.Reply hidden, Http.Reply absent, String id, String missing) {
    assertThat(hidden.status()).isEqualTo(absent.status());
    assertThat(hidden.body().toString().replace(id, "ID"))
        .isEqualTo(absent.body().toString().replace(missing, "ID"));
  }

  @Test
  void a_token_has_a_limit_on_waiting_claims_and_429_beyond_it() throws Exception {
    Http worker = http("worker");
    assertThat(http("producer").post("/v1/queues/billing.held/tasks", "{\"name\":\"n\"}").status())
        .isEqualTo(201);
    JsonNode held =
        worker.post("/v1/queues/billing.held/claim", "{\"worker\":\"w\"}").at("/tasks/0");
    String wait = "{\"worker\":\"w\",\"wait_ms\":60000}";
    // raw sockets: the requests are on the wire once written, whatever a client library does
    List<java.net.Socket> parked = new ArrayList<>();
    for (int i = 0; i < MAX_CLAIMS; i++) {
      java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port());
      socket
          .getOutputStream()
          .write(
              ("POST /v1/queues/billing.limit/claim HTTP/1.1\r\nHost: localhost\r\n"
                      + "Authorization: Bearer "
                      + tokens.get("worker")
                      + "\r\nContent-Type: application/json\r\n"
                      + "Content-Length: "
                      + wait.length()
                      + "\r\n\r\n"
                      + wait)
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      parked.add(socket);
    }
    // once both wait, one more is refused at once; other tokens are not affected
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                worker.post("/v1/queues/billing.limit/claim", "{\"worker\":\"w\"}").status()
                    == 429);
    Http.Reply refused = worker.post("/v1/queues/billing.limit/claim", "{\"worker\":\"w\"}");
    assertThat(refused.at("/type").asText())
        .isEqualTo("https://stoker.dev/problems/too-many-claims");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(http("admin").post("/v1/queues/billing.limit/claim", "{\"worker\":\"a\"}").status())
        .isEqualTo(200);
    // a finish's claim part is a claim too: refused whole, the task not completed; without one it
    // completes
    String complete = "/v1/tasks/" + held.get("id").asText() + "/complete";
    String token = "\"token\":\"" + held.at("/lease/token").asText() + "\"";
    assertThat(worker.post(complete, "{" + token + ",\"claim\":{\"worker\":\"w\"}}").status())
        .isEqualTo(429);
    assertThat(worker.get("/v1/tasks/" + held.get("id").asText()).at("/state").asText())
        .isEqualTo("working");
    assertThat(worker.post(complete, "{" + token + "}").at("/state").asText()).isEqualTo("done");
    // enqueue two tasks: the waiting claims take them and return, and the token may claim again
    for (int i = 0; i < MAX_CLAIMS; i++) {
      assertThat(
              http("producer").post("/v1/queues/billing.limit/tasks", "{\"name\":\"n\"}").status())
          .isEqualTo(201);
    }
    for (java.net.Socket socket : parked) {
      try (socket) {
        socket.setSoTimeout(60_000);
        String status =
            new java.io.BufferedReader(
                    new java.io.InputStreamReader(
                        socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
                .readLine();
        assertThat(status).startsWith("HTTP/1.1 200");
      }
    }
    assertThat(worker.post("/v1/queues/billing.limit/claim", "{\"worker\":\"w\"}").status())
        .isEqualTo(200);
  }

  @Test
  void a_revoked_token_is_refused_and_a_new_one_accepted_without_a_restart() throws Exception {
    String temp = create("temp", "viewer", "*");
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> http(temp).get("/v1/queues").status() == 200);
    Cli.Run list =
        Cli.run(
            dir,
            Map.of("STOKER_TOKENS_FILE", tokensFile.toString()),
            List.of("token", "list"),
            null);
    assertThat(list.out()).contains("temp").contains("viewer").doesNotContain(temp);
    Cli.Run revoke =
        Cli.run(
            dir,
            Map.of(),
            List.of("token", "revoke", "temp", "--file", tokensFile.toString()),
            null);
    assertThat(revoke.exit()).as(revoke.err()).isZero();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> http(temp).get("/v1/queues").status() == 401);
    assertThat(http("admin").get("/v1/queues").status()).isEqualTo(200);
  }

  @Test
  void the_cli_sends_its_token() throws Exception {
    Map<String, String> env =
        Map.of("STOKER_URL", server.url(), "STOKER_TOKEN", tokens.get("producer"));
    Cli.Run ok = Cli.run(dir, env, List.of("put", "billing.cli", "hello"), null);
    assertThat(ok.exit()).as(ok.err()).isZero();
    Cli.Run forbidden = Cli.run(dir, env, List.of("put", "other", "hello"), null);
    assertThat(forbidden.exit()).isNotZero();
    assertThat(forbidden.err()).contains("403").contains("may not use the queue other");
    Cli.Run none = Cli.run(dir, Map.of("STOKER_URL", server.url()), List.of("queues"), null);
    assertThat(none.exit()).isNotZero();
    assertThat(none.err()).contains("401");
  }
}
