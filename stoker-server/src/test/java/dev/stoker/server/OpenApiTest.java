package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.server.RouteTable.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds openapi.json to the server: the same routes as {@link Api#ROUTES}, the limits of core's
 * {@link Limits}, every problem type the server sends, and every request and reply example in
 * docs/api.md valid against it.
 */
class OpenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path API_MD = Path.of("..", "docs", "api.md");
  private static final Path SOURCES = Path.of("src", "main", "java");
  private static final Pattern CURL_URL =
      Pattern.compile("localhost:7654(/[^\\s'?]*)(\\?[^\\s']*)?");
  private static final Pattern CURL_METHOD = Pattern.compile("-X ([A-Z]+)");
  private static final Pattern CURL_BODY = Pattern.compile("-d '(.*?)'", Pattern.DOTALL);
  private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/1\\.1 (\\d{3}) .*\\n");
  private static final Pattern PROBLEM_TYPE =
      Pattern.compile(
          // \\s* where the formatter may break a line
          "(?:Problem\\.)?BASE\\s*\\+\\s*\"([a-z-]+)\"|"
              + "(?:Problem\\.|\\s)of\\(\\s*\\d+,\\s*\"([a-z-]+)\"|case \\d+ -> \"([a-z-]+)\"|"
              + "\\?\\s*\"([a-z-]+)\"\\s*:\\s*\"([a-z-]+)\"");

  private final JsonNode doc = read(OpenApi.document());
  private final SchemaCheck schemas = new SchemaCheck(doc);

  @Test
  void the_document_has_every_route_of_the_table_and_no_other() {
    Set<String> table = new TreeSet<>();
    for (Route r : Api.ROUTES.routes()) {
      table.add(r.method() + " " + r.pattern());
    }
    Set<String> documented = new TreeSet<>();
    doc.get("paths")
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey())));
    assertThat(documented).isEqualTo(table);
  }

  @Test
  void the_server_serves_it_to_anyone() throws IOException {
    Response r =
        new Api(
                new dev.stoker.testkit.ModelStore(
                    new dev.stoker.testkit.ManualClock(java.time.Instant.EPOCH), 1),
                new byte[32],
                Limits.DEFAULT,
                1 << 20)
            .handle("GET", "/openapi.json", null, null, new byte[0]);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo(Response.JSON);
    assertThat(read(r.body()).get("openapi").asText()).isEqualTo("3.1.0");
    assertThat(Api.ROUTES.routes())
        .anyMatch(route -> route.pattern().equals("/openapi.json") && route.action() == null);
  }

  @Test
  void field_limits_are_those_of_core() {
    JsonNode s = doc.at("/components/schemas");
    assertThat(s.at("/TaskSpec/properties/name/maxLength").asInt()).isEqualTo(Limits.MAX_TASK_NAME);
    assertThat(s.at("/TaskSpec/properties/unique_key/maxLength").asInt())
        .isEqualTo(Limits.MAX_UNIQUE_KEY);
    assertThat(s.at("/TaskSpec/properties/max_attempts/maximum").asInt())
        .isEqualTo(Limits.MAX_ATTEMPTS);
    assertThat(s.at("/TaskSpec/properties/delay_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_DURATION_MS);
    assertThat(s.at("/EnqueueBatch/properties/tasks/maxItems").asInt()).isEqualTo(Limits.MAX_BATCH);
    assertThat(s.at("/ClaimRequest/properties/worker/maxLength").asInt())
        .isEqualTo(Limits.MAX_WORKER);
    assertThat(s.at("/ClaimRequest/properties/max/maximum").asInt()).isEqualTo(Limits.MAX_BATCH);
    assertThat(s.at("/ClaimRequest/properties/lease_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_DURATION_MS);
    assertThat(s.at("/ClaimRequest/properties/wait_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_WAIT_MS);
    assertThat(s.at("/HeartbeatRequest/properties/lease_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_DURATION_MS);
    assertThat(s.at("/HeartbeatRequest/properties/progress/x-max-bytes").asInt())
        .isEqualTo(Limits.MAX_PROGRESS_BYTES);
    assertThat(s.at("/FailRequest/properties/error/maxLength").asInt()).isEqualTo(Limits.MAX_ERROR);
    assertThat(s.at("/FailRequest/properties/retry_in_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_DURATION_MS);
    assertThat(s.at("/ReleaseRequest/properties/delay_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_DURATION_MS);
    assertThat(s.at("/CompleteManyRequest/properties/tasks/maxItems").asInt())
        .isEqualTo(Limits.MAX_BATCH);
    assertThat(s.at("/SettingsPatch/properties/max_attempts/maximum").asInt())
        .isEqualTo(Limits.MAX_ATTEMPTS);
    assertThat(s.at("/SettingsPatch/properties/retention_ms/maximum").asLong())
        .isEqualTo(10 * Limits.MAX_DURATION_MS);
    assertThat(s.at("/SettingsPatch/properties/backoff/properties/max_ms/maximum").asLong())
        .isEqualTo(Limits.MAX_DURATION_MS);
    assertThat(s.at("/RedriveRequest/properties/limit/maximum").asInt())
        .isEqualTo(Requests.MAX_REDRIVE);
    assertThat(s.at("/RedriveRequest/properties/limit/default").asInt())
        .isEqualTo(Requests.DEFAULT_REDRIVE);
    assertThat(doc.at("/components/parameters/queue/schema/maxLength").asInt())
        .isEqualTo(Limits.MAX_QUEUE_NAME);
    JsonNode list = doc.at("/paths/~1v1~1queues~1{queue}~1tasks/get/parameters");
    assertThat(list.findValues("maximum"))
        .extracting(JsonNode::asInt)
        .containsExactly(Api.MAX_LIST_LIMIT);
    assertThat(list.findValues("default"))
        .extracting(JsonNode::asInt)
        .containsExactly(Api.DEFAULT_LIST_LIMIT);
  }

  @Test
  void every_problem_type_the_server_sends_is_described() throws IOException {
    Set<String> sent = new TreeSet<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = PROBLEM_TYPE.matcher(Files.readString(f));
        while (m.find()) {
          for (int g = 1; g <= m.groupCount(); g++) {
            if (m.group(g) != null) {
              sent.add(Problem.BASE + m.group(g));
            }
          }
        }
      }
    }
    Set<String> described = new TreeSet<>();
    doc.at("/components/schemas/Problem/properties/type/enum")
        .forEach(t -> described.add(t.asText()));
    assertThat(sent)
        .contains(
            Problem.BASE + "method-not-allowed",
            Problem.BASE + "too-large",
            Problem.BASE + "overloaded",
            Problem.BASE + "malformed-json",
            Problem.BASE + "invalid-field");
    assertThat(described).containsAll(sent);
    assertThat(doc.at("/components/schemas/Problem/x-problem-types").findValuesAsText("type"))
        .containsExactlyInAnyOrderElementsOf(described);
  }

  @Test
  void every_schema_reference_resolves_and_uses_only_checked_keywords() {
    List<String> errors = new ArrayList<>();
    doc.at("/components/schemas")
        .forEach(
            s ->
                errors.addAll(
                    schemas.check(JSON.nullNode(), s).stream()
                        .filter(e -> e.contains("does not know"))
                        .toList()));
    assertThat(errors).isEmpty();
    for (String ref : doc.findValuesAsText("$ref")) {
      assertThat(schemas.resolve(ref)).isNotNull();
    }
  }

  @Test
  void the_examples_of_api_md_conform() throws IOException {
    String markdown = Files.readString(API_MD);
    List<Example> examples = examples(markdown);
    int curls = markdown.split("```sh\n", -1).length - 1;
    assertThat(curls).isGreaterThanOrEqualTo(15);
    assertThat(examples.stream().filter(e -> e.method() != null))
        .as("a reply after every curl")
        .hasSize(curls);
    assertThat(examples.stream().filter(e -> e.method() == null))
        .as("the problem example")
        .hasSize(1);
    List<String> errors = new ArrayList<>();
    for (Example e : examples) {
      errors.addAll(e.check(this).stream().map(m -> e.where + ": " + m).toList());
    }
    assertThat(errors).isEmpty();
  }

  /** One sh block (a curl) and the json block after it, or a json block alone (a problem). */
  private record Example(
      String where, String method, String path, String requestBody, int status, String replyBody) {
    List<String> check(OpenApiTest t) throws IOException {
      if (method == null) {
        return t.schemas.check(t.read(replyBody), t.doc.at("/components/schemas/Problem"));
      }
      JsonNode op = t.operation(method, path);
      if (op == null) {
        return List.of("no operation " + method + " " + path + " in openapi.json");
      }
      List<String> errors = new ArrayList<>();
      if (requestBody != null) {
        errors.addAll(
            t.schemas.check(
                t.read(requestBody), op.at("/requestBody/content/application~1json/schema")));
      } else if (op.at("/requestBody/required").asBoolean()) {
        errors.add("the operation requires a body");
      }
      JsonNode reply = op.at("/responses/" + status + "/content");
      if (reply.isMissingNode()) {
        return List.of("no response " + status);
      }
      JsonNode schema =
          reply.has("application/json")
              ? reply.get("application/json").get("schema")
              : reply.get("application/problem+json").get("schema");
      errors.addAll(t.schemas.check(t.read(replyBody), schema));
      return errors;
    }
  }

  private static List<Example> examples(String markdown) {
    List<Example> out = new ArrayList<>();
    String[] blocks = markdown.split("```");
    String heading = "";
    String curl = null;
    for (int i = 1; i < blocks.length; i += 2) {
      String before = blocks[i - 1];
      int h = before.lastIndexOf("\n#");
      if (h >= 0) {
        heading = before.substring(h + 1, before.indexOf('\n', h + 1));
      }
      String block = blocks[i];
      if (block.startsWith("sh\n")) {
        curl = block.substring(3).replace("\\\n", " ");
      } else if (block.startsWith("json\n")) {
        String json = block.substring(5);
        Matcher status = STATUS_LINE.matcher(json);
        if (!status.find()) {
          out.add(new Example(heading, null, null, null, 0, json));
          continue;
        }
        Matcher url = CURL_URL.matcher(curl);
        assertThat(url.find()).as(heading + ": a curl to localhost:7654").isTrue();
        Matcher method = CURL_METHOD.matcher(curl);
        Matcher body = CURL_BODY.matcher(curl);
        boolean hasBody = body.find();
        String m = method.find() ? method.group(1) : hasBody ? "POST" : "GET";
        out.add(
            new Example(
                heading + " (" + m + " " + url.group(1) + ")",
                m,
                url.group(1),
                hasBody ? body.group(1) : null,
                Integer.parseInt(status.group(1)),
                json.substring(status.end())));
        curl = null;
      }
    }
    return out;
  }

  /**
   * The operation whose path template matches {@code path}, literal paths first as in the route
   * table.
   */
  private JsonNode operation(String method, String path) {
    JsonNode match = null;
    for (Iterator<String> it = doc.get("paths").fieldNames(); it.hasNext(); ) {
      String template = it.next();
      String regex = "^" + template.replaceAll("\\{[a-z]+}", "[^/]+") + "$";
      JsonNode op = doc.get("paths").get(template).get(method.toLowerCase(Locale.ROOT));
      if (op != null && path.matches(regex) && (match == null || !template.contains("{"))) {
        match = op;
      }
    }
    return match;
  }

  /** Parses JSON as docs/api.md writes it: {@code ,…} leaves fields out. */
  private JsonNode read(String text) throws IOException {
    return JSON.readTree(text.replace(",…}", ",\"" + SchemaCheck.ELIDED + "\":true}"));
  }

  private static JsonNode read(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
