package dev.stoker.core;

/**
 * The W3C Trace Context {@code traceparent}
 * (https://www.w3.org/TR/trace-context/#traceparent-header): {@code version-traceid-parentid-flags}
 * in lower-case hex, {@code 00-<32>-<16>-<2>}. A task keeps the one it was enqueued with, so the
 * worker that claims it continues the producer's trace.
 */
public final class Traceparent {
  /** Version 00 is 55 characters; a later version may append fields, up to this many in all. */
  public static final int MAX_LENGTH = 512;

  private static final int V00_LENGTH = 55;

  private Traceparent() {}

  /**
   * Checks a {@code traceparent} as the specification's parsing rules do: version 00 exactly, a
   * later version (not {@code ff}) with its first four fields so and anything after a {@code -};
   * trace and parent ids not all zeros.
   *
   * @throws InvalidInput naming {@code field} when it is not one
   */
  public static String check(String field, String value) {
    if (!valid(value)) {
      throw new InvalidInput(
          field,
          field
              + " is not a W3C traceparent (00-<32 hex trace id>-<16 hex parent id>-<2 hex"
              + " flags>, lower case, at most "
              + MAX_LENGTH
              + " characters)",
          InvalidInput.Kind.INVALID);
    }
    return value;
  }

  static boolean valid(String v) {
    if (v == null || v.length() < V00_LENGTH || v.length() > MAX_LENGTH) {
      return false;
    }
    if (!hex(v, 0, 2)
        || v.charAt(2) != '-'
        || !hex(v, 3, 35)
        || v.charAt(35) != '-'
        || !hex(v, 36, 52)
        || v.charAt(52) != '-'
        || !hex(v, 53, 55)) {
      return false;
    }
    String version = v.substring(0, 2);
    if (version.equals("ff") || (version.equals("00") && v.length() != V00_LENGTH)) {
      return false;
    }
    if (v.length() > V00_LENGTH && v.charAt(V00_LENGTH) != '-') {
      return false;
    }
    return !zeros(v, 3, 35) && !zeros(v, 36, 52);
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
