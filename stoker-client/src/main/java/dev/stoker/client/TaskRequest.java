package dev.stoker.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What to enqueue: an immutable task spec, built with withers from {@link #of(String)}.
 *
 * <pre>{@code
 * TaskRequest r = TaskRequest.of("send_welcome")
 *     .params(Map.of("to", "ada@example.com"))
 *     .priority(5)
 *     .delay(Duration.ofMinutes(10))
 *     .uniqueKey("welcome:ada");
 * }</pre>
 *
 * <p>Unset fields take the server's defaults: no params ({@code null}), priority 0, claimable now,
 * no unique key, the queue's {@code max_attempts}.
 *
 * @param name what the worker runs: 1–256 characters
 * @param params the params as a value for the client's {@code ObjectMapper} to serialise, or null
 * @param paramsJson the params as JSON text, or null; at most one of {@code params} and {@code
 *     paramsJson} is set
 * @param priority higher runs first
 * @param delay not claimable until this long after the enqueue, or null
 * @param runAt not claimable before this time, or null; at most one of {@code delay} and {@code
 *     runAt} is set
 * @param uniqueKey while a live task of the queue has this key, enqueueing returns that task
 *     instead (marked {@link Task#duplicate()}); or null
 * @param maxAttempts the claims the task may have before it is dead, or null for the queue's
 *     setting
 * @param traceparent the W3C trace context to enqueue the task in, sent as the {@code traceparent}
 *     header; the worker that claims the task gets it back ({@link Task#traceparent()}); or null
 */
public record TaskRequest(
    String name,
    Object params,
    String paramsJson,
    int priority,
    Duration delay,
    Instant runAt,
    String uniqueKey,
    Integer maxAttempts,
    String traceparent) {

  /**
   * Checks the spec's consistency; the server checks the limits.
   *
   * @param name the name
   * @param params the params as a value
   * @param paramsJson the params as JSON text
   * @param priority the priority
   * @param delay the delay
   * @param runAt the time to run at
   * @param uniqueKey the unique key
   * @param maxAttempts the attempts
   * @param traceparent the trace context
   * @throws IllegalArgumentException when both forms of params or both of delay and runAt are
   *     given, the delay is negative, maxAttempts is below 1 or the traceparent has a line break
   */
  public TaskRequest {
    Objects.requireNonNull(name, "name");
    if (params != null && paramsJson != null) {
      throw new IllegalArgumentException("give params or paramsJson, not both");
    }
    if (delay != null && runAt != null) {
      throw new IllegalArgumentException("give delay or runAt, not both");
    }
    if (delay != null && delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    if (maxAttempts != null && maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (traceparent != null && (traceparent.indexOf('\n') >= 0 || traceparent.indexOf('\r') >= 0)) {
      throw new IllegalArgumentException("a traceparent is one line");
    }
  }

  /**
   * A request in no trace (the record before it had {@link #traceparent()}).
   *
   * @param name the name
   * @param params the params as a value
   * @param paramsJson the params as JSON text
   * @param priority the priority
   * @param delay the delay
   * @param runAt the time to run at
   * @param uniqueKey the unique key
   * @param maxAttempts the attempts
   */
  public TaskRequest(
      String name,
      Object params,
      String paramsJson,
      int priority,
      Duration delay,
      Instant runAt,
      String uniqueKey,
      Integer maxAttempts) {
    this(name, params, paramsJson, priority, delay, runAt, uniqueKey, maxAttempts, null);
  }

  /**
   * A task named {@code name} with no params and the defaults.
   *
   * @param name what the worker runs
   * @return the request
   */
  public static TaskRequest of(String name) {
    return new TaskRequest(name, null, null, 0, null, null, null, null, null);
  }

  /**
   * With these params: any value the client's {@code ObjectMapper} can serialise (a record, a map,
   * a {@code JsonNode}, ...). A {@code String} is sent as a JSON string; for JSON text use {@link
   * #paramsJson(String)}.
   *
   * @param value the params, or null for none
   * @return a copy with these params
   */
  public TaskRequest params(Object value) {
    return new TaskRequest(
        name, value, null, priority, delay, runAt, uniqueKey, maxAttempts, traceparent);
  }

  /**
   * With these params, given as JSON text, sent as they are.
   *
   * @param json one JSON value, such as {@code {"to": "ada@example.com"}}
   * @return a copy with these params
   * @throws IllegalArgumentException when {@code json} is not one JSON value
   */
  public TaskRequest paramsJson(String json) {
    Wire.checkJsonText(json, "paramsJson");
    return new TaskRequest(
        name, null, json, priority, delay, runAt, uniqueKey, maxAttempts, traceparent);
  }

  /**
   * With this priority: among claimable tasks, higher runs first (default 0).
   *
   * @param value the priority
   * @return a copy with this priority
   */
  public TaskRequest priority(int value) {
    return new TaskRequest(
        name, params, paramsJson, value, delay, runAt, uniqueKey, maxAttempts, traceparent);
  }

  /**
   * Claimable only once {@code value} has passed after the enqueue; replaces any {@link
   * #runAt(Instant)}.
   *
   * @param value the delay, not negative
   * @return a copy with this delay
   */
  public TaskRequest delay(Duration value) {
    return new TaskRequest(
        name, params, paramsJson, priority, value, null, uniqueKey, maxAttempts, traceparent);
  }

  /**
   * Claimable only from {@code value} on; replaces any {@link #delay(Duration)}.
   *
   * @param value the time (sent with millisecond precision)
   * @return a copy with this time
   */
  public TaskRequest runAt(Instant value) {
    return new TaskRequest(
        name, params, paramsJson, priority, null, value, uniqueKey, maxAttempts, traceparent);
  }

  /**
   * With a unique key: while a live (not finished) task of the queue has this key, the enqueue
   * enqueues nothing and returns that task, marked {@link Task#duplicate()}.
   *
   * @param value the key (1–256 characters), or null for none
   * @return a copy with this key
   */
  public TaskRequest uniqueKey(String value) {
    return new TaskRequest(
        name, params, paramsJson, priority, delay, runAt, value, maxAttempts, traceparent);
  }

  /**
   * With at most {@code value} attempts (claims) before the task is dead, instead of the queue's
   * setting.
   *
   * @param value the attempts, 1 or more
   * @return a copy with this many attempts
   */
  public TaskRequest maxAttempts(int value) {
    return new TaskRequest(
        name, params, paramsJson, priority, delay, runAt, uniqueKey, value, traceparent);
  }

  /**
   * In this W3C trace context: the enqueue sends it as its {@code traceparent} header (the server
   * checks it: 400 when it is not one), the task keeps it, and the worker that claims the task gets
   * it back in {@link Task#traceparent()} and {@link TaskContext#traceparent()} to continue the
   * trace.
   *
   * @param value {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, or null for none
   * @return a copy in this trace
   */
  public TaskRequest traceparent(String value) {
    return new TaskRequest(
        name, params, paramsJson, priority, delay, runAt, uniqueKey, maxAttempts, value);
  }
}
