package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import dev.stoker.core.InvalidInput;
import dev.stoker.core.Limits;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.SettingsPatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Decodes and checks request bodies into the store port's parameters. */
final class Requests {
  private final JsonFactory json;
  private final Limits limits;

  Requests(JsonFactory json, Limits limits) {
    this.json = json;
    this.limits = limits;
  }

  /** The body of an enqueue: one spec, or {@code {"tasks":[…]}}. */
  record Enqueue(List<TaskSpec> specs, boolean batch) {}

  Enqueue enqueue(byte[] body) {
    ObjectReader r = ObjectReader.open(json, body);
    List<TaskSpec> specs = null;
    Spec single = new Spec();
    boolean sawSpecField = false;
    for (String f = r.nextField(); f != null; f = r.nextField()) {
      if (f.equals("tasks")) {
        specs = specList(r);
      } else {
        sawSpecField = true;
        single.read(r);
      }
    }
    r.end();
    if (specs != null) {
      if (sawSpecField) {
        throw Problem.invalid("tasks", "give either one task or {\"tasks\": [...]}, not both");
      }
      return new Enqueue(specs, true);
    }
    return new Enqueue(List.of(single.build("")), false);
  }

  private List<TaskSpec> specList(ObjectReader r) {
    r.startArray();
    List<TaskSpec> specs = new ArrayList<>();
    try {
      while (r.nextElement()) {
        String at = "tasks[" + specs.size() + "]";
        if (specs.size() == Limits.MAX_BATCH) {
          throw Problem.tooLarge("tasks", "a batch holds at most " + Limits.MAX_BATCH + " tasks");
        }
        ObjectReader item = r.nested(at);
        Spec s = new Spec();
        for (String f = item.nextField(); f != null; f = item.nextField()) {
          s.read(item);
        }
        specs.add(s.build(at + "."));
      }
    } catch (IOException e) {
      throw ObjectReader.malformed(e);
    }
    if (specs.isEmpty()) {
      throw Problem.invalid("tasks", "tasks must hold 1–" + Limits.MAX_BATCH + " tasks");
    }
    return specs;
  }

  /** The fields of one task spec, as read. */
  private final class Spec {
    String name;
    String params = "null";
    int priority;
    Long runAt;
    Long delayMs;
    String uniqueKey;
    Integer maxAttempts;

    void read(ObjectReader r) {
      switch (r.field()) {
        case "name" -> name = r.string();
        case "params" -> {
          params = r.raw();
          limits.checkJsonSize(r.name(), utf8Length(params));
        }
        case "priority" -> priority = (int) r.integer(Integer.MIN_VALUE, Integer.MAX_VALUE);
        case "run_at" -> runAt = r.isNull() ? null : r.time();
        case "delay_ms" -> delayMs = r.isNull() ? null : r.integer(0, Limits.MAX_DURATION_MS);
        case "unique_key" -> uniqueKey = r.isNull() ? null : r.string();
        case "max_attempts" ->
            maxAttempts = r.isNull() ? null : (int) r.integer(1, Limits.MAX_ATTEMPTS);
        default -> throw r.unknown();
      }
    }

    TaskSpec build(String prefix) {
      if (name == null) {
        throw Problem.invalid(prefix + "name", prefix + "name is required");
      }
      try {
        return limits.check(
            new TaskSpec(name, params, priority, runAt, delayMs, uniqueKey, maxAttempts));
      } catch (InvalidInput e) {
        throw prefix.isEmpty() ? e : e.within(prefix.substring(0, prefix.length() - 1));
      }
    }
  }

  ClaimParams claim(String queue, byte[] body) {
    ObjectReader r = ObjectReader.open(json, body);
    ClaimPart c = readClaim(r, false);
    r.end();
    return c.in(queue);
  }

  /**
   * The claim fields of a claim body, or of the {@code claim} object a finish carries to claim in
   * the same request; {@code queue} is null when the object names none (the finished task's queue).
   */
  record ClaimPart(String queue, String worker, int max, Long leaseMs, long waitMs) {
    ClaimParams in(String defaultQueue) {
      return new ClaimParams(queue != null ? queue : defaultQueue, worker, max, leaseMs, waitMs);
    }
  }

  /** Reads claim fields; a nested claim object may also name its {@code queue}. */
  private static ClaimPart readClaim(ObjectReader r, boolean nested) {
    String queue = null;
    String worker = null;
    int max = 1;
    Long leaseMs = null;
    long waitMs = 0;
    for (String f = r.nextField(); f != null; f = r.nextField()) {
      switch (f) {
        case "worker" -> worker = Limits.checkText(r.name(), r.string(), Limits.MAX_WORKER);
        case "max" -> max = (int) r.integer(1, Limits.MAX_BATCH);
        case "lease_ms" -> leaseMs = r.isNull() ? null : r.integer(1, Limits.MAX_DURATION_MS);
        case "wait_ms" -> waitMs = r.integer(0, Limits.MAX_WAIT_MS);
        case "queue" -> {
          if (!nested) {
            throw r.unknown();
          }
          queue = r.string();
          if (!Limits.isQueueName(queue)) {
            throw Problem.invalid(
                r.name(),
                "'"
                    + abbreviate(queue)
                    + "' is not a queue name: 1–"
                    + Limits.MAX_QUEUE_NAME
                    + " characters of [A-Za-z0-9._-]");
          }
        }
        default -> throw r.unknown();
      }
    }
    String prefix = nested ? "claim." : "";
    if (worker == null) {
      throw Problem.invalid(
          prefix + "worker",
          prefix
              + "worker is required: a string naming who claims (1–"
              + Limits.MAX_WORKER
              + " characters)");
    }
    return new ClaimPart(queue, worker, max, leaseMs, waitMs);
  }

  private static ClaimPart nestedClaim(ObjectReader r) {
    try {
      return readClaim(r.nested(r.name()), true);
    } catch (IOException e) {
      throw ObjectReader.malformed(e);
    }
  }

  /**
   * The fields of heartbeat, complete, fail and release bodies; {@code claim} is the claim a finish
   * asks for in the same request, or null.
   */
  record TokenBody(
      String token,
      Long leaseMs,
      String progressJson,
      String resultJson,
      String error,
      boolean permanent,
      Long retryInMs,
      long delayMs,
      ClaimPart claim) {}

  /**
   * Reads a body that carries a lease token; {@code allowed} lists the fields this operation takes.
   */
  TokenBody tokenBody(byte[] body, String... allowed) {
    ObjectReader r = ObjectReader.open(json, body);
    TokenBody b = readTokenFields(r, java.util.Set.of(allowed));
    r.end();
    return b;
  }

  private TokenBody readTokenFields(ObjectReader r, java.util.Set<String> allowed) {
    String token = null;
    Long leaseMs = null;
    String progress = null;
    String result = null;
    String error = null;
    boolean permanent = false;
    Long retryInMs = null;
    long delayMs = 0;
    ClaimPart claim = null;
    for (String f = r.nextField(); f != null; f = r.nextField()) {
      String local = f;
      if (!allowed.contains(local)) {
        throw r.unknown();
      }
      switch (local) {
        case "token" -> token = r.string();
        case "lease_ms" -> leaseMs = r.isNull() ? null : r.integer(1, Limits.MAX_DURATION_MS);
        case "progress" -> {
          progress = r.raw();
          Limits.checkProgressSize(r.name(), utf8Length(progress));
        }
        case "result" -> {
          result = r.raw();
          limits.checkJsonSize(r.name(), utf8Length(result));
        }
        case "error" -> error = Limits.checkText(r.name(), r.string(), Limits.MAX_ERROR);
        case "permanent" -> permanent = r.bool();
        case "retry_in_ms" -> retryInMs = r.isNull() ? null : r.integer(0, Limits.MAX_DURATION_MS);
        case "delay_ms" -> delayMs = r.integer(0, Limits.MAX_DURATION_MS);
        case "claim" -> claim = nestedClaim(r);
        default -> throw r.unknown();
      }
    }
    if (token == null) {
      throw Problem.invalid(
          prefixOf(r) + "token", prefixOf(r) + "token is required: the lease token of the claim");
    }
    if (allowed.contains("error") && error == null) {
      throw Problem.invalid(
          prefixOf(r) + "error", prefixOf(r) + "error is required: what went wrong");
    }
    return new TokenBody(
        token, leaseMs, progress, result, error, permanent, retryInMs, delayMs, claim);
  }

  private static String prefixOf(ObjectReader r) {
    String n = r.name();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(0, dot + 1);
  }

  /**
   * The body of {@code POST /v1/tasks/complete}: the completions, and the claim to make after them
   * or null.
   */
  record CompleteMany(List<Completion> completions, ClaimPart claim) {}

  CompleteMany completeMany(byte[] body) {
    ObjectReader r = ObjectReader.open(json, body);
    List<Completion> out = null;
    ClaimPart claim = null;
    for (String f = r.nextField(); f != null; f = r.nextField()) {
      if (f.equals("claim")) {
        claim = nestedClaim(r);
        continue;
      }
      if (!f.equals("tasks")) {
        throw r.unknown();
      }
      r.startArray();
      out = new ArrayList<>();
      try {
        while (r.nextElement()) {
          String at = "tasks[" + out.size() + "]";
          if (out.size() == Limits.MAX_BATCH) {
            throw Problem.tooLarge(
                "tasks", "a batch holds at most " + Limits.MAX_BATCH + " completions");
          }
          ObjectReader item = r.nested(at);
          TaskId id = null;
          String token = null;
          String result = null;
          for (String g = item.nextField(); g != null; g = item.nextField()) {
            switch (g) {
              case "id" -> id = parseId(item.name(), item.string());
              case "token" -> token = item.string();
              case "result" -> {
                result = item.raw();
                limits.checkJsonSize(item.name(), utf8Length(result));
              }
              default -> throw item.unknown();
            }
          }
          if (id == null || token == null) {
            throw Problem.invalid(
                at + (id == null ? ".id" : ".token"), at + " needs an id and a token");
          }
          out.add(new Completion(id, token, result));
        }
      } catch (IOException e) {
        throw ObjectReader.malformed(e);
      }
    }
    r.end();
    if (out == null || out.isEmpty()) {
      throw Problem.invalid("tasks", "tasks must hold 1–" + Limits.MAX_BATCH + " completions");
    }
    return new CompleteMany(out, claim);
  }

  /** The body of {@code POST /v1/queues/{q}/redrive}: an optional limit. */
  int redriveLimit(byte[] body) {
    if (body.length == 0) {
      return DEFAULT_REDRIVE;
    }
    ObjectReader r = ObjectReader.open(json, body);
    int limit = DEFAULT_REDRIVE;
    for (String f = r.nextField(); f != null; f = r.nextField()) {
      if (!f.equals("limit")) {
        throw r.unknown();
      }
      limit = (int) r.integer(1, MAX_REDRIVE);
    }
    r.end();
    return limit;
  }

  static final int DEFAULT_REDRIVE = 1_000;
  static final int MAX_REDRIVE = 100_000;

  SettingsPatch settings(byte[] body) {
    ObjectReader r = ObjectReader.open(json, body);
    Long leaseMs = null;
    Integer maxAttempts = null;
    Long initialMs = null;
    Double multiplier = null;
    Long maxMs = null;
    Long retentionMs = null;
    Boolean paused = null;
    try {
      for (String f = r.nextField(); f != null; f = r.nextField()) {
        switch (f) {
          case "lease_ms" -> leaseMs = r.integer(1, Limits.MAX_DURATION_MS);
          case "max_attempts" -> maxAttempts = (int) r.integer(1, Limits.MAX_ATTEMPTS);
          case "retention_ms" -> retentionMs = r.integer(0, 10 * Limits.MAX_DURATION_MS);
          case "paused" -> paused = r.bool();
          case "backoff" -> {
            ObjectReader b = r.nested("backoff");
            for (String g = b.nextField(); g != null; g = b.nextField()) {
              switch (g) {
                case "initial_ms" -> initialMs = b.integer(0, Limits.MAX_DURATION_MS);
                case "multiplier" -> multiplier = b.number(1.0, 100.0);
                case "max_ms" -> maxMs = b.integer(0, Limits.MAX_DURATION_MS);
                default -> throw b.unknown();
              }
            }
          }
          default -> throw r.unknown();
        }
      }
    } catch (IOException e) {
      throw ObjectReader.malformed(e);
    }
    r.end();
    return new SettingsPatch(
        leaseMs, maxAttempts, initialMs, multiplier, maxMs, retentionMs, paused);
  }

  static TaskId parseId(String field, String text) {
    TaskId id = TaskId.tryParse(text);
    if (id == null) {
      throw Problem.of(
              400,
              "invalid-id",
              "Invalid task id",
              "'" + abbreviate(text) + "' is not a task id (26 characters of base32)")
          .withField(field)
          .refusal();
    }
    return id;
  }

  static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }

  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
