package dev.stoker.core;

/**
 * Input that breaks a rule or a limit. It names the field at fault and says what the rule is, so
 * the caller can be told exactly what to change; nothing has been changed when it is thrown.
 */
public final class InvalidInput extends RuntimeException {
  /** Whether the input was too large (HTTP 413) or otherwise invalid (HTTP 422). */
  public enum Kind {
    INVALID,
    TOO_LARGE
  }

  private final String field;
  private final Kind kind;

  public InvalidInput(String field, String detail) {
    this(field, detail, Kind.INVALID);
  }

  public InvalidInput(String field, String detail, Kind kind) {
    super(detail, null, false, false);
    this.field = field;
    this.kind = kind;
  }

  /** The field at fault, as named on the wire ({@code tasks[3].name}), or null. */
  public String field() {
    return field;
  }

  public Kind kind() {
    return kind;
  }

  /** The same violation, for the field inside a container ({@code tasks[3]}). */
  public InvalidInput within(String prefix) {
    return new InvalidInput(field == null ? prefix : prefix + "." + field, getMessage(), kind);
  }
}
