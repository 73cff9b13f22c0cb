package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.testkit.EtcdTemp;
import dev.stoker.testkit.PgTemp;
import dev.stoker.testkit.SseClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@code GET /v1/events} of one server shows the transitions made through another server over the
 * same store (docs/api.md#events, docs/adr/0008): two real {@code stoker serve} processes over a
 * real PostgreSQL and over a real etcd cluster, a subscriber of server A, every write through
 * server B. Each step waits for its event before the next, so no transition is folded into a later
 * one. A server's own writes come once, a bulk cancel through B is one event per task on A; a lost
 * listening connection is a {@code reset}, and events go on after it. Over PostgreSQL, no server
 * sends those notices while no other server has a subscriber, and a task enqueued in SQL is an
 * event too.
 */
class EventsAcrossServersTest {

  @Test
  void on_postgres_a_subscriber_of_one_server_sees_the_transitions_made_through_the_other()
      throws Exception {
    try (PgFleet fleet = new PgFleet(PgTemp.shared().url(), PgTemp.freshSchema(), 2)) {
      seesTheOtherServersTransitions(fleet);
    }
  }

  @Test
  void on_etcd_a_subscriber_of_one_server_sees_the_transitions_made_through_the_other()
      throws Exception {
    String prefix = EtcdTemp.freshPrefix();
    String endpoints = EtcdTemp.shared().endpoints();
    try (PgFleet fleet =
        new PgFleet(PgFleet.startAll(2, () -> StokerProcess.startOnEtcd(endpoints, prefix)))) {
      seesTheOtherServersTransitions(fleet);
    }
  }

  @Test
  void on_postgres_a_lost_listening_connection_is_a_reset_and_events_go_on_after_it()
      throws Exception {
    String schema = PgTemp.freshSchema();
    try (PgFleet fleet = new PgFleet(PgTemp.shared().url(), schema, 2);
        SseClient a = subscribe(fleet)) {
      Http b = fleet.https.get(1);
      String first = enqueue(b);
      awaitEvent(a, "enqueued", first);

      // The listening connections of this schema's servers (stoker-listener, LISTEN stoker_SCHEMA)
      PgTemp.shared()
          .execute(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  + " WHERE application_name = 'stoker-listener' AND query = 'LISTEN stoker_"
                  + schema
                  + "'");
      assertThat(a.next().name())
          .as("the first event after the connection was lost")
          .isEqualTo("reset");

      String second = enqueue(b);
      awaitEvent(a, "enqueued", second);
    }
  }

  private static void seesTheOtherServersTransitions(PgFleet fleet) throws Exception {
    Http a = fleet.https.get(0);
    Http b = fleet.https.get(1);
    try (SseClient events = subscribe(fleet)) {
      String id = enqueue(b);
      JsonNode enqueued = awaitEvent(events, "enqueued", id);
      assertThat(enqueued.at("/state").asText()).isEqualTo("pending");

      Http.Reply claim =
          b.post("/v1/queues/feed/claim", "{\"worker\": \"w\", \"lease_ms\": 60000}");
      assertThat(claim.status()).isEqualTo(200);
      JsonNode task = claim.at("/tasks/0");
      assertThat(task.at("/id").asText()).isEqualTo(id);
      assertThat(awaitEvent(events, "claimed", id).at("/state").asText()).isEqualTo("working");

      Http.Reply complete =
          b.post(
              "/v1/tasks/" + id + "/complete",
              Http.json(Map.of("token", task.at("/lease/token").asText(), "result", 42)));
      assertThat(complete.status()).isEqualTo(200);
      JsonNode done = awaitEvent(events, "completed", id);
      assertThat(done.at("/state").asText()).isEqualTo("done");
      assertThat(done.at("/result").asInt()).isEqualTo(42);

      // A's own write is published once, from its reply: the event after it is B's next one.
      String own = enqueue(a);
      awaitEvent(events, "enqueued", own);
      Http.Reply cancel = a.post("/v1/tasks/" + own + "/cancel", "{}");
      assertThat(cancel.status()).isEqualTo(200);
      awaitEvent(events, "cancelled", own);
      String next = enqueue(b);
      SseClient.Event after = events.next();
      assertThat(List.of(after.name(), Http.JSON.readTree(after.data()).at("/id").asText()))
          .as("the event after A's own cancel")
          .containsExactly("enqueued", next);

      // A bulk cancel through B: every live task of the queue, one event each on A, in id order;
      // the done and the cancelled task stay as they are.
      String last = enqueue(b);
      awaitEvent(events, "enqueued", last);
      Http.Reply bulk = b.post("/v1/queues/feed/tasks/cancel", "");
      assertThat(bulk.status()).isEqualTo(200);
      assertThat(bulk.at("/changed").asInt()).isEqualTo(2);
      assertThat(bulk.at("/unchanged").asInt()).isZero();
      awaitEvent(events, "cancelled", next);
      awaitEvent(events, "cancelled", last);
      assertThat(b.get("/v1/tasks/" + id).at("/state").asText()).isEqualTo("done");
    }
  }

  @Test
  void on_postgres_no_transition_notice_is_sent_while_no_other_server_has_a_subscriber()
      throws Exception {
    String schema = PgTemp.freshSchema();
    try (PgFleet fleet = new PgFleet(PgTemp.shared().url(), schema, 2);
        Connection listening = DriverManager.getConnection(PgTemp.shared().url())) {
      try (Statement st = listening.createStatement()) {
        st.execute("LISTEN stoker_" + schema);
      }
      PGConnection pg = listening.unwrap(PGConnection.class);
      Http b = fleet.https.get(1);

      // Nobody subscribes on A: B's enqueue, claim and completion send the wake-up of the queue
      // only. Notifications come in commit order, so once the wake-up of a later enqueue (queue
      // "marker") came, anything the completion sent came before it.
      complete(b, enqueue(b));
      b.post("/v1/queues/marker/tasks", "{\"name\": \"t\", \"params\": {}}");
      assertThat(notificationsUntil(pg, "marker"))
          .as("what B's writes notified while nobody subscribed on A")
          .containsOnly("feed");

      // A subscriber on A: from a moment later, B's transitions reach it, told by a notice.
      try (SseClient events = subscribe(fleet)) {
        String id = enqueue(b);
        awaitEvent(events, "enqueued", id);
        // The claim's event is awaited before the completion: a claim and a completion in quick
        // succession on another server may reach a subscriber as the completion alone
        // (api.md#events).
        String token = claim(b, id);
        awaitEvent(events, "claimed", id);
        finish(b, id, token);
        assertThat(awaitEvent(events, "completed", id).at("/state").asText()).isEqualTo("done");
        b.post("/v1/queues/marker/tasks", "{\"name\": \"t\", \"params\": {}}");
        assertThat(notificationsUntil(pg, "marker"))
            .as("what B's writes notified while A has a subscriber")
            .anyMatch(p -> p.startsWith("!"));

        // A task enqueued in SQL, in no server's transaction, is an event too (V8).
        String madeInSql;
        try (Statement st = listening.createStatement();
            var rs = st.executeQuery("SELECT task_id FROM " + schema + ".enqueue('feed', 'sql')")) {
          rs.next();
          madeInSql = rs.getString(1);
        }
        assertThat(awaitEvent(events, "enqueued", madeInSql).at("/name").asText()).isEqualTo("sql");
      }
    }
  }

  /** Claims task {@code id} of queue feed through {@code server} and completes it. */
  private static void complete(Http server, String id) throws Exception {
    finish(server, id, claim(server, id));
  }

  /** Claims task {@code id}, the next of queue feed, through {@code server}; returns its token. */
  private static String claim(Http server, String id) throws Exception {
    Http.Reply claim =
        server.post("/v1/queues/feed/claim", "{\"worker\": \"w\", \"lease_ms\": 60000}");
    assertThat(claim.at("/tasks/0/id").asText()).isEqualTo(id);
    return claim.at("/tasks/0/lease/token").asText();
  }

  /** Completes task {@code id} with {@code token} through {@code server}. */
  private static void finish(Http server, String id, String token) throws Exception {
    Http.Reply done =
        server.post(
            "/v1/tasks/" + id + "/complete", Http.json(Map.of("token", token, "result", 1)));
    assertThat(done.status()).isEqualTo(200);
  }

  /** The payloads notified on {@code pg}'s channel up to the first that is {@code last}. */
  private static List<String> notificationsUntil(PGConnection pg, String last) throws Exception {
    List<String> seen = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      PGNotification[] got = pg.getNotifications(500);
      for (PGNotification n : got == null ? new PGNotification[0] : got) {
        if (n.getParameter().equals(last)) {
          return seen;
        }
        seen.add(n.getParameter());
      }
    }
    throw new AssertionError("no notification " + last + " within 20 s; got " + seen);
  }

  /**
   * Subscribes to server A's events of queue feed, and returns once B's transitions reach A: the
   * servers over PostgreSQL tell each other their transitions only while another server has a
   * subscriber, from a second or two after the first one (docs/api.md#events). Probes through B, on
   * a queue of their own, until one shows on A.
   */
  private static SseClient subscribe(PgFleet fleet) throws Exception {
    SseClient events = open(fleet, "feed");
    Http b = fleet.https.get(1);
    try (SseClient probes = open(fleet, "probe")) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      do {
        b.post("/v1/queues/probe/tasks", "{\"name\": \"probe\", \"params\": {}}");
        if (probes.next(Duration.ofMillis(300)) != null) {
          return events;
        }
      } while (System.nanoTime() < end);
    }
    throw new AssertionError("B's transitions did not reach A's subscriber within 20 s");
  }

  private static SseClient open(PgFleet fleet, String queue) throws Exception {
    SseClient events = SseClient.open(fleet.servers.get(0).url() + "/v1/events?queue=" + queue);
    assertThat(events.status()).isEqualTo(200);
    return events;
  }

  private static String enqueue(Http server) throws Exception {
    Http.Reply r = server.post("/v1/queues/feed/tasks", "{\"name\": \"t\", \"params\": {}}");
    assertThat(r.status()).isEqualTo(201);
    return r.at("/id").asText();
  }

  /**
   * The next event, which must be {@code name} of task {@code id} (within the client's deadline);
   * returns its task.
   */
  private static JsonNode awaitEvent(SseClient events, String name, String id) throws Exception {
    SseClient.Event e = events.next();
    JsonNode task = Http.JSON.readTree(e.data());
    assertThat(List.of(e.name(), task.at("/id").asText()))
        .as("the next event")
        .containsExactly(name, id);
    return task;
  }
}
