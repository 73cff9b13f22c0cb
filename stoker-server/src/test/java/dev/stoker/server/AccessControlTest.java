package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.server.auth.Role.Action;
import dev.stoker.server.auth.TokenFile;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access checks in front of the Api, over the reference store. */
class AccessControlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";

  @TempDir Path dir;
  private Path file;
  private Api api;
  private AccessControl access;
  private final Map<String, String> tokens = new java.util.HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    file = dir.resolve("tokens");
    for (String[] t :
        new String[][] {
          {"p", "producer", "billing.*"},
          {"w", "worker", "billing.*"},
          {"v", "viewer", "billing.*"},
          {"a", "admin", "*"},
          {"w-all", "worker", "*"}
        }) {
      String token = TokenFile.newToken();
      TokenFile.append(file, TokenFile.entry(t[0], t[1], t[2], token));
      tokens.put(t[0], token);
    }
    api =
        new Api(
            new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1),
            new byte[32],
            Limits.DEFAULT,
            1 << 20);
    access = new AccessControl(file, 2, Duration.ofDays(1));
  }

  @AfterEach
  void tearDown() {
    access.close();
  }

  private Response as(String who, String method, String path, String body) {
    String auth = who == null ? null : "Bearer " + tokens.getOrDefault(who, who);
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    return access.handle(
        api,
        method,
        path,
        null,
        body == null ? null : JSON_TYPE,
        auth,
        b,
        ClientConnection.UNKNOWN);
  }

  private static JsonNode json(Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void every_endpoint_maps_to_the_action_of_the_table() {
    Object[][] table = {
      {"GET", "/v1/queues", Action.READ},
      {"GET", "/v1/queues/q", Action.READ},
      {"PUT", "/v1/queues/q", Action.MANAGE},
      {"GET", "/v1/queues/q/tasks", Action.READ},
      {"POST", "/v1/queues/q/tasks", Action.ENQUEUE},
      {"POST", "/v1/queues/q/claim", Action.WORK},
      {"POST", "/v1/queues/q/redrive", Action.MANAGE},
      {"GET", "/v1/tasks/X", Action.READ},
      {"POST", "/v1/tasks/complete", Action.WORK},
      {"POST", "/v1/tasks/X/heartbeat", Action.WORK},
      {"POST", "/v1/tasks/X/complete", Action.WORK},
      {"POST", "/v1/tasks/X/fail", Action.WORK},
      {"POST", "/v1/tasks/X/release", Action.WORK},
      {"POST", "/v1/tasks/X/cancel", Action.MANAGE},
      {"POST", "/v1/tasks/X/retry", Action.MANAGE},
      {"DELETE", "/v1/queues/q", null},
      {"GET", "/v1/queues/q/claim", null},
      {"GET", "/v1/nothing", null},
      {"GET", "/metrics", Action.READ},
      {"GET", "/openapi.json", null},
    };
    for (Object[] row : table) {
      assertThat(AccessControl.action((String) row[0], Api.segments((String) row[1])))
          .as(row[0] + " " + row[1])
          .isEqualTo(row[2]);
    }
  }

  @Test
  void health_is_open_and_everything_else_needs_a_known_token() throws Exception {
    assertThat(as(null, "GET", "/healthz", null).status()).isEqualTo(200);
    assertThat(as(null, "GET", "/readyz", null).status()).isEqualTo(200);
    // the dashboard's page asks for the token itself; its files hold no data
    assertThat(as(null, "GET", "/", null).status()).isEqualTo(200);
    for (String path :
        new String[] {"/v1/queues", "/v1/queues/billing.eu", "/v1/nothing", "/index.html"}) {
      Response missing = as(null, "GET", path, null);
      assertThat(missing.status()).as(path).isEqualTo(401);
      assertThat(missing.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"stoker\"");
      assertThat(json(missing).get("type").asText()).endsWith("/unauthorized");
      Response unknown = as("stk_forged", "GET", path, null);
      assertThat(unknown.status()).isEqualTo(401);
      assertThat(unknown.headers().get("WWW-Authenticate")).contains("invalid_token");
    }
    for (String header :
        new String[] {"Basic " + tokens.get("a"), tokens.get("a"), "Bearer ", "Bearer"}) {
      assertThat(
              access
                  .handle(
                      api,
                      "GET",
                      "/v1/queues",
                      null,
                      null,
                      header,
                      new byte[0],
                      ClientConnection.UNKNOWN)
                  .status())
          .as(header)
          .isEqualTo(401);
    }
    assertThat(
            access
                .handle(
                    api,
                    "GET",
                    "/v1/queues",
                    null,
                    null,
                    "bearer " + tokens.get("a"),
                    new byte[0],
                    ClientConnection.UNKNOWN)
                .status())
        .isEqualTo(200);
  }

  @Test
  void roles_are_refused_what_the_table_does_not_give_them() throws Exception {
    String spec = "{\"name\":\"n\"}";
    assertThat(as("p", "POST", "/v1/queues/billing.eu/tasks", spec).status()).isEqualTo(201);
    assertThat(as("w", "POST", "/v1/queues/billing.eu/tasks", spec).status()).isEqualTo(403);
    assertThat(as("v", "POST", "/v1/queues/billing.eu/tasks", spec).status()).isEqualTo(403);
    assertThat(as("p", "POST", "/v1/queues/billing.eu/claim", "{\"worker\":\"x\"}").status())
        .isEqualTo(403);
    assertThat(as("w", "POST", "/v1/queues/billing.eu/claim", "{\"worker\":\"x\"}").status())
        .isEqualTo(200);
    for (String who : new String[] {"p", "w", "v"}) {
      assertThat(as(who, "PUT", "/v1/queues/billing.eu", "{\"paused\":true}").status())
          .isEqualTo(403);
      assertThat(as(who, "POST", "/v1/queues/billing.eu/redrive", null).status()).isEqualTo(403);
      assertThat(as(who, "GET", "/v1/queues/billing.eu/tasks", null).status()).isEqualTo(200);
    }
    assertThat(as("a", "PUT", "/v1/queues/billing.eu", "{\"paused\":false}").status())
        .isEqualTo(200);
    Response r = as("v", "PUT", "/v1/queues/billing.eu", "{}");
    assertThat(json(r).get("type").asText()).endsWith("/forbidden");
    assertThat(json(r).get("detail").asText()).contains("viewer");
  }

  @Test
  void a_queue_outside_the_patterns_is_forbidden_whether_or_not_it_has_tasks() throws Exception {
    assertThat(as("a", "POST", "/v1/queues/other/tasks", "{\"name\":\"n\"}").status())
        .isEqualTo(201);
    Response used = as("v", "GET", "/v1/queues/other", null);
    Response unused = as("v", "GET", "/v1/queues/never-used", null);
    assertThat(used.status()).isEqualTo(403);
    assertThat(unused.status()).isEqualTo(403);
    assertThat(json(used).get("detail").asText().replace("other", "Q"))
        .isEqualTo(json(unused).get("detail").asText().replace("never-used", "Q"));
    // an invalid name gets the same 400 as for an admin
    assertThat(as("v", "GET", "/v1/queues/a%2Fb", null).status()).isEqualTo(400);
  }

  @Test
  void tasks_of_other_queues_read_as_missing() throws Exception {
    String other =
        json(as("a", "POST", "/v1/queues/other/tasks", "{\"name\":\"n\"}")).get("id").asText();
    String mine =
        json(as("p", "POST", "/v1/queues/billing.eu/tasks", "{\"name\":\"n\"}")).get("id").asText();
    String missing = "0".repeat(26);
    assertThat(as("v", "GET", "/v1/tasks/" + mine, null).status()).isEqualTo(200);
    Response hidden = as("v", "GET", "/v1/tasks/" + other, null);
    Response absent = as("v", "GET", "/v1/tasks/" + missing, null);
    assertThat(hidden.status()).isEqualTo(404);
    assertThat(json(hidden).get("detail").asText().replace(other, "X"))
        .isEqualTo(json(absent).get("detail").asText().replace(missing, "X"));
    for (String op : new String[] {"heartbeat", "complete", "fail", "release"}) {
      Response h =
          as("w", "POST", "/v1/tasks/" + other + "/" + op, "{\"token\":\"t\",\"error\":\"e\"}");
      Response a =
          as("w", "POST", "/v1/tasks/" + missing + "/" + op, "{\"token\":\"t\",\"error\":\"e\"}");
      assertThat(h.status()).as(op).isEqualTo(a.status());
      assertThat(new String(h.body(), StandardCharsets.UTF_8).replace(other, "X"))
          .isEqualTo(new String(a.body(), StandardCharsets.UTF_8).replace(missing, "X"));
      // a bad body is refused the same way before the task is looked at
      Response hb =
          access.handle(
              api,
              "POST",
              "/v1/tasks/" + other + "/" + op,
              null,
              "text/plain",
              "Bearer " + tokens.get("w"),
              "x".getBytes(StandardCharsets.UTF_8),
              ClientConnection.UNKNOWN);
      assertThat(hb.status()).isEqualTo(415);
    }
    // the token with every queue sees the task (and gets 409 for a made-up token, not 404)
    assertThat(
            as("w-all", "POST", "/v1/tasks/" + other + "/heartbeat", "{\"token\":\"t\"}").status())
        .isEqualTo(409);
    JsonNode batch =
        json(
            as(
                "w",
                "POST",
                "/v1/tasks/complete",
                "{\"tasks\":[{\"id\":\""
                    + other
                    + "\",\"token\":\"t\"},{\"id\":\""
                    + mine
                    + "\",\"token\":\"t\"}]}"));
    assertThat(batch.get("results").get(0).get("status").asInt()).isEqualTo(404);
    assertThat(batch.get("results").get(1).get("status").asInt()).isEqualTo(409);
  }

  @Test
  void metrics_need_a_token_that_sees_every_queue_and_the_openapi_document_none() throws Exception {
    as("a", "POST", "/v1/queues/other/tasks", "{\"name\":\"n\"}");
    for (String who : new String[] {"a", "w-all"}) {
      Response r = as(who, "GET", "/metrics", null);
      assertThat(r.status()).as(who).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.UTF_8))
          .contains("stoker_queue_tasks{queue=\"other\"");
    }
    Response partial = as("v", "GET", "/metrics", null);
    assertThat(partial.status()).isEqualTo(403);
    assertThat(json(partial).get("detail").asText()).contains("*");
    assertThat(as(null, "GET", "/metrics", null).status()).isEqualTo(401);
    Response doc = as(null, "GET", "/openapi.json", null);
    assertThat(doc.status()).isEqualTo(200);
    assertThat(json(doc).get("openapi").asText()).startsWith("3.1");
  }

  @Test
  void a_finish_that_claims_needs_the_claim_queue_too_and_is_refused_whole() throws Exception {
    as("a", "POST", "/v1/queues/other/tasks", "{\"name\":\"n\"}");
    as("p", "POST", "/v1/queues/billing.eu/tasks", "{\"name\":\"n\"}");
    JsonNode t =
        json(as("w", "POST", "/v1/queues/billing.eu/claim", "{\"worker\":\"x\"}"))
            .get("tasks")
            .get(0);
    String id = t.get("id").asText();
    String token = t.get("lease").get("token").asText();
    Response refused =
        as(
            "w",
            "POST",
            "/v1/tasks/" + id + "/complete",
            "{\"token\":\"" + token + "\",\"claim\":{\"worker\":\"x\",\"queue\":\"other\"}}");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(json(refused).get("field").asText()).isEqualTo("claim.queue");
    assertThat(json(as("w", "GET", "/v1/tasks/" + id, null)).get("state").asText())
        .isEqualTo("working");
    Response batch =
        as(
            "w",
            "POST",
            "/v1/tasks/complete",
            "{\"tasks\":[{\"id\":\""
                + id
                + "\",\"token\":\""
                + token
                + "\"}],\"claim\":{\"worker\":\"x\",\"queue\":\"other\"}}");
    assertThat(batch.status()).isEqualTo(403);
    assertThat(json(as("w", "GET", "/v1/tasks/" + id, null)).get("state").asText())
        .isEqualTo("working");
    // its own queue, named or not, is the token's to claim from
    Response ok =
        as(
            "w",
            "POST",
            "/v1/tasks/" + id + "/complete",
            "{\"token\":\"" + token + "\",\"claim\":{\"worker\":\"x\",\"queue\":\"billing.eu\"}}");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(json(ok).get("next").get("tasks")).isEmpty();
  }

  @Test
  void the_queue_list_shows_only_covered_queues() throws Exception {
    as("a", "POST", "/v1/queues/other/tasks", "{\"name\":\"n\"}");
    as("a", "POST", "/v1/queues/billing.eu/tasks", "{\"name\":\"n\"}");
    assertThat(json(as("v", "GET", "/v1/queues", null)).get("queues").findValuesAsText("name"))
        .containsExactly("billing.eu");
    assertThat(json(as("a", "GET", "/v1/queues", null)).get("queues").findValuesAsText("name"))
        .containsExactlyInAnyOrder("billing.eu", "other");
  }

  @Test
  void a_changed_file_is_reread_and_a_broken_one_ignored() throws Exception {
    assertThat(as("v", "GET", "/v1/queues", null).status()).isEqualTo(200);
    TokenFile.revoke(file, "v");
    access.reloadIfChanged();
    assertThat(as("v", "GET", "/v1/queues", null).status()).isEqualTo(401);
    Files.writeString(file, "garbage\n", java.nio.file.StandardOpenOption.APPEND);
    access.reloadIfChanged();
    assertThat(as("a", "GET", "/v1/queues", null).status()).isEqualTo(200);
  }
}
