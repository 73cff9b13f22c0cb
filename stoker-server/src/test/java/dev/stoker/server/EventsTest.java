package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.server.auth.TokenFile;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import dev.stoker.testkit.SseClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/events} of a real server over real sockets: the transitions in the order they were
 * acknowledged, each with the task's JSON as {@code GET /v1/tasks/{id}} shows it; filtered by
 * queue; resumed after a {@code Last-Event-ID}, or reset when that is not possible; kept alive;
 * behind the token checks; ended when the server stops.
 */
class EventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;
  private ModelStore store;
  private StokerServer server;
  private String auth;

  private void start(StokerServer.Security security) {
    start(security, StokerServer.Config.defaults().readTimeout());
  }

  private void start(StokerServer.Security security, Duration readTimeout) {
    start(security, readTimeout, dev.stoker.core.Clock.system());
  }

  private void start(
      StokerServer.Security security, Duration readTimeout, dev.stoker.core.Clock clock) {
    store = new ModelStore(clock, 1);
    StokerServer.Config d = StokerServer.Config.defaults();
    server =
        StokerServer.start(
            store,
            new StokerServer.Config(
                d.host(),
                0,
                d.maxBodyBytes(),
                d.maxHeaderBytes(),
                d.limits(),
                readTimeout,
                Duration.ofSeconds(2),
                security));
  }

  private void start() {
    start(StokerServer.Security.defaults());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
      store.close();
    }
  }

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (auth != null) {
      b.header("Authorization", "Bearer " + auth);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> r = call("POST", path, body);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return JSON.readTree(r.body());
  }

  private String enqueue(String queue, String name) throws Exception {
    return post(
            "/v1/queues/" + queue + "/tasks", "{\"name\":\"" + name + "\",\"params\":{\"n\":1}}")
        .get("id")
        .asText();
  }

  private SseClient subscribe(String path, String... headers) throws Exception {
    SseClient c = SseClient.open(server.port(), path, headers);
    assertThat(c.status()).isEqualTo(200);
    assertThat(c.header("Content-Type")).startsWith("text/event-stream");
    // the server sends a comment at once: once it came, the subscription is in place
    assertThat(c.nextComment().text()).isEqualTo("stoker events");
    return c;
  }

  private static void assertEvent(SseClient.Event e, String name, String id, String state)
      throws Exception {
    assertThat(e.name()).isEqualTo(name);
    JsonNode task = JSON.readTree(e.data());
    assertThat(task.get("id").asText()).isEqualTo(id);
    assertThat(task.get("state").asText()).isEqualTo(state);
  }

  @Test
  void a_subscriber_sees_each_transition_in_order_with_the_task_as_the_api_shows_it()
      throws Exception {
    start();
    try (SseClient events = subscribe("/v1/events")) {
      String id = enqueue("q", "a");
      JsonNode claimed = post("/v1/queues/q/claim", "{\"worker\":\"w\"}").get("tasks").get(0);
      String token = claimed.get("lease").get("token").asText();
      post(
          "/v1/tasks/" + id + "/complete",
          "{\"token\":\"" + token + "\",\"result\":{\"ok\":true}}");
      String other = enqueue("q", "b");
      post("/v1/tasks/" + other + "/cancel", null);

      SseClient.Event enqueued = events.next();
      assertEvent(enqueued, "enqueued", id, "pending");
      SseClient.Event claim = events.next();
      assertEvent(claim, "claimed", id, "working");
      JsonNode lease = JSON.readTree(claim.data()).get("lease");
      assertThat(lease.get("owner").asText()).isEqualTo("w");
      assertThat(lease.has("token")).as("a lease token is for its claimer only").isFalse();
      SseClient.Event completed = events.next();
      assertEvent(completed, "completed", id, "done");
      // exactly the task as GET /v1/tasks/{id} shows it
      assertThat(completed.data()).isEqualTo(call("GET", "/v1/tasks/" + id, null).body());
      assertEvent(events.next(), "enqueued", other, "pending");
      SseClient.Event cancelled = events.next();
      assertEvent(cancelled, "cancelled", other, "cancelled");

      List<Long> positions =
          List.of(enqueued, claim, completed, cancelled).stream()
              .map(e -> Long.parseLong(e.id().substring(e.id().indexOf('-') + 1)))
              .toList();
      assertThat(positions).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  void fails_releases_and_dead_tasks_are_named_by_what_happened() throws Exception {
    start();
    try (SseClient events = subscribe("/v1/events?queue=f")) {
      String id =
          post("/v1/queues/f/tasks", "{\"name\":\"x\",\"max_attempts\":2}").get("id").asText();
      for (String op : List.of("release", "fail", "fail")) {
        JsonNode t = post("/v1/queues/f/claim", "{\"worker\":\"w\"}").get("tasks").get(0);
        post(
            "/v1/tasks/" + id + "/" + op,
            "{\"token\":\""
                + t.get("lease").get("token").asText()
                + "\",\"error\":\"e\",\"retry_in_ms\":0}"
                    .replace(
                        ",\"error\":\"e\",\"retry_in_ms\":0",
                        op.equals("fail") ? ",\"error\":\"e\",\"retry_in_ms\":0" : ""));
      }
      assertEvent(events.next(), "enqueued", id, "pending");
      assertEvent(events.next(), "claimed", id, "working");
      assertEvent(events.next(), "released", id, "pending");
      assertEvent(events.next(), "claimed", id, "working");
      assertEvent(events.next(), "failed", id, "pending");
      assertEvent(events.next(), "claimed", id, "working");
      assertEvent(events.next(), "dead", id, "dead");
    }
  }

  @Test
  void leases_the_store_ends_and_redrives_are_events_too() throws Exception {
    ManualClock clock = new ManualClock();
    start(StokerServer.Security.defaults(), StokerServer.Config.defaults().readTimeout(), clock);
    try (SseClient events = subscribe("/v1/events")) {
      String id =
          post("/v1/queues/x/tasks", "{\"name\":\"t\",\"max_attempts\":1}").get("id").asText();
      post("/v1/queues/x/claim", "{\"worker\":\"w\",\"lease_ms\":1000}");
      clock.advance(Duration.ofSeconds(2));
      // the next operation of the store ends the lease that ran out: it was the last attempt
      assertThat(call("GET", "/v1/queues/x", null).statusCode()).isEqualTo(200);
      post("/v1/queues/x/redrive", null);
      assertEvent(events.next(), "enqueued", id, "pending");
      assertEvent(events.next(), "claimed", id, "working");
      SseClient.Event expired = events.next();
      assertEvent(expired, "expired", id, "dead");
      assertThat(JSON.readTree(expired.data()).get("last_error").asText()).contains("expired");
      assertEvent(events.next(), "redriven", id, "pending");
    }
  }

  @Test
  void a_retry_of_one_task_is_an_event() throws Exception {
    start();
    try (SseClient events = subscribe("/v1/events")) {
      String id = enqueue("x", "t");
      post("/v1/tasks/" + id + "/cancel", null);
      post("/v1/tasks/" + id + "/retry", null);
      assertEvent(events.next(), "enqueued", id, "pending");
      assertEvent(events.next(), "cancelled", id, "cancelled");
      assertEvent(events.next(), "retried", id, "pending");
    }
  }

  @Test
  void a_queue_filter_passes_only_that_queues_events() throws Exception {
    start();
    try (SseClient events = subscribe("/v1/events?queue=mine")) {
      enqueue("other", "x");
      String id = enqueue("mine", "y");
      assertEvent(events.next(), "enqueued", id, "pending");
    }
  }

  @Test
  void a_subscriber_resumes_after_its_last_event_id() throws Exception {
    start();
    String second;
    String lastSeen;
    try (SseClient events = subscribe("/v1/events")) {
      String first = enqueue("r", "1");
      second = enqueue("r", "2");
      SseClient.Event e = events.next();
      assertEvent(e, "enqueued", first, "pending");
      lastSeen = e.id();
    }
    String third = enqueue("r", "3");
    try (SseClient again = subscribe("/v1/events", "Last-Event-ID", lastSeen)) {
      // what happened after the last event it saw, while it was away, then what happens now
      assertEvent(again.next(), "enqueued", second, "pending");
      assertEvent(again.next(), "enqueued", third, "pending");
      String fourth = enqueue("r", "4");
      assertEvent(again.next(), "enqueued", fourth, "pending");
    }
    try (SseClient fresh = subscribe("/v1/events")) {
      // without an id, a subscriber starts from now
      String fifth = enqueue("r", "5");
      assertEvent(fresh.next(), "enqueued", fifth, "pending");
    }
  }

  @Test
  void an_id_the_server_does_not_keep_gets_a_reset_then_the_events_from_now() throws Exception {
    start();
    try (SseClient events = subscribe("/v1/events", "Last-Event-ID", "feedface-12")) {
      SseClient.Event reset = events.next();
      assertThat(reset.name()).isEqualTo("reset");
      assertThat(JSON.readTree(reset.data()).get("detail").asText()).contains("missed");
      String id = enqueue("q", "after");
      SseClient.Event e = events.next();
      assertEvent(e, "enqueued", id, "pending");
      // resuming from the reset's id misses nothing after it
      assertThat(position(e.id())).isEqualTo(position(reset.id()) + 1);
    }
  }

  private static long position(String id) {
    return Long.parseLong(id.substring(id.indexOf('-') + 1));
  }

  @Test
  void a_quiet_stream_sends_keep_alive_comments() throws Exception {
    start();
    server.api().keepAlive(100);
    try (SseClient events = subscribe("/v1/events")) {
      assertThat(events.nextComment().text()).isEqualTo("keep-alive");
      assertThat(events.nextComment().text()).isEqualTo("keep-alive");
    }
  }

  @Test
  void a_stream_outlives_the_read_timeout_of_idle_connections() throws Exception {
    start(StokerServer.Security.defaults(), Duration.ofMillis(300));
    server.api().keepAlive(50);
    try (SseClient events = subscribe("/v1/events")) {
      // 40 keep-alives 50 ms apart span several read timeouts of 300 ms
      for (int i = 0; i < 40; i++) {
        assertThat(events.nextComment().text()).isEqualTo("keep-alive");
      }
      String id = enqueue("q", "late");
      assertEvent(events.next(), "enqueued", id, "pending");
    }
  }

  @Test
  void the_stream_ends_when_the_server_stops() throws Exception {
    start();
    SseClient events = subscribe("/v1/events");
    server.close();
    events.awaitEnd();
    server = null;
    store.close();
  }

  @Test
  void events_need_a_token_that_may_read_the_queue() throws Exception {
    Path tokens = dir.resolve("tokens");
    String viewer = TokenFile.newToken();
    String admin = TokenFile.newToken();
    TokenFile.append(tokens, TokenFile.entry("v", "viewer", "billing.*", viewer));
    TokenFile.append(tokens, TokenFile.entry("a", "admin", "*", admin));
    StokerServer.Security d = StokerServer.Security.defaults();
    start(
        new StokerServer.Security(
            tokens,
            null,
            null,
            d.maxConnections(),
            d.maxConcurrentRequests(),
            d.maxClaimsPerToken()));

    try (SseClient none = SseClient.open(server.port(), "/v1/events")) {
      assertThat(none.status()).isEqualTo(401);
    }
    try (SseClient forbidden =
        SseClient.open(server.port(), "/v1/events?queue=hr", "Authorization", "Bearer " + viewer)) {
      assertThat(forbidden.status()).isEqualTo(403);
    }
    try (SseClient mine = subscribe("/v1/events", "Authorization", "Bearer " + viewer);
        SseClient one =
            subscribe("/v1/events?queue=billing.eu", "Authorization", "Bearer " + viewer)) {
      auth = admin;
      enqueue("hr", "secret");
      String id = enqueue("billing.eu", "invoice");
      // a viewer sees the queues its patterns cover, and no others
      assertEvent(mine.next(), "enqueued", id, "pending");
      assertEvent(one.next(), "enqueued", id, "pending");
    }
  }

  @Test
  void a_bad_query_is_refused_naming_the_parameter() throws Exception {
    start();
    HttpResponse<String> bad = call("GET", "/v1/events?queue=no%20spaces", null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).get("field").asText()).isEqualTo("queue");
    HttpResponse<String> unknown = call("GET", "/v1/events?since=1", null);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(unknown.body()).get("field").asText()).isEqualTo("since");
  }
}
