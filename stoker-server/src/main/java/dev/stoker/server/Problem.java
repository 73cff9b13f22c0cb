package dev.stoker.server;

/**
 * An RFC 9457 problem: why a request was refused. {@code type} is a stable identifier clients may
 * switch on; {@code field} names the field at fault when one is; {@code state} is a task's current
 * state when a token was refused, so a worker learns its task was done elsewhere.
 */
record Problem(int status, String type, String title, String detail, String field, String state) {
  static final String BASE = "https://stoker.dev/problems/";

  static Problem of(int status, String type, String title, String detail) {
    return new Problem(status, BASE + type, title, detail, null, null);
  }

  Problem withField(String f) {
    return new Problem(status, type, title, detail, f, state);
  }

  Problem withState(String s) {
    return new Problem(status, type, title, detail, field, s);
  }

  /** Thrown anywhere while handling a request to answer with this problem. */
  static final class Refusal extends RuntimeException {
    final Problem problem;

    Refusal(Problem problem) {
      super(problem.detail(), null, false, false);
      this.problem = problem;
    }
  }

  Refusal refusal() {
    return new Refusal(this);
  }

  static Refusal malformed(String detail) {
    return of(400, "malformed-json", "Malformed JSON", detail).refusal();
  }

  static Refusal invalid(String field, String detail) {
    return of(422, "invalid-field", "Invalid field", detail).withField(field).refusal();
  }

  static Refusal tooLarge(String field, String detail) {
    return of(413, "too-large", "Request too large", detail).withField(field).refusal();
  }

  static Refusal notFound(String detail) {
    return of(404, "not-found", "Not found", detail).refusal();
  }
}
