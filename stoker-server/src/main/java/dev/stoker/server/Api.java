package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.stoker.core.InvalidInput;
import dev.stoker.core.Limits;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP+JSON API v1 (docs/api.md) as a function from a request to a {@link Response}, independent
 * of the HTTP server that carries it. Bodies are decoded by {@link Requests}, the work is done by the
 * {@link TaskStore}, and every refusal is a problem+json that names the field and the limit.
 */
final class Api {
  private static final Logger log = LoggerFactory.getLogger(Api.class);
  static final int DEFAULT_LIST_LIMIT = 100;
  static final int MAX_LIST_LIMIT = 1_000;

  private final TaskStore store;
  private final JsonFactory json;
  private final Requests requests;
  private final TokenSigner tokens;
  private volatile boolean ready = true;
  /** Set on a node of an AP cluster: the routes under /v1/cluster. */
  private volatile ClusterEndpoint cluster;

  Api(TaskStore store, byte[] leaseTokenKey, Limits limits, int maxBodyBytes) {
    this.store = store;
    this.json = Json.factory(maxBodyBytes);
    this.requests = new Requests(json, limits);
    this.tokens = new TokenSigner(leaseTokenKey);
  }

  /**
   * The store's token inside a token a worker sent, or a token that names no claim when the
   * signature does not check (the store then answers as for any stale token: 409).
   */
  private String storeToken(String signed) {
    String token = tokens.verify(signed);
    return token != null ? token : "";
  }

  void cluster(ClusterEndpoint endpoint) {
    this.cluster = endpoint;
  }

  /** Marks the server as draining: {@code /readyz} answers 503 so load balancers stop sending. */
  void draining() {
    ready = false;
  }

  Response handle(String method, String path, String query, String contentType, byte[] body) {
    return handle(method, path, query, contentType, body, Visibility.ALL);
  }

  /** Answers a request that may see only the queues {@code visible} covers (docs/security.md). */
  Response handle(String method, String path, String query, String contentType, byte[] body, Visibility visible) {
    try {
      return route(method, path, query, contentType, body, visible);
    } catch (MethodNotAllowed m) {
      return problem(m.problem).withHeader("Allow", m.allowed);
    } catch (Problem.Refusal r) {
      return problem(r.problem);
    } catch (InvalidInput e) {
      int status = e.kind() == InvalidInput.Kind.TOO_LARGE ? 413 : 422;
      String type = status == 413 ? "too-large" : "invalid-field";
      return problem(Problem.of(status, type, status == 413 ? "Request too large" : "Invalid field", e.getMessage())
          .withField(e.field()));
    } catch (StoreUnavailableException e) {
      return problem(Problem.of(503, "unavailable", "Store unavailable", e.getMessage())).withHeader("Retry-After", "1");
    } catch (RuntimeException e) {
      log.error("{} {} failed", method, path, e);
      return problem(Problem.of(500, "internal", "Internal error", "the server failed to handle the request; see its log"));
    }
  }

  Response problem(Problem p) {
    return new Response(p.status(), Response.PROBLEM, Json.problem(json, p), Map.of());
  }

  private Response route(String method, String path, String query, String contentType, byte[] body,
      Visibility visible) {
    String[] s = segments(path);
    if (s.length == 1 && (s[0].equals("healthz") || s[0].equals("readyz"))) {
      allow(method, "GET");
      boolean ok = s[0].equals("healthz") || ready;
      return Response.json(ok ? 200 : 503, Json.write(json, g -> {
        g.writeStartObject();
        g.writeStringField("status", ok ? "ok" : "draining");
        g.writeEndObject();
      }));
    }
    if (s.length < 2 || !s[0].equals("v1")) {
      throw notFound(path);
    }
    ClusterEndpoint node = cluster;
    if (s[1].equals("cluster") && node != null) {
      return ClusterRoutes.handle(node, method, s, contentType, body);
    }
    if (s[1].equals("queues")) {
      if (s.length == 2) {
        allow(method, "GET");
        return queues(visible);
      }
      String queue = queueName(s[2]);
      if (s.length == 3) {
        allow(method, "GET", "PUT");
        if (method.equals("GET")) {
          return queue(store.queueGet(queue));
        }
        checkJson(contentType, body);
        QueueSettings updated = store.queueUpdate(queue, requests.settings(body));
        return Response.json(200, Json.write(json, g -> settings(g, updated)));
      }
      if (s.length == 4) {
        switch (s[3]) {
          case "tasks" -> {
            allow(method, "GET", "POST");
            if (method.equals("GET")) {
              return list(queue, query);
            }
            checkJson(contentType, body);
            return enqueue(queue, body);
          }
          case "claim" -> {
            allow(method, "POST");
            checkJson(contentType, body);
            return claim(requests.claim(queue, body));
          }
          case "redrive" -> {
            allow(method, "POST");
            checkJsonIfAny(contentType, body);
            RedriveResult redriven = store.queueRedrive(queue, requests.redriveLimit(body));
            return Response.json(200, Json.write(json, g -> {
              g.writeStartObject();
              g.writeNumberField("moved", redriven.moved());
              g.writeNumberField("skipped", redriven.skipped());
              g.writeEndObject();
            }));
          }
          default -> throw notFound(path);
        }
      }
      throw notFound(path);
    }
    if (s[1].equals("tasks")) {
      if (s.length == 3 && s[2].equals("complete")) {
        allow(method, "POST");
        checkJson(contentType, body);
        List<Completion> signed = requests.completeMany(body);
        List<Completion> verified = new java.util.ArrayList<>(signed.size());
        for (Completion c : signed) {
          verified.add(new Completion(c.id(), storeToken(c.token()), c.resultJson()));
        }
        return completeMany(verified, visible);
      }
      if (s.length == 3) {
        allow(method, "GET");
        TaskId id = Requests.parseId("id", s[2]);
        return store.taskGet(id).filter(t -> visible.sees(t.queue()))
            .map(t -> Response.json(200, Json.write(json, g -> hidden(g, t))))
            .orElseThrow(() -> Problem.notFound("no task " + id));
      }
      if (s.length == 4) {
        TaskId id = Requests.parseId("id", s[2]);
        allow(method, "POST");
        return switch (s[3]) {
          case "heartbeat" -> {
            checkJson(contentType, body);
            Requests.TokenBody b = requests.tokenBody(body, "token", "lease_ms");
            reveal(id, visible);
            yield outcome(store.taskHeartbeat(id, storeToken(b.token()), b.leaseMs()), tokens);
          }
          case "complete" -> {
            checkJson(contentType, body);
            Requests.TokenBody b = requests.tokenBody(body, "token", "result");
            reveal(id, visible);
            yield outcome(store.taskComplete(id, storeToken(b.token()), b.resultJson()), null);
          }
          case "fail" -> {
            checkJson(contentType, body);
            Requests.TokenBody b = requests.tokenBody(body, "token", "error", "permanent", "retry_in_ms");
            reveal(id, visible);
            yield outcome(store.taskFail(new FailParams(id, storeToken(b.token()), b.error(), b.permanent(),
                b.retryInMs())), null);
          }
          case "release" -> {
            checkJson(contentType, body);
            Requests.TokenBody b = requests.tokenBody(body, "token", "delay_ms");
            reveal(id, visible);
            yield outcome(store.taskRelease(id, storeToken(b.token()), b.delayMs()), null);
          }
          case "cancel" -> {
            checkJsonIfAny(contentType, body);
            if (body.length > 0) {
              ObjectReader r = ObjectReader.open(json, body);
              if (r.nextField() != null) {
                throw r.unknown();
              }
              r.end();
            }
            reveal(id, visible);
            yield outcome(store.taskCancel(id), null);
          }
          default -> throw notFound(path);
        };
      }
    }
    throw notFound(path);
  }

  private Response enqueue(String queue, byte[] body) {
    Requests.Enqueue e = requests.enqueue(body);
    List<EnqueueResult> results = store.taskEnqueueMany(queue, e.specs());
    if (!e.batch()) {
      EnqueueResult r = results.get(0);
      return Response.json(r.duplicate() ? 200 : 201, Json.write(json, g -> enqueued(g, r)));
    }
    boolean anyNew = results.stream().anyMatch(r -> !r.duplicate());
    return Response.json(anyNew ? 201 : 200, Json.write(json, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      for (EnqueueResult r : results) {
        enqueued(g, r);
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private static void enqueued(JsonGenerator g, EnqueueResult r) throws IOException {
    Json.task(g, r.task(), null, r.duplicate());
  }

  private static void hidden(JsonGenerator g, Task t) throws IOException {
    Json.task(g, t, null, false);
  }

  private Response claim(ClaimParams params) {
    List<Task> tasks = store.taskClaimMany(params);
    return Response.json(200, Json.write(json, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      for (Task t : tasks) {
        Json.task(g, t, tokens, false);
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  /**
   * Refuses an operation on a task of a queue the request may not see, exactly as the store refuses
   * one on a task that does not exist: after the body was checked, with the same 404.
   */
  private void reveal(TaskId id, Visibility visible) {
    if (!visible.all() && store.taskGet(id).filter(t -> visible.sees(t.queue())).isEmpty()) {
      throw refusal(new Outcome.NotFound(id)).refusal();
    }
  }

  private Response completeMany(List<Completion> completions, Visibility visible) {
    List<Outcome> outcomes = visible.all() ? store.taskCompleteMany(completions)
        : VisibleCompletions.complete(store, completions, visible);
    return Response.json(200, Json.write(json, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("results");
      for (int i = 0; i < outcomes.size(); i++) {
        Outcome o = outcomes.get(i);
        g.writeStartObject();
        g.writeStringField("id", completions.get(i).id().toString());
        if (o instanceof Outcome.Ok ok) {
          g.writeNumberField("status", 200);
          g.writeFieldName("task");
          hidden(g, ok.task());
        } else {
          Problem p = refusal(o);
          g.writeNumberField("status", p.status());
          g.writeStringField("type", p.type());
          g.writeStringField("error", p.detail());
          if (p.state() != null) {
            g.writeStringField("state", p.state());
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  /** The reply to an operation on one task; {@code tokenSigner} non-null shows the lease token. */
  private Response outcome(Outcome o, TokenSigner tokenSigner) {
    if (o instanceof Outcome.Ok ok) {
      return Response.json(200, Json.write(json, g -> Json.task(g, ok.task(), tokenSigner, false)));
    }
    return problem(refusal(o));
  }

  private static Problem refusal(Outcome o) {
    return switch (o) {
      case Outcome.Ok ok -> throw new IllegalArgumentException("not a refusal");
      case Outcome.NotFound nf -> Problem.of(404, "not-found", "Not found", "no task " + nf.id());
      case Outcome.StaleToken st -> Problem.of(409, "stale-token", "Lease lost",
          "the token does not name the current claim of task " + st.current().id() + ", which is "
              + st.current().state().wireName()).withState(st.current().state().wireName());
      case Outcome.AlreadyFinished af -> Problem.of(409, "already-finished", "Task already finished",
          "task " + af.current().id() + " is already " + af.current().state().wireName())
          .withState(af.current().state().wireName());
    };
  }

  private Response queues(Visibility visible) {
    List<QueueInfo> all = store.queueList();
    return Response.json(200, Json.write(json, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("queues");
      for (QueueInfo q : all) {
        if (!visible.sees(q.name())) {
          continue;
        }
        g.writeStartObject();
        g.writeStringField("name", q.name());
        counts(g, q);
        g.writeBooleanField("paused", q.settings().paused());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private Response queue(QueueInfo q) {
    return Response.json(200, Json.write(json, g -> {
      g.writeStartObject();
      g.writeStringField("name", q.name());
      counts(g, q);
      g.writeFieldName("settings");
      settings(g, q.settings());
      g.writeBooleanField("paused", q.settings().paused());
      g.writeEndObject();
    }));
  }

  private static void counts(JsonGenerator g, QueueInfo q) throws IOException {
    g.writeObjectFieldStart("counts");
    g.writeNumberField("pending", q.counts().pending());
    g.writeNumberField("scheduled", q.counts().scheduled());
    g.writeNumberField("working", q.counts().working());
    g.writeNumberField("done", q.counts().done());
    g.writeNumberField("dead", q.counts().dead());
    g.writeNumberField("cancelled", q.counts().cancelled());
    g.writeEndObject();
  }

  private static void settings(JsonGenerator g, QueueSettings s) throws IOException {
    g.writeStartObject();
    g.writeNumberField("lease_ms", s.leaseMs());
    g.writeNumberField("max_attempts", s.maxAttempts());
    g.writeObjectFieldStart("backoff");
    g.writeNumberField("initial_ms", s.backoff().initialMs());
    g.writeNumberField("multiplier", s.backoff().multiplier());
    g.writeNumberField("max_ms", s.backoff().maxMs());
    g.writeEndObject();
    g.writeNumberField("retention_ms", s.retentionMs());
    g.writeBooleanField("paused", s.paused());
    g.writeEndObject();
  }

  private Response list(String queue, String query) {
    Query q = Query.parse(query);
    q.only("state", "name", "limit", "cursor");
    TaskState state = null;
    String stateText = q.get("state");
    if (stateText != null) {
      state = TaskState.fromWireName(stateText);
      if (state == null) {
        throw Problem.of(400, "invalid-query", "Invalid query parameter",
            "state must be one of pending, working, done, dead, cancelled").withField("state").refusal();
      }
    }
    int limit = q.integer("limit", 1, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT);
    String name = q.get("name");
    String cursor = q.get("cursor");
    Page page;
    try {
      if (name != null) {
        Limits.checkText("name", name, Limits.MAX_TASK_NAME);
      }
      page = store.taskList(new ListParams(queue, state, name, limit, cursor));
    } catch (InvalidInput e) {
      throw Problem.of(400, "invalid-query", "Invalid query parameter", e.getMessage()).withField(e.field()).refusal();
    }
    return Response.json(200, Json.write(json, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      for (Task t : page.tasks()) {
        hidden(g, t);
      }
      g.writeEndArray();
      if (page.nextCursor() == null) {
        g.writeNullField("next_cursor");
      } else {
        g.writeStringField("next_cursor", page.nextCursor());
      }
      g.writeEndObject();
    }));
  }

  static String[] segments(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() ? new String[0] : p.split("/", -1);
  }

  private static String queueName(String segment) {
    if (!Limits.isQueueName(segment)) {
      throw Problem.of(400, "invalid-queue-name", "Invalid queue name", "'" + Requests.abbreviate(segment)
          + "' is not a queue name: 1–" + Limits.MAX_QUEUE_NAME + " characters of [A-Za-z0-9._-]")
          .withField("queue").refusal();
    }
    return segment;
  }

  static void allow(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new MethodNotAllowed(new Problem(405, Problem.BASE + "method-not-allowed", "Method not allowed",
        method + " is not allowed here; use " + String.join(" or ", allowed), null, null), String.join(", ", allowed));
  }

  /** A 405, which must say in an Allow header what is allowed (RFC 9110). */
  private static final class MethodNotAllowed extends RuntimeException {
    final Problem problem;
    final String allowed;

    MethodNotAllowed(Problem problem, String allowed) {
      super(problem.detail(), null, false, false);
      this.problem = problem;
      this.allowed = allowed;
    }
  }

  private static void checkJson(String contentType, byte[] body) {
    if (contentType == null || !isJson(contentType)) {
      throw Problem.of(415, "unsupported-media-type", "Unsupported media type",
          "send the body as Content-Type: application/json").refusal();
    }
  }

  private static void checkJsonIfAny(String contentType, byte[] body) {
    if (body.length > 0) {
      checkJson(contentType, body);
    }
  }

  private static boolean isJson(String contentType) {
    String base = contentType.split(";", 2)[0].trim();
    return base.equalsIgnoreCase("application/json");
  }

  private static Problem.Refusal notFound(String path) {
    return Problem.of(404, "unknown-endpoint", "Unknown endpoint",
        "no such endpoint: " + Requests.abbreviate(path) + " (see docs/api.md)").refusal();
  }
}
