package dev.stoker.core;

/**
 * The limits on what clients may send, and the checks that enforce them. Every check throws {@link
 * InvalidInput} naming the field and the limit.
 *
 * @param maxParamsBytes the largest {@code params} (and {@code result}), in UTF-8 bytes of JSON
 */
public record Limits(int maxParamsBytes) {
  public static final int MAX_QUEUE_NAME = 128;
  public static final int MAX_TASK_NAME = 256;
  public static final int MAX_UNIQUE_KEY = 256;
  public static final int MAX_WORKER = 256;
  public static final int MAX_ERROR = 16_384;
  public static final int MAX_BATCH = 1_000;
  public static final int MAX_ATTEMPTS = 1_000;
  public static final long MAX_WAIT_MS = 60_000;

  /**
   * The largest {@code progress} of a heartbeat, in UTF-8 bytes of JSON: a progress is a note for
   * people watching (a fraction, a step), sent often and kept with every copy of the lease.
   */
  public static final int MAX_PROGRESS_BYTES = 4_096;

  /** A lease, delay or backoff may be at most a year: longer is a mistake, not a plan. */
  public static final long MAX_DURATION_MS = 366L * 24 * 3600 * 1000;

  public static final int DEFAULT_PARAMS_BYTES = 1 << 20;
  public static final Limits DEFAULT = new Limits(DEFAULT_PARAMS_BYTES);

  /** Whether {@code name} is a queue name: 1–128 characters of {@code [A-Za-z0-9._-]}. */
  public static boolean isQueueName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_QUEUE_NAME) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    // "." and ".." are legal characters but would read as path segments.
    return !name.equals(".") && !name.equals("..");
  }

  public static String checkQueueName(String field, String name) {
    if (!isQueueName(name)) {
      throw new InvalidInput(
          field,
          "a queue name is 1–"
              + MAX_QUEUE_NAME
              + " characters of [A-Za-z0-9._-] (and not '.' or '..')");
    }
    return name;
  }

  /**
   * Checks a string of 1..{@code max} unicode characters (code points) without NUL and without
   * unpaired surrogates.
   */
  public static String checkText(String field, String value, int max) {
    if (value == null) {
      throw new InvalidInput(field, field + " is required");
    }
    int count = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        throw new InvalidInput(field, field + " must not contain NUL characters");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
          throw new InvalidInput(
              field, field + " contains an unpaired surrogate (not valid unicode)");
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw new InvalidInput(
            field, field + " contains an unpaired surrogate (not valid unicode)");
      }
      count++;
    }
    if (count == 0 || count > max) {
      throw new InvalidInput(field, field + " must be 1–" + max + " characters, was " + count);
    }
    return value;
  }

  public static long checkRange(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidInput(
          field, field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /** Checks the size of a JSON document (params or result). */
  public void checkJsonSize(String field, int utf8Bytes) {
    checkSize(field, utf8Bytes, maxParamsBytes);
  }

  /** Checks the size of a heartbeat's {@code progress} ({@link #MAX_PROGRESS_BYTES}). */
  public static void checkProgressSize(String field, int utf8Bytes) {
    checkSize(field, utf8Bytes, MAX_PROGRESS_BYTES);
  }

  private static void checkSize(String field, int utf8Bytes, int max) {
    if (utf8Bytes > max) {
      throw new InvalidInput(
          field,
          field + " is " + utf8Bytes + " bytes of JSON, the limit is " + max,
          InvalidInput.Kind.TOO_LARGE);
    }
  }

  /** Checks a task spec that was decoded from a request. */
  public TaskSpec check(TaskSpec spec) {
    checkText("name", spec.name(), MAX_TASK_NAME);
    if (spec.uniqueKey() != null) {
      checkText("unique_key", spec.uniqueKey(), MAX_UNIQUE_KEY);
    }
    if (spec.runAt() != null && spec.delayMs() != null) {
      throw new InvalidInput("run_at", "give either run_at or delay_ms, not both");
    }
    if (spec.delayMs() != null) {
      checkRange("delay_ms", spec.delayMs(), 0, MAX_DURATION_MS);
    }
    if (spec.maxAttempts() != null) {
      checkRange("max_attempts", spec.maxAttempts(), 1, MAX_ATTEMPTS);
    }
    return spec;
  }

  /** Checks queue settings as a whole. */
  public static QueueSettings check(QueueSettings s) {
    checkRange("lease_ms", s.leaseMs(), 1, MAX_DURATION_MS);
    checkRange("max_attempts", s.maxAttempts(), 1, MAX_ATTEMPTS);
    checkRange("backoff.initial_ms", s.backoff().initialMs(), 0, MAX_DURATION_MS);
    checkRange("backoff.max_ms", s.backoff().maxMs(), 0, MAX_DURATION_MS);
    double m = s.backoff().multiplier();
    if (!(m >= 1.0 && m <= 100.0)) {
      throw new InvalidInput(
          "backoff.multiplier", "backoff.multiplier must be between 1.0 and 100.0, was " + m);
    }
    checkRange("retention_ms", s.retentionMs(), 0, 10 * MAX_DURATION_MS);
    return s;
  }
}
