package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} of a real {@code stoker serve}: the task counters and timings move with the
 * work done through the API, queue sizes follow the store, HTTP requests are labelled by route, and
 * every metric the Grafana dashboard of docs/grafana/stoker.json queries exists.
 */
class MetricsTest {
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "stoker.json");
  private static final Pattern METRIC_IN_EXPR =
      Pattern.compile("\\b((?:stoker|jvm|process|system)_[a-z0-9_]+)\\b");

  @RegisterExtension static final ServerExtension server = new ServerExtension();

  @Test
  void counters_and_timings_move_with_the_work_done() throws Exception {
    Http http = server.http();
    Scrape before = scrape();
    for (int i = 0; i < 3; i++) {
      assertThat(http.post("/v1/queues/metered/tasks", "{\"name\": \"t" + i + "\"}").status())
          .isEqualTo(201);
    }
    assertThat(
            http.post("/v1/queues/metered/tasks", "{\"name\": \"u\", \"unique_key\": \"k\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            http.post("/v1/queues/metered/tasks", "{\"name\": \"u\", \"unique_key\": \"k\"}")
                .status())
        .isEqualTo(200);
    JsonNode claimed =
        http.post("/v1/queues/metered/claim", "{\"worker\": \"w\", \"max\": 3}")
            .body()
            .get("tasks");
    assertThat(claimed).hasSize(3);
    assertThat(settle(claimed.get(0), "complete", "{\"token\": \"%s\", \"result\": 1}").status())
        .isEqualTo(200);
    assertThat(
            settle(
                    claimed.get(1),
                    "fail",
                    "{\"token\": \"%s\", \"error\": \"e\", \"permanent\": true}")
                .status())
        .isEqualTo(200);
    assertThat(settle(claimed.get(2), "release", "{\"token\": \"%s\"}").status()).isEqualTo(200);
    // a second completion of a done task is refused and counts nothing
    assertThat(settle(claimed.get(0), "complete", "{\"token\": \"%s\"}").status()).isEqualTo(409);

    Scrape after = scrape();
    assertThat(after.value("stoker_tasks_enqueued_total{queue=\"metered\"}")).isEqualTo(4);
    assertThat(after.value("stoker_tasks_claimed_total{queue=\"metered\"}")).isEqualTo(3);
    assertThat(after.value("stoker_tasks_completed_total{queue=\"metered\"}")).isEqualTo(1);
    assertThat(after.value("stoker_tasks_failed_total{queue=\"metered\"}")).isEqualTo(1);
    assertThat(after.value("stoker_queue_tasks{queue=\"metered\",state=\"pending\"}")).isEqualTo(2);
    assertThat(after.value("stoker_queue_tasks{queue=\"metered\",state=\"done\"}")).isEqualTo(1);
    assertThat(after.value("stoker_queue_tasks{queue=\"metered\",state=\"dead\"}")).isEqualTo(1);
    assertThat(after.value("stoker_queue_tasks{queue=\"metered\",state=\"working\"}")).isZero();
    assertThat(after.delta(before, "stoker_claim_pickup_seconds_count")).isEqualTo(3);
    assertThat(after.delta(before, "stoker_task_run_seconds_count")).isEqualTo(1);
    assertThat(after.value("stoker_claim_pickup_seconds_bucket{le=\"+Inf\"}"))
        .isEqualTo(after.value("stoker_claim_pickup_seconds_count"));
    assertThat(
            after.delta(
                before,
                "stoker_http_requests_seconds_count{method=\"POST\",route=\"/v1/queues/{queue}/tasks\","
                    + "status=\"201\"}"))
        .isEqualTo(4);
    assertThat(
            after.delta(
                before,
                "stoker_http_requests_seconds_count{method=\"POST\","
                    + "route=\"/v1/tasks/{id}/complete\",status=\"409\"}"))
        .isEqualTo(1);
  }

  @Test
  void leases_that_run_out_and_the_stores_syncs_are_counted() throws Exception {
    Http http = server.http();
    Scrape before = scrape();
    assertThat(http.post("/v1/queues/expiring/tasks", "{\"name\": \"t\"}").status()).isEqualTo(201);
    JsonNode claimed =
        http.post("/v1/queues/expiring/claim", "{\"worker\": \"w\", \"lease_ms\": 1}")
            .body()
            .get("tasks");
    assertThat(claimed).hasSize(1);
    // the store's sweeper ends the lease on its own; nobody asks the server about the task
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(scrape().value("stoker_lease_expirations_total{queue=\"expiring\"}"))
                    .isEqualTo(1));
    Scrape after = scrape();
    // the embedded store synced its WAL at least for the enqueue, the claim and the expiry
    assertThat(after.delta(before, "stoker_store_sync_seconds_count")).isGreaterThanOrEqualTo(3);
    assertThat(after.value("stoker_store_sync_seconds_bucket{le=\"+Inf\"}"))
        .isEqualTo(after.value("stoker_store_sync_seconds_count"));
  }

  @Test
  void labels_never_carry_raw_paths() throws Exception {
    Http http = server.http();
    assertThat(http.get("/v1/tasks/01M84BSAFQ0003C1KNPQR84YQ4").status()).isEqualTo(404);
    assertThat(http.get("/no/such/endpoint").status()).isEqualTo(404);
    Scrape s = scrape();
    assertThat(
            s.value(
                "stoker_http_requests_seconds_count{method=\"GET\",route=\"/v1/tasks/{id}\",status=\"404\"}"))
        .isPositive();
    assertThat(
            s.value(
                "stoker_http_requests_seconds_count{method=\"other\",route=\"unmatched\",status=\"404\"}"))
        .isPositive();
    assertThat(s.text).doesNotContain("01M84BSAFQ0003C1KNPQR84YQ4").doesNotContain("/no/such");
  }

  @Test
  void every_metric_the_dashboard_queries_is_served() throws Exception {
    // a queue with work in it, so its series exist
    Http http = server.http();
    http.post("/v1/queues/dash/tasks", "{\"name\": \"t\"}");
    JsonNode claimed =
        http.post("/v1/queues/dash/claim", "{\"worker\": \"w\"}").body().get("tasks");
    settle(claimed.get(0), "complete", "{\"token\": \"%s\"}");
    http.post("/v1/queues/dash/tasks", "{\"name\": \"f\"}");
    claimed = http.post("/v1/queues/dash/claim", "{\"worker\": \"w\"}").body().get("tasks");
    settle(claimed.get(0), "fail", "{\"token\": \"%s\", \"error\": \"e\"}");

    Set<String> queried = new TreeSet<>();
    collectExprs(Http.JSON.readTree(Files.readString(DASHBOARD)), queried);
    assertThat(queried)
        .as("metric names in the dashboard")
        .contains(
            "stoker_queue_tasks",
            "stoker_tasks_enqueued_total",
            "stoker_claim_pickup_seconds_bucket",
            "stoker_http_requests_seconds_count");
    Set<String> served = scrape().names();
    assertThat(served).containsAll(queried);
  }

  private static void collectExprs(JsonNode node, Set<String> names) {
    if (node.isObject() && node.has("expr")) {
      Matcher m = METRIC_IN_EXPR.matcher(node.get("expr").asText());
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    node.forEach(child -> collectExprs(child, names));
  }

  private static Http.Reply settle(JsonNode task, String action, String bodyFormat)
      throws Exception {
    return server
        .http()
        .post(
            "/v1/tasks/" + task.get("id").asText() + "/" + action,
            bodyFormat.formatted(task.at("/lease/token").asText()));
  }

  private static Scrape scrape() throws IOException, InterruptedException {
    return Scrape.of(server.url());
  }
}
