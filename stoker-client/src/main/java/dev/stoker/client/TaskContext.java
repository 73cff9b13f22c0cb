package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a {@link TaskHandler} gets: the task it runs, and its lease. The {@link Worker} heartbeats
 * the lease on its own; a handler only needs {@link #leaseLost()} to stop early when the task was
 * taken over, finished elsewhere, or cancelled.
 */
public interface TaskContext {
  /**
   * The task's id.
   *
   * @return the id
   */
  String id();

  /**
   * The task's name, which chose the handler.
   *
   * @return the name
   */
  String name();

  /**
   * Which claim this is: 1 the first time the task runs, 2 on its first retry, and so on.
   *
   * @return the attempt
   */
  int attempt();

  /**
   * The task as it was claimed, with its lease.
   *
   * @return the task
   */
  Task task();

  /**
   * The W3C trace context the task was enqueued in, to continue the producer's trace (start the
   * handler's span as its child, or link to it).
   *
   * @return the task's {@code traceparent}, or null when it was enqueued without one
   */
  default String traceparent() {
    return task().traceparent();
  }

  /**
   * The task's params as JSON.
   *
   * @return the params ({@code NullNode} when there are none)
   */
  JsonNode params();

  /**
   * The task's params decoded with the client's mapper.
   *
   * @param type the class to decode into
   * @param <T> the type
   * @return the params as a {@code T}
   * @throws IllegalArgumentException when the params do not fit (the task then fails with this
   *     message)
   */
  <T> T params(Class<T> type);

  /**
   * Whether the task's lease is lost: a heartbeat was refused because the lease expired and the
   * task went to another worker, or it is finished elsewhere, or cancelled. The worker has then
   * interrupted the handler and will report nothing for this run; the handler should stop.
   *
   * @return whether the lease is lost
   */
  boolean leaseLost();

  /**
   * Extends the lease now, on top of the worker's own heartbeats (every third of the lease): for a
   * handler about to do something long that it cannot interrupt.
   *
   * @throws ProblemException when the lease is lost ({@link #leaseLost()} is then true)
   * @throws StokerUnavailableException when the server cannot be reached
   */
  void heartbeat();

  /**
   * Reports the task's progress at once, with a heartbeat that extends the lease as {@link
   * #heartbeat()} does: the server shows it with the task (the dashboard's task page, {@code GET
   * /v1/tasks/{id}}) until the next progress, or until this claim ends. The worker's own heartbeats
   * carry no progress, so they keep the last one reported; a retry starts without one.
   *
   * @param progress the progress, any value the client's mapper can serialise (a fraction such as
   *     {@code 0.4}, which the dashboard draws as a bar, or an object such as {@code {"done": 40,
   *     "of": 100}}); at most 4,096 bytes as JSON
   * @throws ProblemException when the lease is lost ({@link #leaseLost()} is then true), 413 when
   *     the progress is too large
   * @throws StokerUnavailableException when the server cannot be reached
   */
  void progress(Object progress);
}
