package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard (docs/dashboard.md) in a real headless Chromium, driven by Playwright
 * (src/test/dashboard/dashboard.mjs) against a real {@code stoker serve --tokens}: an operator with
 * an admin token reads the overview, pauses a queue, pages and filters a queue, cancels a filtered
 * set, redrives the dead tasks of a name (on the server), and retries a dead task whose page then
 * follows a worker taking and finishing it; a viewer token sees the same pages without a single
 * action. The script reports what it saw; this test seeds the queues before and checks the report
 * and the server after. src/test/dashboard/install provisions Chromium, Node.js and playwright-core
 * when missing.
 *
 * <p>The screenshots go to target/dashboard-screenshots, or to the directory named by the system
 * property {@code stoker.dashboard.screenshots} (docs/images refreshes the documentation's).
 */
class DashboardTest {
  private static final Path SCRIPTS = Path.of("src", "test", "dashboard");

  @TempDir static Path dir;
  static Path tokensFile;
  static StokerProcess server;
  static final Map<String, String> tokens = new HashMap<>();
  static Http admin;
  static String retried;
  static List<String> leftDead;

  @BeforeAll
  static void start() throws Exception {
    tokensFile = dir.resolve("tokens");
    tokens.put("admin", token("ops", "admin"));
    tokens.put("viewer", token("watcher", "viewer"));
    server = StokerProcess.start(dir.resolve("data"), "--tokens", tokensFile.toString());
    admin = new Http(server.url()).as(tokens.get("admin"));
    seed();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static String token(String name, String role) throws Exception {
    return Cli.createToken(dir, tokensFile, name, role, "*").out().strip();
  }

  /**
   * thumbnails: 5 dead resize-large (older than the rest) and 120 pending, half resize-small;
   * reports: three dead tasks (the newest is the one retried); emails: 80 pending, 3 of them
   * claimed for 10 minutes; billing.invoices: paused, two of its three tasks scheduled.
   */
  private static void seed() throws Exception {
    enqueue(
        "thumbnails",
        Collections.nCopies(5, Map.of("name", "resize-large", "priority", 10, "max_attempts", 1)));
    failAll("thumbnails", 5, "ImageMagick: out of memory at 4096x4096");
    List<Map<String, Object>> thumbnails = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      thumbnails.add(
          Map.of(
              "name",
              i % 2 == 1 ? "resize-small" : "resize-large",
              "params",
              Map.of("image", "img-" + i + ".jpg")));
    }
    enqueue("thumbnails", thumbnails);
    List<Map<String, Object>> reports = new ArrayList<>();
    for (String month : List.of("2026-09", "2026-10", "2026-11")) {
      reports.add(
          Map.of("name", "monthly-report", "max_attempts", 1, "params", Map.of("month", month)));
    }
    enqueue("reports", reports);
    List<String> dead = failAll("reports", 3, "connection to the warehouse timed out after 30 s");
    retried = dead.get(2);
    leftDead = dead.subList(0, 2);
    List<Map<String, Object>> emails = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      emails.add(
          Map.of("name", "send_welcome", "params", Map.of("to", "user" + i + "@example.com")));
    }
    enqueue("emails", emails);
    assertThat(
            admin
                .post(
                    "/v1/queues/emails/claim",
                    "{\"worker\":\"mailer-1\",\"max\":3,\"lease_ms\":600000}")
                .at("/tasks")
                .size())
        .isEqualTo(3);
    enqueue(
        "billing.invoices",
        List.of(
            Map.of("name", "charge", "delay_ms", 3_600_000),
            Map.of("name", "charge", "delay_ms", 7_200_000),
            Map.of("name", "charge")));
    assertThat(admin.put("/v1/queues/billing.invoices", "{\"paused\":true}").status())
        .isEqualTo(200);
  }

  private static void enqueue(String queue, List<?> specs) throws Exception {
    Http.Reply r = admin.post("/v1/queues/" + queue + "/tasks", Http.json(Map.of("tasks", specs)));
    assertThat(r.status()).as("%s", r.body()).isEqualTo(201);
  }

  /**
   * Claims {@code n} tasks of the queue and fails each (they have one attempt: dead); returns their
   * ids.
   */
  private static List<String> failAll(String queue, int n, String error) throws Exception {
    JsonNode claimed =
        admin
            .post("/v1/queues/" + queue + "/claim", "{\"worker\":\"seed\",\"max\":" + n + "}")
            .at("/tasks");
    assertThat(claimed.size()).isEqualTo(n);
    List<String> ids = new ArrayList<>();
    for (JsonNode t : claimed) {
      Http.Reply r =
          admin.post(
              "/v1/tasks/" + t.get("id").asText() + "/fail",
              Http.json(Map.of("token", t.at("/lease/token").asText(), "error", error)));
      assertThat(r.at("/state").asText()).isEqualTo("dead");
      ids.add(t.get("id").asText());
    }
    return ids;
  }

  @Test
  void an_operator_sees_and_fixes_the_queues_in_a_real_browser_and_a_viewer_only_sees()
      throws Exception {
    Path shots =
        Path.of(System.getProperty("stoker.dashboard.screenshots", "target/dashboard-screenshots"));
    JsonNode report = runBrowser(shots);

    JsonNode overview = report.get("overview");
    assertThat(overview.get("queues"))
        .extracting(JsonNode::asText)
        .containsExactly("billing.invoices", "emails", "reports", "thumbnails");
    assertThat(overview.at("/counts/thumbnails/pending").asInt()).isEqualTo(120);
    assertThat(overview.at("/counts/thumbnails/dead").asInt()).isEqualTo(5);
    assertThat(overview.at("/counts/reports/dead").asInt()).isEqualTo(3);
    assertThat(overview.at("/counts/emails/working").asInt()).isEqualTo(3);
    assertThat(overview.at("/counts/billing.invoices/scheduled").asInt()).isEqualTo(2);
    assertThat(overview.get("paused"))
        .extracting(JsonNode::asText)
        .containsExactly("billing.invoices");
    assertThat(report.at("/throughput/rate").asText()).matches("[0-9.]+/s").isNotEqualTo("0.0/s");
    assertThat(report.at("/throughput/mode").asText()).isIn("stream", "polling");
    assertThat(report.at("/pause/pausedOnServer").asBoolean()).isTrue();
    assertThat(report.at("/pause/resumedOnServer").asBoolean()).isTrue();

    JsonNode queue = report.get("queue");
    assertThat(queue.at("/tabs/all").asInt()).isEqualTo(125);
    assertThat(queue.at("/tabs/dead").asInt()).isEqualTo(5);
    assertThat(queue.get("firstPage")).hasSize(50);
    assertThat(queue.get("secondPage")).hasSize(50);
    assertThat(queue.at("/firstPage/49").asText()).isLessThan(queue.at("/secondPage/0").asText());
    assertThat(queue.get("filteredNames"))
        .extracting(JsonNode::asText)
        .containsExactly("resize-small");

    assertThat(report.at("/bulkCancel/question").asText()).isEqualTo("Cancel 60 tasks?");
    JsonNode thumbnails = admin.get("/v1/queues/thumbnails").at("/counts");
    assertThat(thumbnails.get("cancelled").asInt()).isEqualTo(60);
    assertThat(admin.get("/v1/queues/thumbnails/tasks?state=cancelled&limit=1000").at("/tasks"))
        .allSatisfy(t -> assertThat(t.get("name").asText()).isEqualTo("resize-small"));

    assertThat(report.at("/bulkRedrive/question").asText()).isEqualTo("Redrive 5 dead tasks?");
    assertThat(report.at("/bulkRedrive/deadTab").asInt()).isZero();
    assertThat(thumbnails.get("dead").asInt()).isZero();
    assertThat(thumbnails.get("pending").asInt()).isEqualTo(65);

    JsonNode retry = report.get("retryLive");
    assertThat(retry.get("id").asText()).isEqualTo(retried);
    assertThat(retry.get("claimed").asText()).isEqualTo(retried);
    assertThat(retry.get("seen"))
        .extracting(JsonNode::asText)
        .containsExactly("dead", "pending", "working", "done");
    assertThat(retry.get("confirmAsked").asInt()).as("a retry of one task asks nothing").isZero();
    assertThat(retry.get("deadLeft").asInt()).as("the older dead tasks of the queue").isEqualTo(2);
    for (String id : leftDead) {
      assertThat(admin.get("/v1/tasks/" + id).at("/state").asText()).isEqualTo("dead");
    }
    assertThat(retry.get("lease").asText()).contains("report-worker-7");
    assertThat(retry.get("progress").asText())
        .as("the progress a heartbeat reported, shown without a reload")
        .isEqualTo("0.4");
    assertThat(retry.get("progressAfter").asInt()).as("no progress once done").isZero();
    assertThat(retry.get("history")).extracting(JsonNode::asText).contains("working", "done");
    assertThat(admin.get("/v1/tasks/" + retried).at("/result/rows").asInt()).isEqualTo(1289);

    JsonNode readOnly = report.get("readOnly");
    assertThat(readOnly.at("/buttons/overview").asInt()).isZero();
    assertThat(readOnly.at("/buttons/queue").asInt()).isZero();
    assertThat(readOnly.at("/buttons/task").asInt()).isZero();
    assertThat(readOnly.at("/adminTaskButtons").asInt()).isEqualTo(1);
    assertThat(readOnly.at("/counts/cancelled").asInt()).isEqualTo(60);
    assertThat(readOnly.get("who").asText()).startsWith("read-only");

    JsonNode page = report.at("/assets/page");
    assertThat(page.get("content-type").asText()).isEqualTo("text/html; charset=utf-8");
    assertThat(page.get("cache-control").asText()).isEqualTo("no-cache");
    assertThat(page.get("content-security-policy").asText())
        .startsWith("default-src 'none'; script-src 'self';");
    assertThat(report.at("/assets/asset/content-type").asText())
        .isEqualTo("text/css; charset=utf-8");
    assertThat(report.at("/assets/asset/cache-control").asText()).contains("immutable");
    assertThat(report.get("consoleErrors"))
        .as("errors in the browser's console (CSP refusals among them)")
        .isEmpty();

    for (String name :
        List.of("overview", "queue", "confirm", "task", "task-progress", "read-only")) {
      Path png = shots.resolve("dashboard-" + name + ".png");
      assertThat(png).exists();
      assertThat(Files.readAllBytes(png))
          .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }
  }

  /** Provisions Chromium and playwright-core, runs the script, and returns its report. */
  private static JsonNode runBrowser(Path shots) throws Exception {
    Process install =
        new ProcessBuilder(SCRIPTS.resolve("install").toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String playwright =
        new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(install.waitFor()).as("src/test/dashboard/install").isZero();

    File log = dir.resolve("browser.log").toFile();
    Path out = dir.resolve("report.json");
    ProcessBuilder node =
        new ProcessBuilder("node", SCRIPTS.resolve("dashboard.mjs").toString())
            .redirectOutput(out.toFile())
            .redirectError(log);
    node.environment()
        .putAll(
            Map.of(
                "STOKER_URL",
                server.url(),
                "STOKER_ADMIN_TOKEN",
                tokens.get("admin"),
                "STOKER_VIEWER_TOKEN",
                tokens.get("viewer"),
                "STOKER_SCREENSHOTS",
                shots.toAbsolutePath().toString(),
                "STOKER_PLAYWRIGHT_DIR",
                playwright));
    Process p = node.start();
    boolean exited = p.waitFor(5, TimeUnit.MINUTES);
    if (!exited) {
      p.destroyForcibly();
    }
    String stderr = readQuietly(log.toPath());
    System.err.print(stderr);
    assertThat(exited).as("the browser run ended within 5 minutes").isTrue();
    String[] lines = Files.readString(out).strip().split("\n");
    JsonNode report = Http.JSON.readTree(lines[lines.length - 1]);
    assertThat(p.exitValue())
        .as(
            "dashboard.mjs failed in step %s: %s",
            report.path("failed").asText(), report.path("error").asText())
        .isZero();
    return report;
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
