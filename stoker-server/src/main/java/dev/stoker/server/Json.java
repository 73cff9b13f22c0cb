package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.stoker.core.Lease;
import dev.stoker.core.Task;
import dev.stoker.core.Version;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON on the wire, with Jackson's streaming API: no object mapping, no reflection, parameters and
 * results copied through as JSON text. Parsing is strict (duplicate keys are errors) and bounded
 * (nesting depth, number length), so hostile input costs little and fails clearly.
 */
final class Json {
  private Json() {}

  static final int MAX_DEPTH = 64;
  static final int MAX_NUMBER_LENGTH = 64;

  static JsonFactory factory(int maxBodyBytes) {
    return JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxStringLength(maxBodyBytes)
                .maxNameLength(1024)
                .build())
        .build();
  }

  /** Writes a time field as RFC 3339 (see {@link Rfc3339}). */
  static void timeField(JsonGenerator g, String name, long epochMillis) throws IOException {
    g.writeFieldName(name);
    char[] text = Rfc3339.format(epochMillis);
    g.writeString(text, 0, text.length);
  }

  /** Writes a JSON document with {@code body} and returns its bytes. */
  static byte[] write(JsonFactory f, Body body) {
    ByteArrayBuilder out = new ByteArrayBuilder(512);
    try (JsonGenerator g = f.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @FunctionalInterface
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * Writes a task. The lease token is a capability: it is written, signed with {@code tokenSigner},
   * only in the replies to the worker that claimed the task (claim, heartbeat); with a null signer
   * (whoever reads or lists tasks) it is left out. {@code duplicate} marks an enqueue answered with
   * an existing live task.
   */
  static void task(JsonGenerator g, Task t, TokenSigner tokenSigner, boolean duplicate)
      throws IOException {
    g.writeStartObject();
    taskFields(g, t, tokenSigner, duplicate);
    g.writeEndObject();
  }

  /**
   * The fields of {@link #task}, into an object the caller opened (a finish's reply adds {@code
   * next}).
   */
  static void taskFields(JsonGenerator g, Task t, TokenSigner tokenSigner, boolean duplicate)
      throws IOException {
    g.writeStringField("id", t.id().toString());
    g.writeStringField("queue", t.queue());
    g.writeStringField("name", t.name());
    g.writeFieldName("params");
    g.writeRawValue(t.paramsJson());
    g.writeNumberField("priority", t.priority());
    timeField(g, "run_at", t.runAt());
    if (t.uniqueKey() != null) {
      g.writeStringField("unique_key", t.uniqueKey());
    }
    g.writeNumberField("max_attempts", t.maxAttempts());
    g.writeNumberField("attempt", t.attempt());
    g.writeStringField("state", t.state().wireName());
    Lease lease = t.lease();
    if (lease != null) {
      g.writeObjectFieldStart("lease");
      g.writeStringField("owner", lease.owner());
      if (tokenSigner != null) {
        g.writeStringField("token", tokenSigner.sign(lease.token()));
      }
      timeField(g, "expires_at", lease.expiresAt());
      g.writeEndObject();
      if (lease.progressJson() != null) {
        g.writeFieldName("progress");
        g.writeRawValue(lease.progressJson());
      }
    }
    if (t.resultJson() != null) {
      g.writeFieldName("result");
      g.writeRawValue(t.resultJson());
    }
    if (t.lastError() != null) {
      g.writeStringField("last_error", t.lastError());
    }
    if (t.traceparent() != null) {
      g.writeStringField("traceparent", t.traceparent());
    }
    timeField(g, "created_at", t.createdAt());
    timeField(g, "updated_at", t.updatedAt());
    Version v = t.version();
    g.writeStringField(
        "version",
        v.done()
            + "."
            + v.generation()
            + "."
            + v.terminalRank()
            + "."
            + v.epoch()
            + "."
            + v.phase()
            + "."
            + v.hlc()
            + "."
            + v.node());
    if (duplicate) {
      g.writeBooleanField("duplicate", true);
    }
  }

  static byte[] problem(JsonFactory f, Problem p) {
    return write(
        f,
        g -> {
          g.writeStartObject();
          g.writeStringField("type", p.type());
          g.writeStringField("title", p.title());
          g.writeNumberField("status", p.status());
          g.writeStringField("detail", p.detail());
          if (p.field() != null) {
            g.writeStringField("field", p.field());
          }
          if (p.state() != null) {
            g.writeStringField("state", p.state());
          }
          g.writeEndObject();
        });
  }

  /** Copies the value at the parser's current token as compact JSON text. */
  static String copyValue(JsonFactory f, JsonParser p) throws IOException {
    java.io.StringWriter w = new java.io.StringWriter();
    try (JsonGenerator g = f.createGenerator(w)) {
      g.copyCurrentStructure(p);
    }
    return w.toString();
  }
}
