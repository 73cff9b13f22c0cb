package dev.stoker.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** JSON on the wire of API v1 (docs/api.md): what the client sends and how it reads the replies. */
final class Wire {
  private Wire() {}

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * Built on first use: registering the modules found on the class path costs a class path scan.
   */
  private static final class DefaultMapper {
    static final ObjectMapper INSTANCE = new ObjectMapper().findAndRegisterModules();
  }

  static ObjectMapper defaultMapper() {
    return DefaultMapper.INSTANCE;
  }

  static <T> T decode(ObjectMapper mapper, JsonNode node, Class<T> type, String what) {
    if (node == null) {
      return null;
    }
    if (type.isInstance(node)) {
      return type.cast(node);
    }
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot decode the "
              + what
              + " as "
              + type.getName()
              + ": "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
          e);
    }
  }

  /** A Java value as a JSON tree, with the caller's mapper; null stays null. */
  static JsonNode tree(ObjectMapper mapper, Object value, String what) {
    if (value == null) {
      return null;
    }
    if (value instanceof JsonNode n) {
      return n;
    }
    try {
      JsonNode n = mapper.valueToTree(value);
      return n == null ? NullNode.getInstance() : n;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot serialise the "
              + what
              + " (a "
              + value.getClass().getName()
              + ") as JSON: "
              + e.getMessage(),
          e);
    }
  }

  /** Checks that {@code json} is exactly one JSON value. */
  static void checkJsonText(String json, String what) {
    if (json == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException(
            what + " is empty: give one JSON value, such as {} or null");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IllegalArgumentException(what + " holds more than one JSON value");
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " cannot be read: " + e.getMessage(), e);
    }
  }

  static String time(Instant t) {
    return RFC3339.format(t);
  }

  static long millis(Duration d, String what) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, was " + d);
    }
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(what + " is too long: " + d, e);
    }
  }

  /** The body of one task spec ({@code POST /v1/queues/{queue}/tasks}, docs/api.md "Enqueue"). */
  static ObjectNode spec(ObjectMapper mapper, TaskRequest r) {
    ObjectNode n = mapper.createObjectNode();
    n.put("name", r.name());
    if (r.paramsJson() != null) {
      n.putRawValue("params", new RawValue(r.paramsJson()));
    } else if (r.params() != null) {
      n.set("params", tree(mapper, r.params(), "params of task '" + r.name() + "'"));
    }
    if (r.priority() != 0) {
      n.put("priority", r.priority());
    }
    if (r.delay() != null) {
      n.put("delay_ms", millis(r.delay(), "delay"));
    }
    if (r.runAt() != null) {
      n.put("run_at", time(r.runAt()));
    }
    if (r.uniqueKey() != null) {
      n.put("unique_key", r.uniqueKey());
    }
    if (r.maxAttempts() != null) {
      n.put("max_attempts", r.maxAttempts());
    }
    return n;
  }

  /** The body of {@code PUT /v1/queues/{queue}}: only the fields that are set. */
  static ObjectNode settings(ObjectMapper mapper, SettingsUpdate u) {
    ObjectNode n = mapper.createObjectNode();
    if (u.lease() != null) {
      n.put("lease_ms", millis(u.lease(), "lease"));
    }
    if (u.maxAttempts() != null) {
      n.put("max_attempts", u.maxAttempts());
    }
    if (u.backoffInitial() != null || u.backoffMultiplier() != null || u.backoffMax() != null) {
      ObjectNode b = n.putObject("backoff");
      if (u.backoffInitial() != null) {
        b.put("initial_ms", millis(u.backoffInitial(), "backoffInitial"));
      }
      if (u.backoffMultiplier() != null) {
        b.put("multiplier", u.backoffMultiplier());
      }
      if (u.backoffMax() != null) {
        b.put("max_ms", millis(u.backoffMax(), "backoffMax"));
      }
    }
    if (u.retention() != null) {
      n.put("retention_ms", millis(u.retention(), "retention"));
    }
    if (u.paused() != null) {
      n.put("paused", u.paused());
    }
    return n;
  }

  // ---- reading replies ----

  static Task task(JsonNode n) {
    requireObject(n, "task");
    JsonNode leaseNode = n.get("lease");
    Lease lease = null;
    if (leaseNode != null && !leaseNode.isNull()) {
      lease =
          new Lease(
              text(leaseNode, "owner"),
              optionalText(leaseNode, "token"),
              instant(leaseNode, "expires_at"));
    }
    String stateName = text(n, "state");
    TaskState state = TaskState.fromWireName(stateName);
    if (state == null) {
      throw new StokerProtocolException(
          "unknown task state '" + stateName + "' in the server's reply", null);
    }
    JsonNode params = n.get("params");
    return new Task(
        text(n, "id"),
        text(n, "queue"),
        text(n, "name"),
        params == null ? NullNode.getInstance() : params,
        integer(n, "priority"),
        instant(n, "run_at"),
        optionalText(n, "unique_key"),
        integer(n, "max_attempts"),
        integer(n, "attempt"),
        state,
        lease,
        n.get("progress"),
        n.get("result"),
        optionalText(n, "last_error"),
        instant(n, "created_at"),
        instant(n, "updated_at"),
        n.path("duplicate").asBoolean(false),
        optionalText(n, "traceparent"));
  }

  static List<Task> tasks(JsonNode reply) {
    requireObject(reply, "reply");
    JsonNode array = reply.get("tasks");
    if (array == null || !array.isArray()) {
      throw new StokerProtocolException("the server's reply has no \"tasks\" array", null);
    }
    List<Task> out = new ArrayList<>(array.size());
    for (JsonNode t : array) {
      out.add(task(t));
    }
    return out;
  }

  static QueueCounts counts(JsonNode n) {
    requireObject(n, "counts");
    return new QueueCounts(
        count(n, "pending"),
        count(n, "scheduled"),
        count(n, "working"),
        count(n, "done"),
        count(n, "dead"),
        count(n, "cancelled"));
  }

  static QueueSettings queueSettings(JsonNode n) {
    requireObject(n, "settings");
    JsonNode b = n.get("backoff");
    requireObject(b, "backoff");
    QueueSettings.Backoff backoff =
        new QueueSettings.Backoff(
            Duration.ofMillis(count(b, "initial_ms")),
            number(b, "multiplier"),
            Duration.ofMillis(count(b, "max_ms")));
    return new QueueSettings(
        Duration.ofMillis(count(n, "lease_ms")),
        integer(n, "max_attempts"),
        backoff,
        Duration.ofMillis(count(n, "retention_ms")),
        n.path("paused").asBoolean(false));
  }

  static QueueInfo queueInfo(JsonNode n) {
    requireObject(n, "queue");
    JsonNode s = n.get("settings");
    return new QueueInfo(
        text(n, "name"),
        counts(n.get("counts")),
        s == null ? null : queueSettings(s),
        n.path("paused").asBoolean(false));
  }

  static CompletionResult completionResult(JsonNode n) {
    requireObject(n, "result");
    int status = integer(n, "status");
    JsonNode t = n.get("task");
    TaskState state =
        n.hasNonNull("state") ? TaskState.fromWireName(n.get("state").asText()) : null;
    return new CompletionResult(
        text(n, "id"),
        status,
        t == null || t.isNull() ? null : task(t),
        optionalText(n, "error"),
        state);
  }

  private static void requireObject(JsonNode n, String what) {
    if (n == null || !n.isObject()) {
      throw new StokerProtocolException(
          "the server's reply has no " + what + " object where one belongs", null);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new StokerProtocolException(
          "the server's reply has no string \"" + field + "\" where one belongs: " + n, null);
    }
    return v.asText();
  }

  private static String optionalText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static int integer(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new StokerProtocolException(
          "the server's reply has no integer \"" + field + "\" where one belongs", null);
    }
    return v.intValue();
  }

  private static long count(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToLong()) {
      throw new StokerProtocolException(
          "the server's reply has no integer \"" + field + "\" where one belongs", null);
    }
    return v.longValue();
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber()) {
      throw new StokerProtocolException(
          "the server's reply has no number \"" + field + "\" where one belongs", null);
    }
    return v.doubleValue();
  }

  private static Instant instant(JsonNode n, String field) {
    String s = text(n, field);
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new StokerProtocolException(
          "\"" + field + "\" in the server's reply is not an RFC 3339 time: " + s, e);
    }
  }
}
