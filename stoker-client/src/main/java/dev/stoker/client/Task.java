package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A task as the server describes it.
 *
 * @param id the task's id, server-assigned and time-ordered
 * @param queue the queue it is in
 * @param name what the worker runs
 * @param params the parameters, any JSON value ({@code NullNode} when none were given)
 * @param priority higher runs first
 * @param runAt the task is not claimable before this time
 * @param uniqueKey the unique key it was enqueued with, or null
 * @param maxAttempts how many claims it may have before it is dead
 * @param attempt how many claims it had so far (in this generation)
 * @param state where the task is in its life
 * @param lease the current lease while {@link TaskState#WORKING working}, else null; its {@link
 *     Lease#token() token} only in the replies to claim and heartbeat
 * @param progress the progress a heartbeat of the current claim last reported ({@link
 *     TaskContext#progress(Object)}), or null when it is not working or reported none
 * @param result the result it was completed with, or null when it has none
 * @param lastError the error of the last failure (or lease expiry), or null
 * @param createdAt when it was enqueued
 * @param updatedAt when it last changed (by the server's clock)
 * @param duplicate true when an enqueue was answered with this existing live task because of its
 *     unique key (nothing was enqueued); false everywhere else
 * @param traceparent the W3C trace context it was enqueued in ({@link
 *     TaskRequest#traceparent(String)}), or null
 */
public record Task(
    String id,
    String queue,
    String name,
    JsonNode params,
    int priority,
    Instant runAt,
    String uniqueKey,
    int maxAttempts,
    int attempt,
    TaskState state,
    Lease lease,
    JsonNode progress,
    JsonNode result,
    String lastError,
    Instant createdAt,
    Instant updatedAt,
    boolean duplicate,
    String traceparent) {

  /**
   * Decodes the params into {@code type} with a default {@code ObjectMapper} (one that registers
   * the Jackson modules found on the class path). To decode with the mapper the client was built
   * with, use {@link TaskContext#params(Class)} in a handler, or {@link StokerClient#decode}.
   *
   * @param type the class to decode into
   * @param <T> the type
   * @return the params as a {@code T}
   * @throws IllegalArgumentException when the params do not fit {@code type}
   */
  public <T> T params(Class<T> type) {
    return Wire.decode(Wire.defaultMapper(), params, type, "params");
  }

  /**
   * Decodes the result into {@code type}, like {@link #params(Class)}.
   *
   * @param type the class to decode into
   * @param <T> the type
   * @return the result as a {@code T}, or null when the task has no result
   * @throws IllegalArgumentException when the result does not fit {@code type}
   */
  public <T> T result(Class<T> type) {
    return result == null ? null : Wire.decode(Wire.defaultMapper(), result, type, "result");
  }
}
