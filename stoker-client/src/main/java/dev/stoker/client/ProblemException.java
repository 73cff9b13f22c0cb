package dev.stoker.client;

/**
 * The server refused a request with an RFC 9457 problem ({@code application/problem+json}): the
 * request was understood and changed nothing. The fields are the problem's: {@link #status()},
 * {@link #type()} (a stable URI to switch on, such as {@code
 * https://stoker.dev/problems/stale-token}), {@link #title()}, {@link #detail()}, and, when they
 * apply, {@link #field()} (the request field at fault, such as {@code priority} or {@code
 * tasks[3].name}) and {@link #state()} (the task's current state, when a lease token was refused).
 *
 * <p>The common cases have helpers: {@link #isLeaseLost()}, {@link #isAlreadyFinished()}, {@link
 * #isNotFound()} and {@link #isInvalid()}.
 */
public final class ProblemException extends StokerException {
  private static final long serialVersionUID = 1L;
  static final String TYPE_BASE = "https://stoker.dev/problems/";

  private final int status;
  private final String type;
  private final String title;
  private final String detail;
  private final String field;
  private final TaskState state;

  ProblemException(
      int status, String type, String title, String detail, String field, TaskState state) {
    super(message(status, title, detail, field, state), null);
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.field = field;
    this.state = state;
  }

  private static String message(
      int status, String title, String detail, String field, TaskState state) {
    StringBuilder b = new StringBuilder().append(status);
    if (title != null) {
      b.append(' ').append(title);
    }
    if (detail != null) {
      b.append(": ").append(detail);
    }
    if (field != null) {
      b.append(" [field ").append(field).append(']');
    }
    if (state != null) {
      b.append(" [state ").append(state.wireName()).append(']');
    }
    return b.toString();
  }

  /** The same problem with another field name (a batch's index shifted to the caller's list). */
  ProblemException withField(String newField) {
    return new ProblemException(status, type, title, detail, newField, state);
  }

  /**
   * The HTTP status code: 400, 404, 409, 413, 415, 422, ...
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * The problem type, a URI that identifies the kind of problem, such as {@code
   * https://stoker.dev/problems/invalid-field}; {@code about:blank} when the server sent no problem
   * body.
   *
   * @return the type URI
   */
  public String type() {
    return type;
  }

  /**
   * A short human-readable summary of the problem type, such as "Lease lost".
   *
   * @return the title, or null
   */
  public String title() {
    return title;
  }

  /**
   * What went wrong in this request, naming the field and the limit where there is one.
   *
   * @return the detail, or null
   */
  public String detail() {
    return detail;
  }

  /**
   * The request field at fault, such as {@code priority} or {@code tasks[3].params}.
   *
   * @return the field, or null when no single field is at fault
   */
  public String field() {
    return field;
  }

  /**
   * The task's current state, sent with 409 answers to a lease token (heartbeat, fail, release,
   * complete), so that a worker learns that its task is done elsewhere, or was cancelled.
   *
   * @return the state, or null
   */
  public TaskState state() {
    return state;
  }

  /**
   * Whether a lease token was refused because it no longer names the task's current claim: the
   * lease expired and the task was taken over (or put back to pending). HTTP 409, type {@code
   * stale-token}. The worker holding that token should stop working on the task.
   *
   * @return whether the lease is lost
   */
  public boolean isLeaseLost() {
    return status == 409 && isType("stale-token");
  }

  /**
   * Whether the task is already finished ({@link #state()} is done, dead or cancelled), so the
   * operation does not apply any more. HTTP 409, type {@code already-finished}.
   *
   * @return whether the task is already finished
   */
  public boolean isAlreadyFinished() {
    return status == 409 && isType("already-finished");
  }

  /**
   * Whether the task (or the endpoint) does not exist: HTTP 404.
   *
   * @return whether nothing was found
   */
  public boolean isNotFound() {
    return status == 404;
  }

  /**
   * Whether the request was refused as invalid input: HTTP 400 (malformed, bad name or query), 413
   * (too large) or 422 (a field out of range); {@link #field()} names the field.
   *
   * @return whether the input was invalid
   */
  public boolean isInvalid() {
    return status == 400 || status == 413 || status == 422;
  }

  private boolean isType(String name) {
    return type != null && (type.equals(TYPE_BASE + name) || type.endsWith("/" + name));
  }
}
