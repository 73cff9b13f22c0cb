package dev.stoker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stoker.client.QueueCounts;
import dev.stoker.client.QueueInfo;
import dev.stoker.client.QueueSettings;
import dev.stoker.client.Task;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Prints what the client returns: aligned tables for people, the API's JSON for scripts. */
final class Output {
  static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

  private Output() {}

  /** A task as the API writes it (snake_case fields, RFC 3339 times). */
  static ObjectNode task(Task t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", t.id()).put("queue", t.queue()).put("name", t.name());
    n.set("params", t.params());
    n.put("priority", t.priority()).put("run_at", time(t.runAt()));
    if (t.uniqueKey() != null) {
      n.put("unique_key", t.uniqueKey());
    }
    n.put("max_attempts", t.maxAttempts()).put("attempt", t.attempt()).put("state", state(t));
    if (t.lease() != null) {
      ObjectNode l = n.putObject("lease").put("owner", t.lease().owner());
      if (t.lease().token() != null) {
        l.put("token", t.lease().token());
      }
      l.put("expires_at", time(t.lease().expiresAt()));
    }
    if (t.result() != null) {
      n.set("result", t.result());
    }
    if (t.lastError() != null) {
      n.put("last_error", t.lastError());
    }
    n.put("created_at", time(t.createdAt())).put("updated_at", time(t.updatedAt()));
    if (t.duplicate()) {
      n.put("duplicate", true);
    }
    return n;
  }

  static ObjectNode queue(QueueInfo q) {
    ObjectNode n = JSON.createObjectNode().put("name", q.name());
    QueueCounts c = q.counts();
    n.putObject("counts")
        .put("pending", c.pending())
        .put("scheduled", c.scheduled())
        .put("working", c.working())
        .put("done", c.done())
        .put("dead", c.dead())
        .put("cancelled", c.cancelled());
    if (q.settings() != null) {
      n.set("settings", settings(q.settings()));
    }
    n.put("paused", q.paused());
    return n;
  }

  static ObjectNode settings(QueueSettings s) {
    ObjectNode n =
        JSON.createObjectNode()
            .put("lease_ms", s.lease().toMillis())
            .put("max_attempts", s.maxAttempts());
    n.putObject("backoff")
        .put("initial_ms", s.backoff().initial().toMillis())
        .put("multiplier", s.backoff().multiplier())
        .put("max_ms", s.backoff().max().toMillis());
    n.put("retention_ms", s.retention().toMillis()).put("paused", s.paused());
    return n;
  }

  static void json(PrintStream out, JsonNode node) {
    try {
      out.println(JSON.writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints a task an operation changed: as JSON, or one line saying {@code what} happened. */
  static void changed(ClientOptions options, String what, Task t) {
    if (options.json) {
      json(System.out, task(t));
    } else {
      System.out.println(what + " " + t.id() + " (" + t.name() + ")");
    }
  }

  static String state(Task t) {
    return t.state().name().toLowerCase(java.util.Locale.ROOT);
  }

  static String time(Instant i) {
    return i == null ? null : i.toString();
  }

  /** A human duration: 30s, 5m, 2h, 7d. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0 && ms > 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0 && ms > 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }

  /** A table with left-aligned columns separated by two spaces. */
  static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    Table row(Object... cells) {
      String[] r = new String[cells.length];
      for (int i = 0; i < cells.length; i++) {
        r[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
      }
      rows.add(r);
      return this;
    }

    void print(PrintStream out) {
      int cols = rows.get(0).length;
      int[] width = new int[cols];
      for (String[] r : rows) {
        for (int i = 0; i < cols; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cols; i++) {
          line.append(i == cols - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
        }
        out.println(line.toString().stripTrailing());
      }
    }
  }
}
