package dev.stoker.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A client of a Stoker server's HTTP API v1: enqueue tasks (producer), claim and settle them (the
 * operations a {@link Worker} is built on), and look after queues (admin).
 *
 * <pre>{@code
 * try (StokerClient client = StokerClient.builder().baseUrl("http://127.0.0.1:7654").build()) {
 *   Task t = client.enqueue("emails", TaskRequest.of("send_welcome").params(Map.of("to", "ada@example.com")));
 * }
 * }</pre>
 *
 * <p>A client is immutable and thread-safe: share one per server. Every call blocks (it is cheap on
 * virtual threads) and either returns or throws a {@link StokerException}: {@link ProblemException}
 * when the server refused the request, {@link StokerUnavailableException} when it could not be
 * reached or could not serve. The client itself never retries: a request that failed may or may not
 * have taken effect, and only the caller knows whether repeating it is safe (the {@link Worker}
 * does retry the calls that are).
 */
public final class StokerClient implements AutoCloseable {
  /** The base URL of a server started with the defaults: {@code http://127.0.0.1:7654}. */
  public static final URI DEFAULT_BASE_URL = URI.create("http://127.0.0.1:7654");

  /** The most tasks (or completions) one request carries; longer lists are sent in several. */
  public static final int MAX_BATCH = 1_000;

  /** The largest body {@link #enqueueAll} puts in one request before it starts another. */
  static final int MAX_BATCH_BYTES = 4 << 20;

  private static final Pattern INDEXED_FIELD =
      Pattern.compile("^tasks\\[(\\d+)](.*)$", Pattern.DOTALL);

  private final URI baseUrl;
  private final ObjectMapper mapper;
  private final Transport transport;

  private StokerClient(Builder b) {
    this.baseUrl = b.baseUrl;
    this.mapper = b.mapper != null ? b.mapper : Wire.defaultMapper();
    HttpClient http = b.httpClient;
    boolean owns = http == null;
    if (owns) {
      HttpClient.Builder hb =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(b.connectTimeout);
      if (b.sslContext != null) {
        hb.sslContext(b.sslContext);
      }
      http = hb.build();
    }
    this.transport = new Transport(baseUrl, b.token, b.requestTimeout, http, owns, mapper);
  }

  /**
   * A builder of a client, with the defaults: {@link #DEFAULT_BASE_URL}, no token, a request
   * timeout of 30 s and a connect timeout of 5 s.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Configures and builds a {@link StokerClient}. Not thread-safe; build once, then share the
   * client.
   */
  public static final class Builder {
    private URI baseUrl = DEFAULT_BASE_URL;
    private String token;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private ObjectMapper mapper;
    private HttpClient httpClient;
    private javax.net.ssl.SSLContext sslContext;

    private Builder() {}

    /**
     * Trusts the certificates in a PEM file (such as a self-signed server certificate, or a private
     * CA) for {@code https} URLs, instead of the JDK's default trust store. Ignored with {@link
     * #httpClient(HttpClient)}, which brings its own.
     *
     * @param pemFile a file of one or more PEM certificates
     * @return this builder
     * @throws IllegalArgumentException when the file cannot be read or holds no certificate
     */
    public Builder trustCertificates(java.nio.file.Path pemFile) {
      this.sslContext = Trust.fromPem(Objects.requireNonNull(pemFile, "pemFile"));
      return this;
    }

    /**
     * The server's base URL, such as {@code http://127.0.0.1:7654} (the default), or {@code
     * https://example.com/stoker} behind a proxy that serves the API under a path.
     *
     * @param url an http or https URL
     * @return this builder
     * @throws IllegalArgumentException when the URL is not an absolute http(s) URL with a host
     */
    public Builder baseUrl(URI url) {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || url.getHost() == null) {
        throw new IllegalArgumentException(
            "the base URL must be an http(s) URL with a host, like "
                + DEFAULT_BASE_URL
                + "; was "
                + url);
      }
      if (url.getRawQuery() != null || url.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "the base URL must not have a query or fragment: " + url);
      }
      this.baseUrl = url;
      return this;
    }

    /**
     * The server's base URL, as text.
     *
     * @param url an http or https URL
     * @return this builder
     * @throws IllegalArgumentException when the URL is not an absolute http(s) URL with a host
     */
    public Builder baseUrl(String url) {
      Objects.requireNonNull(url, "url");
      try {
        return baseUrl(URI.create(url.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "not a base URL: " + url + " (" + e.getMessage() + ")", e);
      }
    }

    /**
     * The bearer token to send with every request ({@code Authorization: Bearer TOKEN}), for a
     * server with auth enabled; null (the default) sends none.
     *
     * @param token the token, or null
     * @return this builder
     */
    public Builder token(String token) {
      if (token != null && (token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
        throw new IllegalArgumentException("a bearer token is printable ASCII without spaces");
      }
      this.token = token;
      return this;
    }

    /**
     * How long a request may take, from sending it to the end of the reply (default 30 s). A
     * claim's long poll gets its {@code wait} on top of this.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * How long connecting to the server may take (default 5 s). Ignored with {@link
     * #httpClient(HttpClient)}, which brings its own.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * The Jackson mapper that serialises params and results and decodes them in {@link
     * TaskContext#params(Class)} and {@link StokerClient#decode}. The default registers the Jackson
     * modules found on the class path. The client does not change the mapper.
     *
     * @param mapper the mapper
     * @return this builder
     */
    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * The HTTP client to send requests with, for TLS, proxy or executor settings of your own. It
     * should use HTTP/1.1 (the server speaks it). The caller keeps ownership: {@link
     * StokerClient#close()} does not close it. By default the client makes and owns one.
     *
     * @param client the HTTP client
     * @return this builder
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Builds the client. It does not connect until the first request.
     *
     * @return the client
     */
    public StokerClient build() {
      return new StokerClient(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }

  /**
   * The server's base URL this client talks to.
   *
   * @return the base URL
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * The Jackson mapper this client serialises and decodes params and results with.
   *
   * @return the mapper
   */
  public ObjectMapper objectMapper() {
    return mapper;
  }

  /**
   * Decodes a JSON value (a task's params or result) into {@code type} with this client's mapper.
   *
   * @param json the value, or null
   * @param type the class to decode into
   * @param <T> the type
   * @return the value as a {@code T}, or null when {@code json} is null
   * @throws IllegalArgumentException when the value does not fit {@code type}
   */
  public <T> T decode(JsonNode json, Class<T> type) {
    return Wire.decode(mapper, json, type, "value");
  }

  // ---------------------------------------------------------------- producer

  /**
   * Enqueues one task into {@code queue} (created on first use). The task is durable when this
   * returns. With a {@link TaskRequest#uniqueKey(String) unique key} that a live task of the queue
   * already has, nothing is enqueued and that task is returned with {@link Task#duplicate()} true.
   *
   * @param queue the queue's name: 1–128 characters of {@code [A-Za-z0-9._-]}
   * @param request what to enqueue
   * @return the new task (pending), or the existing duplicate
   * @throws ProblemException when the server refuses the request (422 naming the field at fault,
   *     ...)
   * @throws StokerUnavailableException when the server cannot be reached; the task may or may not
   *     have been enqueued (use a unique key to make retries safe)
   */
  public Task enqueue(String queue, TaskRequest request) {
    Objects.requireNonNull(request, "request");
    return Wire.task(
        transport.sendBytes(
            "POST",
            queuePath(queue, "/tasks"),
            bytes(Wire.spec(mapper, request)),
            Duration.ZERO,
            request.traceparent()));
  }

  /**
   * Enqueues one task named {@code name} with these params; a shorthand for {@code enqueue(queue,
   * TaskRequest.of(name).params(params))}.
   *
   * @param queue the queue's name
   * @param name what the worker runs
   * @param params the params, or null
   * @return the new task
   * @throws ProblemException when the server refuses the request
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task enqueue(String queue, String name, Object params) {
    return enqueue(queue, TaskRequest.of(name).params(params));
  }

  /**
   * Enqueues many tasks into {@code queue}, in requests of at most {@link #MAX_BATCH} tasks (and
   * about 4 MiB; a new request starts where the {@link TaskRequest#traceparent(String) traceparent}
   * changes, as it is a header of the request). Each request is all or nothing; when one is refused
   * or fails, the tasks of the requests before it are enqueued and the exception is thrown (a
   * {@link ProblemException#field()} such as {@code tasks[1234].name} is the index in {@code
   * requests}).
   *
   * @param queue the queue's name
   * @param requests what to enqueue
   * @return the tasks, in the order of {@code requests} (duplicates marked)
   * @throws ProblemException when the server refuses a request
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public List<Task> enqueueAll(String queue, List<TaskRequest> requests) {
    Objects.requireNonNull(requests, "requests");
    String path = queuePath(queue, "/tasks");
    List<Task> out = new ArrayList<>(requests.size());
    List<byte[]> batch = new ArrayList<>();
    int batchBytes = 0;
    String trace = null;
    for (TaskRequest r : requests) {
      byte[] spec =
          bytes(Wire.spec(mapper, Objects.requireNonNull(r, "a request in the list is null")));
      if (!batch.isEmpty()
          && (batch.size() == MAX_BATCH
              || batchBytes + spec.length > MAX_BATCH_BYTES
              || !Objects.equals(trace, r.traceparent()))) {
        out.addAll(enqueueBatch(path, batch, out.size(), trace));
        batch.clear();
        batchBytes = 0;
      }
      batch.add(spec);
      batchBytes += spec.length + 1;
      trace = r.traceparent();
    }
    if (!batch.isEmpty()) {
      out.addAll(enqueueBatch(path, batch, out.size(), trace));
    }
    return Collections.unmodifiableList(out);
  }

  private List<Task> enqueueBatch(String path, List<byte[]> specs, int offset, String traceparent) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(specs.size() * 64 + 16);
    body.writeBytes("{\"tasks\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    for (int i = 0; i < specs.size(); i++) {
      if (i > 0) {
        body.write(',');
      }
      body.writeBytes(specs.get(i));
    }
    body.writeBytes("]}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    try {
      List<Task> tasks =
          Wire.tasks(
              transport.sendBytes("POST", path, body.toByteArray(), Duration.ZERO, traceparent));
      if (tasks.size() != specs.size()) {
        throw new StokerProtocolException(
            "the server answered " + specs.size() + " tasks with " + tasks.size(), null);
      }
      return tasks;
    } catch (ProblemException e) {
      throw shiftField(e, offset);
    }
  }

  private static ProblemException shiftField(ProblemException e, int offset) {
    if (offset == 0 || e.field() == null) {
      return e;
    }
    Matcher m = INDEXED_FIELD.matcher(e.field());
    if (!m.matches()) {
      return e;
    }
    return e.withField("tasks[" + (Long.parseLong(m.group(1)) + offset) + "]" + m.group(2));
  }

  // ---------------------------------------------------------------- worker-level operations

  /**
   * Claims up to {@code max} tasks of {@code queue} for {@code worker}, each under a lease: highest
   * priority first, then earliest {@code run_at}, then oldest. When none is claimable, waits up to
   * {@code wait} for one (a long poll) and returns as soon as there is at least one.
   *
   * @param queue the queue's name
   * @param worker who claims (1–256 characters); recorded as the lease's owner
   * @param max the most tasks to claim, 1–1000
   * @param lease the lease, or null for the queue's setting
   * @param wait how long to wait when nothing is claimable (0–60 s), or null for not at all
   * @return the claimed tasks, each {@link TaskState#WORKING working} with its {@link
   *     Task#lease()}; empty when nothing was claimable within {@code wait}, or the queue is paused
   * @throws ProblemException when the server refuses the request
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public List<Task> claim(String queue, String worker, int max, Duration lease, Duration wait) {
    Objects.requireNonNull(worker, "worker");
    ObjectNode body = mapper.createObjectNode();
    body.put("worker", worker);
    body.put("max", max);
    if (lease != null) {
      body.put("lease_ms", Wire.millis(lease, "lease"));
    }
    Duration w = wait == null ? Duration.ZERO : wait;
    long waitMs = Wire.millis(w, "wait");
    if (waitMs > 0) {
      body.put("wait_ms", waitMs);
    }
    return Wire.tasks(transport.send("POST", queuePath(queue, "/claim"), body, w));
  }

  /**
   * Extends the lease of a claim: it then runs out {@code lease} (or the queue's lease) from now,
   * and never earlier than before.
   *
   * @param id the task's id
   * @param token the lease token of the claim
   * @param lease the new lease from now, or null for the queue's setting
   * @return the task, with its extended lease
   * @throws ProblemException 409 when the claim is no longer current ({@link
   *     ProblemException#isLeaseLost()}: the lease expired and the task went to another worker, or
   *     back to pending; {@link ProblemException#isAlreadyFinished()}: done elsewhere, or
   *     cancelled), 404 when there is no such task
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task heartbeat(String id, String token, Duration lease) {
    return heartbeat(id, token, lease, null);
  }

  /**
   * Extends the lease of a claim as {@link #heartbeat(String, String, Duration)} does, and reports
   * the task's progress: the server shows it with the task (its {@code progress}) until the next
   * progress, or until the claim ends. A heartbeat without progress keeps the last one.
   *
   * @param id the task's id
   * @param token the lease token of the claim
   * @param lease the new lease from now, or null for the queue's setting
   * @param progress the progress, any value the mapper can serialise (a fraction, a step, an
   *     object; at most 4,096 bytes as JSON), or null to report none and keep the last
   * @return the task, with its extended lease and its progress
   * @throws ProblemException 409 when the claim is no longer current (as for a heartbeat without
   *     progress), 404 when there is no such task, 413 when the progress is too large
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task heartbeat(String id, String token, Duration lease, Object progress) {
    ObjectNode body = tokenBody(token);
    if (lease != null) {
      body.put("lease_ms", Wire.millis(lease, "lease"));
    }
    JsonNode p = Wire.tree(mapper, progress, "progress");
    if (p != null) {
      body.set("progress", p);
    }
    return Wire.task(transport.send("POST", taskPath(id, "/heartbeat"), body));
  }

  /**
   * Completes a task: it is done, with this result. A late completion (the lease expired, even if
   * another worker holds the task now) is still accepted: the work was done.
   *
   * @param id the task's id
   * @param token a lease token of the task
   * @param result the result, any value the mapper can serialise, or null for none
   * @return the task, done
   * @throws ProblemException 409 {@link ProblemException#isAlreadyFinished()} when the task is
   *     already done (by another worker), dead or cancelled; 404 when there is no such task;
   *     413/422 when the result is too large
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task complete(String id, String token, Object result) {
    return Wire.task(
        transport.send("POST", taskPath(id, "/complete"), completeBody(token, result)));
  }

  /**
   * Completes a task as {@link #complete} does and, once it is done, claims the next tasks as
   * {@code next} says, in the same request: a worker's loop in one request per task.
   *
   * @param id the task's id
   * @param token a lease token of the task
   * @param result the result, or null for none
   * @param next what to claim once the task is done
   * @return the task, done, and the tasks claimed (empty when nothing was claimable)
   * @throws ProblemException as {@link #complete}, and then nothing was claimed; 422 naming {@code
   *     claim.max} (...) for a bad claim, and then the task was not completed either
   * @throws StokerUnavailableException when the server cannot be reached; the task may or may not
   *     be done and tasks may or may not have been claimed (they run again when their leases
   *     expire)
   */
  public Finished completeAndClaim(String id, String token, Object result, NextClaim next) {
    return finished(taskPath(id, "/complete"), completeBody(token, result), next);
  }

  private ObjectNode completeBody(String token, Object result) {
    ObjectNode body = tokenBody(token);
    JsonNode r = Wire.tree(mapper, result, "result");
    if (r != null) {
      body.set("result", r);
    }
    return body;
  }

  private Finished finished(String path, ObjectNode body, NextClaim next) {
    JsonNode reply = transport.send("POST", path, withClaim(body, next), next.waitOrZero());
    return new Finished(Wire.task(reply), nextTasks(reply));
  }

  /** {@code body} with the claim part {@code next}. */
  private static ObjectNode withClaim(ObjectNode body, NextClaim next) {
    Objects.requireNonNull(next, "next");
    ObjectNode claim = body.putObject("claim");
    claim.put("worker", next.worker());
    claim.put("max", next.max());
    if (next.lease() != null) {
      claim.put("lease_ms", Wire.millis(next.lease(), "lease"));
    }
    long waitMs = Wire.millis(next.waitOrZero(), "wait");
    if (waitMs > 0) {
      claim.put("wait_ms", waitMs);
    }
    if (next.queue() != null) {
      claim.put("queue", next.queue());
    }
    return body;
  }

  private static List<Task> nextTasks(JsonNode reply) {
    JsonNode next = reply.get("next");
    if (next == null) {
      throw new StokerProtocolException(
          "the server's reply to a finish with a claim has no \"next\"; is the server "
              + "older than the combined call?",
          null);
    }
    return Wire.tasks(next);
  }

  /**
   * Completes many tasks, in requests of at most {@link #MAX_BATCH}, each one durable write. Unlike
   * {@link #complete}, a completion the server refuses does not throw: its {@link CompletionResult}
   * says why.
   *
   * @param completions the completions
   * @return one result per completion, in order
   * @throws ProblemException when the server refuses a whole request (a result too large, ...)
   * @throws StokerUnavailableException when the server cannot be reached; the completions of
   *     earlier requests are done
   */
  public List<CompletionResult> completeAll(List<Completion> completions) {
    Objects.requireNonNull(completions, "completions");
    List<CompletionResult> out = new ArrayList<>(completions.size());
    for (int from = 0; from < completions.size(); from += MAX_BATCH) {
      List<Completion> part =
          completions.subList(from, Math.min(completions.size(), from + MAX_BATCH));
      out.addAll(results(sendBatch(batchBody(part), from, Duration.ZERO), part.size()));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Completes up to {@link #MAX_BATCH} tasks in one request as {@link #completeAll} does and then,
   * in the same request, claims the next tasks as {@code next} says (from the queue of the first
   * task listed unless it names one), whatever each completion's outcome.
   *
   * @param completions 1–1000 completions
   * @param next what to claim after the completions
   * @return one result per completion, in order, and the tasks claimed
   * @throws IllegalArgumentException when there are no completions or more than {@link #MAX_BATCH}
   * @throws ProblemException when the server refuses the whole request (a result too large, a bad
   *     claim: then nothing was completed or claimed)
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public CompletedBatch completeAllAndClaim(List<Completion> completions, NextClaim next) {
    Objects.requireNonNull(completions, "completions");
    if (completions.isEmpty() || completions.size() > MAX_BATCH) {
      throw new IllegalArgumentException(
          "a batch with a claim holds 1–" + MAX_BATCH + " completions, was " + completions.size());
    }
    ObjectNode body = batchBody(completions);
    JsonNode reply = sendBatch(withClaim(body, next), 0, next.waitOrZero());
    return new CompletedBatch(results(reply, completions.size()), nextTasks(reply));
  }

  private ObjectNode batchBody(List<Completion> part) {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode tasks = body.putArray("tasks");
    for (Completion c : part) {
      ObjectNode n = tasks.addObject();
      n.put("id", c.id());
      n.put("token", c.token());
      JsonNode r = Wire.tree(mapper, c.result(), "result of task " + c.id());
      if (r != null) {
        n.set("result", r);
      }
    }
    return body;
  }

  private JsonNode sendBatch(ObjectNode body, int from, Duration wait) {
    try {
      return transport.send("POST", "/v1/tasks/complete", body, wait);
    } catch (ProblemException e) {
      throw shiftField(e, from);
    }
  }

  private static List<CompletionResult> results(JsonNode reply, int expected) {
    JsonNode results = reply.get("results");
    if (results == null || !results.isArray() || results.size() != expected) {
      throw new StokerProtocolException(
          "the server's reply to a batch completion has no \"results\" array of " + expected, null);
    }
    List<CompletionResult> out = new ArrayList<>(expected);
    for (JsonNode r : results) {
      out.add(Wire.completionResult(r));
    }
    return out;
  }

  /**
   * Fails the current claim: the task is pending again after the queue's backoff (or after {@code
   * retryIn}), or dead when the failure is permanent or it has used up its attempts.
   *
   * @param id the task's id
   * @param token the lease token of the claim
   * @param error what went wrong: 1–16384 characters, kept as the task's {@code last_error}
   * @param permanent true to make the task dead now, without retries
   * @param retryIn retry after this long instead of after the queue's backoff, or null
   * @return the task, pending again or dead
   * @throws ProblemException 409 when the claim is no longer current, 404 when there is no such
   *     task
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task fail(String id, String token, String error, boolean permanent, Duration retryIn) {
    return Wire.task(
        transport.send("POST", taskPath(id, "/fail"), failBody(token, error, permanent, retryIn)));
  }

  /**
   * Fails the current claim as {@link #fail} does and then, in the same request, claims the next
   * tasks as {@code next} says. A task failed for a retry without delay may be claimed again at
   * once.
   *
   * @param id the task's id
   * @param token the lease token of the claim
   * @param error what went wrong
   * @param permanent true to make the task dead now
   * @param retryIn retry after this long instead of after the queue's backoff, or null
   * @param next what to claim once the task is failed
   * @return the task, pending again or dead, and the tasks claimed
   * @throws ProblemException as {@link #fail}, and then nothing was claimed; 422 for a bad claim,
   *     and then the task was not failed either
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Finished failAndClaim(
      String id, String token, String error, boolean permanent, Duration retryIn, NextClaim next) {
    return finished(taskPath(id, "/fail"), failBody(token, error, permanent, retryIn), next);
  }

  private ObjectNode failBody(String token, String error, boolean permanent, Duration retryIn) {
    ObjectNode body = tokenBody(token);
    body.put("error", Objects.requireNonNull(error, "error"));
    if (permanent) {
      body.put("permanent", true);
    }
    if (retryIn != null) {
      body.put("retry_in_ms", Wire.millis(retryIn, "retryIn"));
    }
    return body;
  }

  /**
   * Gives a claimed task back, unharmed: pending again (after {@code delay}), and the attempt does
   * not count. For a worker that claimed more than it will run, or is shutting down.
   *
   * @param id the task's id
   * @param token the lease token of the claim
   * @param delay claimable again after this long, or null for now
   * @return the task, pending again
   * @throws ProblemException 409 when the claim is no longer current, 404 when there is no such
   *     task
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task release(String id, String token, Duration delay) {
    return Wire.task(transport.send("POST", taskPath(id, "/release"), releaseBody(token, delay)));
  }

  /**
   * Gives a claimed task back as {@link #release} does and then, in the same request, claims the
   * next tasks as {@code next} says; a task released without delay may be claimed again at once.
   *
   * @param id the task's id
   * @param token the lease token of the claim
   * @param delay claimable again after this long, or null for now
   * @param next what to claim once the task is released
   * @return the task, pending again, and the tasks claimed
   * @throws ProblemException as {@link #release}, and then nothing was claimed; 422 for a bad
   *     claim, and then the task was not released either
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Finished releaseAndClaim(String id, String token, Duration delay, NextClaim next) {
    return finished(taskPath(id, "/release"), releaseBody(token, delay), next);
  }

  private ObjectNode releaseBody(String token, Duration delay) {
    ObjectNode body = tokenBody(token);
    if (delay != null && !delay.isZero()) {
      body.put("delay_ms", Wire.millis(delay, "delay"));
    }
    return body;
  }

  private ObjectNode tokenBody(String token) {
    ObjectNode body = mapper.createObjectNode();
    body.put("token", Objects.requireNonNull(token, "token"));
    return body;
  }

  // ---------------------------------------------------------------- admin

  /**
   * Every queue that has been used or configured, with its counts (not its settings: see {@link
   * #queue(String)}).
   *
   * @return the queues, by name
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public List<QueueInfo> queues() {
    JsonNode reply = transport.get("/v1/queues");
    JsonNode array = reply.get("queues");
    if (array == null || !array.isArray()) {
      throw new StokerProtocolException("the server's reply has no \"queues\" array", null);
    }
    List<QueueInfo> out = new ArrayList<>(array.size());
    for (JsonNode q : array) {
      out.add(Wire.queueInfo(q));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * One queue: its counts, settings and whether it is paused. A queue never used reads as all zeros
   * with the default settings.
   *
   * @param name the queue's name
   * @return the queue
   * @throws ProblemException 400 when the name is not a queue name
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public QueueInfo queue(String name) {
    return Wire.queueInfo(transport.get(queuePath(name, "")));
  }

  /**
   * Changes some of a queue's settings: only the fields set in {@code update} are sent.
   *
   * @param queue the queue's name (created if it was never used)
   * @param update the change
   * @return the queue's settings after the change
   * @throws ProblemException 422 naming the field when a value is out of range
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public QueueSettings updateSettings(String queue, SettingsUpdate update) {
    Objects.requireNonNull(update, "update");
    return Wire.queueSettings(
        transport.send("PUT", queuePath(queue, ""), Wire.settings(mapper, update)));
  }

  /**
   * Pauses a queue: claims get nothing until it is resumed (waiting claims keep waiting). Tasks can
   * still be enqueued.
   *
   * @param queue the queue's name
   * @return the queue's settings after the change
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public QueueSettings pause(String queue) {
    return updateSettings(queue, SettingsUpdate.create().paused(true));
  }

  /**
   * Resumes a paused queue.
   *
   * @param queue the queue's name
   * @return the queue's settings after the change
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public QueueSettings resume(String queue) {
    return updateSettings(queue, SettingsUpdate.create().paused(false));
  }

  /**
   * The problem type of a 404 for a path the server does not have (as opposed to a missing task).
   */
  private static final String TYPE_UNKNOWN_ENDPOINT =
      ProblemException.TYPE_BASE + "unknown-endpoint";

  /**
   * One task, by id.
   *
   * @param id the task's id
   * @return the task, or empty when there is no such task (never was, or pruned after its
   *     retention)
   * @throws ProblemException 400 when {@code id} is not a task id
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Optional<Task> task(String id) {
    try {
      return Optional.of(Wire.task(transport.get(taskPath(id, ""))));
    } catch (ProblemException e) {
      if (e.isNotFound() && !TYPE_UNKNOWN_ENDPOINT.equals(e.type())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * One page of a queue's tasks, in id (enqueue) order.
   *
   * @param queue the queue's name
   * @param query the filters, page size and cursor; null for {@link TaskQuery#create()}
   * @return the page, with the cursor of the next one
   * @throws ProblemException 400 when the cursor is not one the server issued
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public TaskPage tasks(String queue, TaskQuery query) {
    TaskQuery q = query == null ? TaskQuery.create() : query;
    StringBuilder path = new StringBuilder(queuePath(queue, "/tasks"));
    char sep = '?';
    if (q.state() != null) {
      path.append(sep).append("state=").append(q.state().wireName());
      sep = '&';
    }
    if (q.name() != null) {
      path.append(sep).append("name=").append(Transport.queryValue(q.name()));
      sep = '&';
    }
    if (q.limit() != null) {
      path.append(sep).append("limit=").append(q.limit());
      sep = '&';
    }
    if (q.cursor() != null) {
      path.append(sep).append("cursor=").append(Transport.queryValue(q.cursor()));
    }
    JsonNode reply = transport.get(path.toString());
    JsonNode next = reply.get("next_cursor");
    return new TaskPage(Wire.tasks(reply), next == null || next.isNull() ? null : next.asText());
  }

  /**
   * Every task of a queue that matches {@code query}, in id order, fetched page by page as the
   * stream is consumed (each page is one request, so a failure can surface mid-stream as a {@link
   * StokerException}). Tasks that change while the stream runs may be seen in their old or new
   * state.
   *
   * @param queue the queue's name
   * @param query the filters and page size (its cursor, if any, is where to start); null for all
   * @return a lazy, sequential stream of the tasks
   */
  public Stream<Task> allTasks(String queue, TaskQuery query) {
    TaskQuery start = query == null ? TaskQuery.create() : query;
    Iterator<Task> it =
        new Iterator<>() {
          private Iterator<Task> page = Collections.emptyIterator();
          private String cursor = start.cursor();
          private boolean last;

          @Override
          public boolean hasNext() {
            while (!page.hasNext()) {
              if (last) {
                return false;
              }
              TaskPage p = tasks(queue, start.cursor(cursor));
              page = p.tasks().iterator();
              cursor = p.nextCursor();
              last = cursor == null;
            }
            return true;
          }

          @Override
          public Task next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return page.next();
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(
            it, Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT),
        false);
  }

  /**
   * Cancels a pending or working task. A worker working on it learns at its next heartbeat (the
   * {@link Worker} then interrupts its handler).
   *
   * @param id the task's id
   * @return the task, cancelled
   * @throws ProblemException 409 {@link ProblemException#isAlreadyFinished()} when it is already
   *     done, dead or cancelled; 404 when there is no such task
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task cancel(String id) {
    return Wire.task(transport.send("POST", taskPath(id, "/cancel"), null));
  }

  /**
   * Retries one dead or cancelled task: pending again, claimable now, with its attempts reset (what
   * a redrive does, for this task only).
   *
   * @param id the task's id
   * @return the task, pending
   * @throws ProblemException 409 of {@link ProblemException#type() type} {@code not-retryable} when
   *     the task is pending, working or done, or {@code unique-key-held} when a live task of its
   *     queue holds its unique key ({@link ProblemException#state()} says the task's state); 404
   *     when there is no such task
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public Task retry(String id) {
    return Wire.task(transport.send("POST", taskPath(id, "/retry"), null));
  }

  /**
   * Moves up to {@code limit} dead tasks of a queue back to pending, with their attempts reset.
   *
   * @param queue the queue's name
   * @param limit the most tasks to move, 1–100000
   * @return how many moved
   * @throws ProblemException 422 when the limit is out of range
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public int redrive(String queue, int limit) {
    ObjectNode body = mapper.createObjectNode();
    body.put("limit", limit);
    return moved(transport.send("POST", queuePath(queue, "/redrive"), body));
  }

  /**
   * Moves dead tasks of a queue back to pending, up to the server's default limit (1000).
   *
   * @param queue the queue's name
   * @return how many moved
   * @throws StokerUnavailableException when the server cannot be reached
   */
  public int redrive(String queue) {
    return moved(transport.send("POST", queuePath(queue, "/redrive"), null));
  }

  private static int moved(JsonNode reply) {
    JsonNode m = reply.get("moved");
    if (m == null || !m.canConvertToInt()) {
      throw new StokerProtocolException(
          "the server's reply to a redrive has no \"moved\" count", null);
    }
    return m.intValue();
  }

  /**
   * Closes the HTTP client this client made (not one given to {@link Builder#httpClient}): requests
   * in flight are aborted. The client must not be used afterwards.
   */
  @Override
  public void close() {
    transport.close();
  }

  @Override
  public String toString() {
    return "StokerClient[" + baseUrl + "]";
  }

  String base() {
    return transport.base();
  }

  private byte[] bytes(JsonNode n) {
    try {
      return mapper.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot serialise a task as JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String queuePath(String queue, String rest) {
    return "/v1/queues/" + Transport.segment(Objects.requireNonNull(queue, "queue")) + rest;
  }

  private static String taskPath(String id, String rest) {
    return "/v1/tasks/" + Transport.segment(Objects.requireNonNull(id, "id")) + rest;
  }
}
