package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.stoker.core.InvalidInput;
import dev.stoker.core.Limits;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Traceparent;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.CompletedAndClaimed;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskStore;
import dev.stoker.server.RouteTable.Route;
import dev.stoker.server.auth.Role.Action;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP+JSON API v1 (docs/api.md) as a function from a request to a {@link Response},
 * independent of the HTTP server that carries it. {@link #ROUTES} names every endpoint; bodies are
 * decoded by {@link Requests}, the work is done by the {@link TaskStore}, and every refusal is a
 * problem+json that names the field and the limit.
 */
final class Api {
  private static final Logger log = LoggerFactory.getLogger(Api.class);
  static final int DEFAULT_LIST_LIMIT = 100;
  static final int MAX_LIST_LIMIT = 1_000;

  /** The claim endpoint. */
  static final Route CLAIM = new Route("POST", "/v1/queues/{queue}/claim", Action.WORK, Api::claim);

  /**
   * The metrics, which show every queue's name: {@link AccessControl} lets only tokens that see all
   * queues read them.
   */
  static final Route METRICS = new Route("GET", "/metrics", Action.READ, Api::metrics);

  /**
   * Every endpoint; a path is the first pattern it matches, so literal segments come before {@code
   * {id}}.
   */
  static final RouteTable ROUTES =
      new RouteTable(
          List.of(
              new Route("GET", "/healthz", null, Api::health),
              new Route("GET", "/readyz", null, Api::readiness),
              METRICS,
              new Route("GET", "/openapi.json", null, Api::openApi),
              new Route("GET", "/", null, Dashboard::index),
              new Route("GET", "/ui/{version}/{asset}", null, Dashboard::asset),
              new Route("GET", "/v1/queues", Action.READ, Api::queues),
              new Route("GET", "/v1/queues/{queue}", Action.READ, Api::queue),
              new Route("PUT", "/v1/queues/{queue}", Action.MANAGE, Api::updateQueue),
              new Route("GET", "/v1/queues/{queue}/tasks", Action.READ, Api::list),
              new Route("POST", "/v1/queues/{queue}/tasks", Action.ENQUEUE, Api::enqueue),
              CLAIM,
              new Route("POST", "/v1/queues/{queue}/redrive", Action.MANAGE, Api::redrive),
              new Route(
                  "POST", "/v1/queues/{queue}/tasks/cancel", Action.MANAGE, Api::cancelMatching),
              new Route(
                  "POST", "/v1/queues/{queue}/tasks/retry", Action.MANAGE, Api::retryMatching),
              new Route("POST", "/v1/tasks/complete", Action.WORK, Api::completeMany),
              new Route("GET", "/v1/tasks/{id}", Action.READ, Api::task),
              new Route("POST", "/v1/tasks/{id}/heartbeat", Action.WORK, Api::heartbeat),
              new Route("POST", "/v1/tasks/{id}/complete", Action.WORK, Api::complete),
              new Route("POST", "/v1/tasks/{id}/fail", Action.WORK, Api::fail),
              new Route("POST", "/v1/tasks/{id}/release", Action.WORK, Api::release),
              new Route("POST", "/v1/tasks/{id}/cancel", Action.MANAGE, Api::cancel),
              new Route("POST", "/v1/tasks/{id}/retry", Action.MANAGE, Api::retry),
              new Route("GET", "/v1/events", Action.READ, Api::events),
              new Route("GET", "/v1/cluster", Action.READ, Api::clusterStatus),
              new Route("POST", "/v1/cluster/exchange", null, Api::clusterExchange)),
          Map.of(
              "{queue}",
              Api::queueName,
              "{id}",
              Api::taskId,
              "{version}",
              Dashboard::anySegment,
              "{asset}",
              Dashboard::anySegment));

  private final TaskStore store;
  private final Metrics metrics = new Metrics();
  private final ChangeFeed feed = new ChangeFeed();
  private final Tracing tracing = new Tracing();

  /** How long an event stream may stay silent before it sends a keep-alive comment. */
  private volatile long keepAliveMs = EventStream.DEFAULT_KEEP_ALIVE_MS;

  private final JsonFactory json;
  private final Requests requests;
  private final TokenSigner tokens;
  private final StoreHealth storeHealth;
  private volatile boolean ready = true;

  /** Set on a node of an AP cluster: the routes under /v1/cluster, which answer 404 elsewhere. */
  private volatile ClusterEndpoint cluster;

  Api(TaskStore store, byte[] leaseTokenKey, Limits limits, int maxBodyBytes) {
    metrics.countersOf(store);
    this.store = new ObservedStore(store, metrics, feed);
    this.json = Json.factory(maxBodyBytes);
    this.requests = new Requests(json, limits);
    this.tokens = new TokenSigner(leaseTokenKey);
    this.storeHealth = new StoreHealth(store);
  }

  /**
   * The store's token inside a token a worker sent, or a token that names no claim when the
   * signature does not check (the store then answers as for any stale token: 409).
   */
  private String storeToken(String signed) {
    String token = tokens.verify(signed);
    return token != null ? token : "";
  }

  Metrics metrics() {
    return metrics;
  }

  /** Sets how long event streams may stay silent (tests wait less than the default 15 s). */
  void keepAlive(long ms) {
    keepAliveMs = ms;
  }

  void cluster(ClusterEndpoint endpoint) {
    this.cluster = endpoint;
    metrics.cluster(endpoint);
  }

  private ClusterEndpoint clusterNode() {
    ClusterEndpoint node = cluster;
    if (node == null) {
      throw Problem.notFound("this server is not a node of a cluster (stoker serve --cluster)");
    }
    return node;
  }

  private Response clusterStatus(Call c) {
    return ClusterRoutes.status(clusterNode());
  }

  private Response clusterExchange(Call c) {
    return ClusterRoutes.exchange(clusterNode(), c.contentType(), c.body());
  }

  /** Marks the server as draining: {@code /readyz} answers 503 so load balancers stop sending. */
  void draining() {
    ready = false;
    feed.close();
  }

  Response handle(String method, String path, String query, String contentType, byte[] body) {
    return handle(
        method,
        path,
        query,
        contentType,
        body,
        Visibility.ALL,
        ClientConnection.UNKNOWN,
        RequestHeaders.NONE);
  }

  /**
   * Answers a request that may see only the queues {@code visible} covers (docs/security.md), from
   * a client on {@code client}, with the request's other {@code headers}.
   */
  Response handle(
      String method,
      String path,
      String query,
      String contentType,
      byte[] body,
      Visibility visible,
      ClientConnection client,
      RequestHeaders headers) {
    if (!tracing.enabled()) {
      return answer(method, path, query, contentType, body, visible, client, headers);
    }
    Span span = tracing.start(method, ROUTES.route(method, path), headers);
    Response r = null;
    try (Scope ignored = span.makeCurrent()) {
      r = answer(method, path, query, contentType, body, visible, client, headers);
      return r;
    } finally {
      Tracing.end(span, r == null ? 500 : r.status());
    }
  }

  private Response answer(
      String method,
      String path,
      String query,
      String contentType,
      byte[] body,
      Visibility visible,
      ClientConnection client,
      RequestHeaders headers) {
    try {
      RouteTable.Match m = ROUTES.match(method, path);
      return m.route()
          .handler()
          .handle(this, new Call(query, contentType, body, visible, client, headers, m.params()));
    } catch (RouteTable.MethodNotAllowed m) {
      return problem(m.problem).withHeader("Allow", m.allowed);
    } catch (Problem.Refusal r) {
      Response refused = problem(r.problem);
      return r.problem.status() == 429 ? refused.withHeader("Retry-After", "1") : refused;
    } catch (InvalidInput e) {
      int status = e.kind() == InvalidInput.Kind.TOO_LARGE ? 413 : 422;
      String type = status == 413 ? "too-large" : "invalid-field";
      return problem(
          Problem.of(
                  status,
                  type,
                  status == 413 ? "Request too large" : "Invalid field",
                  e.getMessage())
              .withField(e.field()));
    } catch (StoreUnavailableException e) {
      if (ready) {
        storeHealth.failed(e);
      }
      return problem(Problem.of(503, "unavailable", "Store unavailable", e.getMessage()))
          .withHeader("Retry-After", "1");
    } catch (RuntimeException e) {
      log.error("{} {} failed", method, path, e);
      return problem(
          Problem.of(
              500,
              "internal",
              "Internal error",
              "the server failed to handle the request; see its log"));
    }
  }

  Response problem(Problem p) {
    return new Response(p.status(), Response.PROBLEM, Json.problem(json, p), Map.of());
  }

  /**
   * One request to a route: what a handler reads of it. The path's parameters are checked when
   * read, so each handler decides in which order the parts of a request are checked.
   */
  record Call(
      String query,
      String contentType,
      byte[] body,
      Visibility visible,
      ClientConnection client,
      RequestHeaders headers,
      Map<String, String> params) {
    /** The path's queue name; a 400 when it is not a valid one. */
    String queue() {
      return queueName(params.get("{queue}"));
    }

    /** The path's task id; a 400 when it is not one. */
    TaskId id() {
      return taskId(params.get("{id}"));
    }

    /** The body, which must be JSON (415 otherwise). */
    byte[] jsonBody() {
      if (contentType == null || !isJson(contentType)) {
        throw Problem.of(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as Content-Type: application/json")
            .refusal();
      }
      return body;
    }

    /** The body, which must be JSON if there is one. */
    byte[] jsonBodyIfAny() {
      return body.length > 0 ? jsonBody() : body;
    }

    private static boolean isJson(String contentType) {
      String base = contentType.split(";", 2)[0].trim();
      return base.equalsIgnoreCase("application/json");
    }
  }

  private Response health(Call c) {
    return status(200, "ok");
  }

  /**
   * Ready unless draining for shutdown, a cluster node that may not hand out tasks yet (joining,
   * rejoining), or the store failed a request and has not answered a probe since.
   */
  private Response readiness(Call c) {
    if (!ready) {
      return status(503, "draining");
    }
    ClusterEndpoint node = cluster;
    String notDispatching = node == null ? null : node.notReady();
    if (notDispatching != null) {
      return status(503, notDispatching);
    }
    return storeHealth.up() ? status(200, "ok") : status(503, "unavailable");
  }

  private Response status(int code, String status) {
    return Response.json(
        code,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeStringField("status", status);
              g.writeEndObject();
            }));
  }

  private Response metrics(Call c) {
    byte[] text = metrics.scrape(store).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return new Response(200, Metrics.CONTENT_TYPE, text, Map.of());
  }

  private Response openApi(Call c) {
    return Response.json(200, OpenApi.document());
  }

  /**
   * The task transitions of one queue ({@code ?queue=}), or of every queue the request may see, as
   * Server-Sent Events from now on, or from after the {@code Last-Event-ID} the client sends.
   */
  private Response events(Call c) {
    Query q = Query.parse(c.query());
    q.only("queue");
    String queue = q.get("queue");
    java.util.function.Predicate<String> queues = c.visible()::sees;
    if (queue != null) {
      if (!Limits.isQueueName(queue)) {
        throw Problem.of(
                400,
                "invalid-query",
                "Invalid query parameter",
                "queue '"
                    + Requests.abbreviate(queue)
                    + "' is not a queue name: 1–"
                    + Limits.MAX_QUEUE_NAME
                    + " characters of [A-Za-z0-9._-]")
            .withField("queue")
            .refusal();
      }
      if (!c.visible().sees(queue)) {
        throw Problem.of(403, "forbidden", "Forbidden", "the token may not use the queue " + queue)
            .withField("queue")
            .refusal();
      }
      queues = queue::equals;
    }
    return Response.streamed(
        EventStream.CONTENT_TYPE,
        Map.of("Cache-Control", "no-store"),
        new EventStream(feed, json, queues, c.headers().first("Last-Event-ID"), keepAliveMs));
  }

  private Response queues(Call c) {
    List<QueueInfo> all = store.queueList();
    return Response.json(
        200,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeArrayFieldStart("queues");
              for (QueueInfo q : all) {
                if (!c.visible().sees(q.name())) {
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

  private Response queue(Call c) {
    QueueInfo q = store.queueGet(c.queue());
    return Response.json(
        200,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeStringField("name", q.name());
              counts(g, q);
              g.writeFieldName("settings");
              settings(g, q.settings());
              g.writeBooleanField("paused", q.settings().paused());
              g.writeEndObject();
            }));
  }

  private Response updateQueue(Call c) {
    String queue = c.queue();
    QueueSettings updated = store.queueUpdate(queue, requests.settings(c.jsonBody()));
    return Response.json(200, Json.write(json, g -> settings(g, updated)));
  }

  private Response redrive(Call c) {
    String queue = c.queue();
    byte[] body = c.jsonBodyIfAny();
    RedriveResult redriven = store.queueRedrive(queue, requests.redriveLimit(body));
    return Response.json(
        200,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeNumberField("moved", redriven.moved());
              g.writeNumberField("skipped", redriven.skipped());
              g.writeEndObject();
            }));
  }

  private Response task(Call c) {
    TaskId id = c.id();
    return store
        .taskGet(id)
        .filter(t -> c.visible().sees(t.queue()))
        .map(t -> Response.json(200, Json.write(json, g -> writeTaskWithoutToken(g, t))))
        .orElseThrow(() -> Problem.notFound("no task " + id));
  }

  private Response heartbeat(Call c) {
    Settle s = settle(c, "token", "lease_ms", "progress");
    return outcome(
        store.taskHeartbeat(s.id(), s.storeToken(), s.body().leaseMs(), s.body().progressJson()),
        tokens);
  }

  private Response complete(Call c) {
    Settle s = settleFinish(c, "token", "result");
    Requests.ClaimPart claim = s.body().claim();
    if (claim == null || !claimsHere(c)) {
      return finish(c, s, (id, token, b) -> store.taskComplete(id, token, b.resultJson()));
    }
    // The completion and its claim in one call: a store may write both at once (etcd: one
    // transaction instead of two per worker cycle).
    Runnable slot = claimSlot(c);
    try {
      long began = System.nanoTime();
      CompletedAndClaimed r =
          store.taskCompleteAndClaim(s.id(), s.storeToken(), s.body().resultJson(), claim::in);
      if (!(r.outcome() instanceof Outcome.Ok ok)) {
        return outcome(r.outcome(), null);
      }
      Task finished = ok.task();
      return claimReply(
          c,
          claim.in(finished.queue()),
          began,
          ClusterClaims.Claimed.here(r.claimed()),
          g -> Json.taskFields(g, finished, null, false));
    } finally {
      slot.run();
    }
  }

  private Response fail(Call c) {
    return finish(
        c,
        settleFinish(c, "token", "error", "permanent", "retry_in_ms"),
        (id, token, b) ->
            store.taskFail(new FailParams(id, token, b.error(), b.permanent(), b.retryInMs())));
  }

  private Response release(Call c) {
    return finish(
        c,
        settleFinish(c, "token", "delay_ms"),
        (id, token, b) -> store.taskRelease(id, token, b.delayMs()));
  }

  /**
   * What a finish does to a claimed task: the path's id, the store's token from the body, and the
   * body.
   */
  @FunctionalInterface
  private interface ClaimedTaskOperation {
    Outcome apply(TaskId id, String storeToken, Requests.TokenBody body);
  }

  /**
   * A checked request on a claimed task: the path's id, the store's token inside the body's, the
   * body.
   */
  private record Settle(TaskId id, String storeToken, Requests.TokenBody body) {}

  /**
   * Checks the id, then a body of the {@code fields} given, then that the request may see the task.
   */
  private Settle settle(Call c, String... fields) {
    TaskId id = c.id();
    Requests.TokenBody b = requests.tokenBody(c.jsonBody(), fields);
    requireVisible(id, c.visible());
    return new Settle(id, storeToken(b.token()), b);
  }

  /**
   * Finishes a claimed task (complete, fail, release) and, when the body has a {@code claim},
   * claims the next tasks in the same request. The claim part is checked with the rest of the
   * request, before anything is applied; it is made only once the finish succeeded, so a refused
   * finish claims nothing.
   */
  private Response finish(Call c, Settle s, ClaimedTaskOperation operation) {
    Requests.ClaimPart claim = s.body().claim();
    Runnable slot = claim == null ? NO_SLOT : claimSlot(c);
    try {
      Outcome o = operation.apply(s.id(), s.storeToken(), s.body());
      if (claim == null || !(o instanceof Outcome.Ok ok)) {
        return outcome(o, null);
      }
      Task finished = ok.task();
      return claimReply(
          c, claim.in(finished.queue()), g -> Json.taskFields(g, finished, null, false));
    } finally {
      slot.run();
    }
  }

  /**
   * Checks a finish request (its {@code fields} and an optional {@code claim}) before anything is
   * applied.
   */
  private Settle settleFinish(Call c, String... fields) {
    String[] withClaim = java.util.Arrays.copyOf(fields, fields.length + 1);
    withClaim[fields.length] = "claim";
    Settle s = settle(c, withClaim);
    requireClaimable(s.body().claim(), c.visible());
    return s;
  }

  private static final Runnable NO_SLOT = () -> {};

  /**
   * A claim that answered sooner than this did not wait, and its client is not asked whether it
   * hung up: the look (a few system calls) took 3 % of a busy server's CPU when every claim paid
   * it, and a client gone within this long is as rare as one gone just after its reply.
   */
  private static final long WAITED_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /**
   * Counts a claim against the limit of claims in flight of the request's token (429 beyond it,
   * before anything is applied) until the returned slot is run; no limit without tokens.
   */
  private static Runnable claimSlot(Call c) {
    return c.visible() instanceof Tokens.Grant grant ? grant.takeClaim() : NO_SLOT;
  }

  /**
   * Refuses (403) a claim part naming a queue the request may not use, as the claim endpoint would
   * be.
   */
  private static void requireClaimable(Requests.ClaimPart claim, Visibility visible) {
    if (claim != null && claim.queue() != null && !visible.sees(claim.queue())) {
      throw Problem.of(
              403,
              "forbidden",
              "Forbidden",
              "the token may not use the queue " + claim.queue() + " (claim.queue)")
          .withField("claim.queue")
          .refusal();
    }
  }

  private Response cancel(Call c) {
    return outcome(store.taskCancel(taskWithoutBody(c)), null);
  }

  private Response retry(Call c) {
    return outcome(store.taskRetry(taskWithoutBody(c)), null);
  }

  /**
   * The path's task id of an operation that takes no fields: checks that the body, if any, is
   * {@code {}}, and that the request may see the task.
   */
  private TaskId taskWithoutBody(Call c) {
    TaskId id = c.id();
    noFields(c.jsonBodyIfAny());
    requireVisible(id, c.visible());
    return id;
  }

  /** Checks that a body, if any, is {@code {}}. */
  private void noFields(byte[] body) {
    if (body.length > 0) {
      ObjectReader r = ObjectReader.open(json, body);
      if (r.nextField() != null) {
        throw r.unknown();
      }
      r.end();
    }
  }

  private Response enqueue(Call c) {
    String queue = c.queue();
    String traceparent = traceparent(c);
    Requests.Enqueue e = requests.enqueue(c.jsonBody());
    List<TaskSpec> specs =
        traceparent == null
            ? e.specs()
            : e.specs().stream().map(s -> s.inTrace(traceparent)).toList();
    List<EnqueueResult> results = store.taskEnqueueMany(queue, specs);
    if (!e.batch()) {
      EnqueueResult r = results.get(0);
      return Response.json(r.duplicate() ? 200 : 201, Json.write(json, g -> enqueued(g, r)));
    }
    boolean anyNew = results.stream().anyMatch(r -> !r.duplicate());
    return Response.json(
        anyNew ? 201 : 200,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeArrayFieldStart("tasks");
              for (EnqueueResult r : results) {
                enqueued(g, r);
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  /** The request's {@code traceparent} header, checked (400 naming it), or null. */
  private static String traceparent(Call c) {
    String value = c.headers().first(Tracing.HEADER);
    if (value == null) {
      return null;
    }
    try {
      return Traceparent.check(Tracing.HEADER, value);
    } catch (InvalidInput e) {
      throw Problem.of(400, "invalid-header", "Invalid header", e.getMessage())
          .withField(Tracing.HEADER)
          .refusal();
    }
  }

  private static void enqueued(JsonGenerator g, EnqueueResult r) throws IOException {
    Json.task(g, r.task(), null, r.duplicate());
  }

  /**
   * A task as anyone who may read it sees it: its lease without the token, which only its claimer
   * gets.
   */
  private static void writeTaskWithoutToken(JsonGenerator g, Task t) throws IOException {
    Json.task(g, t, null, false);
  }

  /**
   * Claims, waiting if asked to. Tasks that would go to a client that hung up while the claim
   * waited, or whose reply cannot be written, are released (pending again at once, the attempt not
   * counted): nobody would work them, and they would sit out a lease first.
   */
  private Response claim(Call c) {
    String queue = c.queue();
    ClaimParams params = requests.claim(queue, c.jsonBody());
    Runnable slot = claimSlot(c);
    try {
      return claimReply(c, params, null);
    } finally {
      slot.run();
    }
  }

  /**
   * Claims as {@code params} ask and answers {@code {"tasks":[…]}}; after a finish ({@code
   * finished} writes the finish's own reply fields) the tasks go in its reply as {@code "next"}.
   */
  private Response claimReply(Call c, ClaimParams params, Json.Body finished) {
    long began = System.nanoTime();
    return claimReply(c, params, began, claimHereOrAtAPeer(c, params), finished);
  }

  /** Answers a claim made since {@code began} (nanoTime) with what it {@code claimed}. */
  private Response claimReply(
      Call c, ClaimParams params, long began, ClusterClaims.Claimed claimed, Json.Body finished) {
    Tracing.linkClaimed(claimed.local());
    if (!claimed.isEmpty()
        && params.waitMs() > 0
        && System.nanoTime() - began >= WAITED_NANOS
        && c.client().closed()) {
      releaseUndelivered(c, claimed, "its client hung up while the claim waited");
      claimed = ClusterClaims.Claimed.here(List.of());
    }
    ClusterClaims.Claimed got = claimed;
    return Response.json(
            200,
            Json.write(
                json,
                g -> {
                  g.writeStartObject();
                  if (finished != null) {
                    finished.write(g);
                    g.writeObjectFieldStart("next");
                  }
                  if (got.forwardedTasks() != null) {
                    g.writeFieldName("tasks");
                    g.writeRawValue(got.forwardedTasks());
                  } else {
                    g.writeArrayFieldStart("tasks");
                    for (Task t : got.local()) {
                      Json.task(g, t, tokens, false);
                    }
                    g.writeEndArray();
                  }
                  if (finished != null) {
                    g.writeEndObject();
                  }
                  g.writeEndObject();
                }))
        .whenUndelivered(() -> releaseUndelivered(c, got, "the reply could not be written"));
  }

  /**
   * Claims in this store, or — on a node of a cluster, for a claim no other node forwarded — at the
   * peer with most ready tasks when this node has none it may hand out ({@link ClusterClaims}).
   */
  private ClusterClaims.Claimed claimHereOrAtAPeer(Call c, ClaimParams params) {
    ClusterEndpoint node = cluster;
    if (node == null || claimsHere(c)) {
      return ClusterClaims.Claimed.here(store.taskClaimMany(params));
    }
    String authorization = c.headers().first("Authorization");
    return new ClusterClaims(store, node, json)
        .claim(
            params,
            authorization,
            c.client(),
            () -> !ready,
            late ->
                releaseUndelivered(
                    authorization, late, "the peer's answer came after the forwarding timeout"));
  }

  /**
   * Whether this request's claim is made in this store alone: always but on a node of a cluster,
   * where only a claim another node forwarded is.
   */
  private boolean claimsHere(Call c) {
    return cluster == null || c.headers().first(ClusterEndpoint.FORWARDED_HEADER) != null;
  }

  /**
   * Releases the tasks of a claim whose worker never got them: those of this node here, and those a
   * peer handed out for a forwarded claim on that peer ({@link ClusterEndpoint#releaseAt}), or,
   * when the peer cannot be reached, here: the release's event takes them back to pending on the
   * peer too (a token of a claim not seen here yet is recorded with it, docs/backends/cluster.md).
   */
  private void releaseUndelivered(Call c, ClusterClaims.Claimed claimed, String why) {
    releaseUndelivered(c.headers().first("Authorization"), claimed, why);
  }

  private void releaseUndelivered(String authorization, ClusterClaims.Claimed claimed, String why) {
    releaseUndelivered(claimed.local(), why);
    if (claimed.forwarded().isEmpty()) {
      return;
    }
    int atPeer = 0;
    int here = 0;
    for (ClusterClaims.Granted t : claimed.forwarded()) {
      if (t.id() == null || t.token() == null) {
        continue;
      }
      if (cluster.releaseAt(claimed.peer(), t.id(), t.token(), authorization)) {
        atPeer++;
      } else if (releaseHere(t)) {
        here++;
      }
    }
    log.info(
        "released {} task(s) node {} handed out for a forwarded claim ({} there, {} here;"
            + " the others wait out their lease): {}",
        atPeer + here,
        claimed.peer(),
        atPeer,
        here,
        why);
  }

  /** Releases a task a peer handed out, in this node's store; whether it was released. */
  private boolean releaseHere(ClusterClaims.Granted t) {
    try {
      return store.taskRelease(TaskId.parse(t.id()), storeToken(t.token()), 0)
          instanceof Outcome.Ok;
    } catch (IllegalArgumentException | StoreUnavailableException e) {
      return false;
    }
  }

  private void releaseUndelivered(List<Task> tasks, String why) {
    for (Task t : tasks) {
      try {
        store.taskRelease(t.id(), t.lease().token(), 0);
      } catch (StoreUnavailableException e) {
        log.warn(
            "task {} not released ({}): it is handed out again when its lease runs out",
            t.id(),
            e.getMessage());
      }
    }
    if (!tasks.isEmpty()) {
      log.info(
          "released {} task(s) claimed for worker '{}': {}",
          tasks.size(),
          tasks.get(0).lease().owner(),
          why);
    }
  }

  /**
   * Refuses an operation on a task of a queue the request may not see, exactly as the store refuses
   * one on a task that does not exist: after the body was checked, with the same 404.
   */
  private void requireVisible(TaskId id, Visibility visible) {
    if (!visible.all() && store.taskGet(id).filter(t -> visible.sees(t.queue())).isEmpty()) {
      throw refusal(new Outcome.NotFound(id)).refusal();
    }
  }

  /**
   * Completes a batch, then makes its claim part if it has one: in {@code claim.queue}, or else the
   * queue of the first task listed that exists for this request, whatever each completion's outcome
   * (each has its own result in the reply). Nothing is claimed when no listed task exists.
   */
  private Response completeMany(Call c) {
    Requests.CompleteMany request = requests.completeMany(c.jsonBody());
    requireClaimable(request.claim(), c.visible());
    Runnable slot = request.claim() == null ? NO_SLOT : claimSlot(c);
    try {
      return completeMany(c, request);
    } finally {
      slot.run();
    }
  }

  private Response completeMany(Call c, Requests.CompleteMany request) {
    List<Completion> completions = new java.util.ArrayList<>(request.completions().size());
    for (Completion s : request.completions()) {
      completions.add(new Completion(s.id(), storeToken(s.token()), s.resultJson()));
    }
    Visibility visible = c.visible();
    List<Outcome> outcomes =
        visible.all()
            ? store.taskCompleteMany(completions)
            : VisibleCompletions.complete(store, completions, visible);
    Json.Body results = g -> results(g, completions, outcomes);
    Requests.ClaimPart claim = request.claim();
    String queue =
        claim == null ? null : claim.queue() != null ? claim.queue() : firstQueue(outcomes);
    if (queue == null) {
      return Response.json(
          200,
          Json.write(
              json,
              g -> {
                g.writeStartObject();
                results.write(g);
                if (claim != null) {
                  g.writeObjectFieldStart("next");
                  g.writeArrayFieldStart("tasks");
                  g.writeEndArray();
                  g.writeEndObject();
                }
                g.writeEndObject();
              }));
    }
    return claimReply(c, claim.in(queue), results);
  }

  /** The queue of the first task of a batch that exists for the request, or null. */
  private static String firstQueue(List<Outcome> outcomes) {
    for (Outcome o : outcomes) {
      Task t =
          switch (o) {
            case Outcome.Ok ok -> ok.task();
            case Outcome.StaleToken st -> st.current();
            case Outcome.AlreadyFinished af -> af.current();
            case Outcome.NotRetryable nr -> nr.current();
            case Outcome.KeyHeld kh -> kh.current();
            case Outcome.NotFound nf -> null;
          };
      if (t != null) {
        return t.queue();
      }
    }
    return null;
  }

  private static void results(JsonGenerator g, List<Completion> completions, List<Outcome> outcomes)
      throws IOException {
    g.writeArrayFieldStart("results");
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      g.writeStartObject();
      g.writeStringField("id", completions.get(i).id().toString());
      if (o instanceof Outcome.Ok ok) {
        g.writeNumberField("status", 200);
        g.writeFieldName("task");
        writeTaskWithoutToken(g, ok.task());
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
      case Outcome.StaleToken st ->
          Problem.of(
                  409,
                  "stale-token",
                  "Lease lost",
                  "the token does not name the current claim of task "
                      + st.current().id()
                      + ", which is "
                      + st.current().state().wireName())
              .withState(st.current().state().wireName());
      case Outcome.AlreadyFinished af ->
          Problem.of(
                  409,
                  "already-finished",
                  "Task already finished",
                  "task " + af.current().id() + " is already " + af.current().state().wireName())
              .withState(af.current().state().wireName());
      case Outcome.NotRetryable nr ->
          Problem.of(
                  409,
                  "not-retryable",
                  "Task not retryable",
                  "task "
                      + nr.current().id()
                      + " is "
                      + nr.current().state().wireName()
                      + ": only a dead or cancelled task can be retried")
              .withState(nr.current().state().wireName());
      case Outcome.KeyHeld kh ->
          Problem.of(
                  409,
                  "unique-key-held",
                  "Unique key held",
                  "the unique_key of task "
                      + kh.current().id()
                      + " is held by the live task "
                      + kh.holder()
                      + ": retry it once that task has finished")
              .withState(kh.current().state().wireName());
    };
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

  private Response list(Call c) {
    String queue = c.queue();
    Query q = Query.parse(c.query());
    q.only("state", "name", "limit", "cursor");
    TaskState state = stateFilter(q);
    int limit = q.integer("limit", 1, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT);
    String name = nameFilter(q);
    String cursor = q.get("cursor");
    Page page;
    try {
      page = store.taskList(new ListParams(queue, state, name, limit, cursor));
    } catch (InvalidInput e) {
      throw Problem.of(400, "invalid-query", "Invalid query parameter", e.getMessage())
          .withField(e.field())
          .refusal();
    }
    return Response.json(
        200,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeArrayFieldStart("tasks");
              for (Task t : page.tasks()) {
                writeTaskWithoutToken(g, t);
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

  /** The {@code state} filter of the list and the bulk actions, or null. */
  private static TaskState stateFilter(Query q) {
    String stateText = q.get("state");
    if (stateText == null) {
      return null;
    }
    TaskState state = TaskState.fromWireName(stateText);
    if (state == null) {
      throw Problem.of(
              400,
              "invalid-query",
              "Invalid query parameter",
              "state must be one of pending, working, done, dead, cancelled")
          .withField("state")
          .refusal();
    }
    return state;
  }

  /** The {@code name} filter of the list and the bulk actions, or null. */
  private static String nameFilter(Query q) {
    String name = q.get("name");
    if (name != null) {
      try {
        Limits.checkText("name", name, Limits.MAX_TASK_NAME);
      } catch (InvalidInput e) {
        throw Problem.of(400, "invalid-query", "Invalid query parameter", e.getMessage())
            .withField(e.field())
            .refusal();
      }
    }
    return name;
  }

  /** Cancels the pending and working tasks of a queue that the list's filter lists. */
  private Response cancelMatching(Call c) {
    List<TaskState> live = List.of(TaskState.PENDING, TaskState.WORKING);
    return matching(c, live, live, store::taskCancel);
  }

  /** Retries the dead (or, with {@code state=cancelled}, cancelled) tasks the filter lists. */
  private Response retryMatching(Call c) {
    return matching(
        c, List.of(TaskState.DEAD, TaskState.CANCELLED), List.of(TaskState.DEAD), store::taskRetry);
  }

  /**
   * A bulk action ({@link BulkAction}): the list's {@code state} and {@code name} filter, the state
   * one of {@code states} ({@code defaults} when not given), and {@code limit}; a body, if any,
   * must be {@code {}}.
   */
  private Response matching(
      Call c,
      List<TaskState> states,
      List<TaskState> defaults,
      java.util.function.Function<TaskId, Outcome> operation) {
    String queue = c.queue();
    Query q = Query.parse(c.query());
    q.only("state", "name", "limit");
    TaskState state = stateFilter(q);
    if (state != null && !states.contains(state)) {
      throw Problem.of(
              400,
              "invalid-query",
              "Invalid query parameter",
              "state must be "
                  + states.stream().map(TaskState::wireName).collect(Collectors.joining(" or "))
                  + " here: only those tasks can change")
          .withField("state")
          .refusal();
    }
    String name = nameFilter(q);
    int limit = q.integer("limit", 1, BulkAction.MAX_LIMIT, BulkAction.DEFAULT_LIMIT);
    noFields(c.jsonBodyIfAny());
    BulkAction.Result r =
        BulkAction.apply(
            store, queue, state != null ? List.of(state) : defaults, name, limit, operation);
    return Response.json(
        200,
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeNumberField("changed", r.changed());
              g.writeNumberField("unchanged", r.unchanged());
              g.writeBooleanField("more", r.more());
              g.writeEndObject();
            }));
  }

  private static String queueName(String segment) {
    if (!Limits.isQueueName(segment)) {
      throw Problem.of(
              400,
              "invalid-queue-name",
              "Invalid queue name",
              "'"
                  + Requests.abbreviate(segment)
                  + "' is not a queue name: 1–"
                  + Limits.MAX_QUEUE_NAME
                  + " characters of [A-Za-z0-9._-]")
          .withField("queue")
          .refusal();
    }
    return segment;
  }

  private static TaskId taskId(String segment) {
    return Requests.parseId("id", segment);
  }

  /**
   * The segments of a path between its slashes, without one leading and one trailing slash: {@code
   * "/v1/tasks/ID/complete/"} is {@code [v1, tasks, ID, complete]}, and an empty segment stays one
   * ({@code "/a//b"} is {@code [a, , b]}). Written out, not {@code split}: every request comes
   * here.
   */
  static String[] segments(String path) {
    int from = path.startsWith("/") ? 1 : 0;
    int to = path.length() > from && path.endsWith("/") ? path.length() - 1 : path.length();
    if (to <= from) {
      return new String[0];
    }
    int n = 1;
    for (int i = from; i < to; i++) {
      if (path.charAt(i) == '/') {
        n++;
      }
    }
    String[] out = new String[n];
    int start = from;
    for (int k = 0; k < n - 1; k++) {
      int slash = path.indexOf('/', start);
      out[k] = path.substring(start, slash);
      start = slash + 1;
    }
    out[n - 1] = path.substring(start, to);
    return out;
  }
}
