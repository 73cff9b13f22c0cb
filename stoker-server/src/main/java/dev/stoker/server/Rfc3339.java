package dev.stoker.server;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Formats epoch millis as the API's times, RFC 3339 in UTC with milliseconds ({@code
 * 2026-11-23T15:48:27.123Z}). Every task in a reply carries four of them, and {@link
 * DateTimeFormatter} was a tenth of a claim request's CPU; here the date part is cached (the times
 * of one reply, and of a busy second, fall on one day) and the time of day is plain arithmetic.
 */
final class Rfc3339 {
  private Rfc3339() {}

  static final int LENGTH = 24;
  private static final long DAY_MS = 86_400_000L;
  private static final long FIRST_DAY = LocalDate.of(0, 1, 1).toEpochDay();
  private static final long LAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

  /** The general path, for years outside 0000–9999 (which the API never produces). */
  static final DateTimeFormatter FORMATTER =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** A day and its {@code yyyy-MM-dd}; immutable, so it can be shared between threads unguarded. */
  private record Day(long epochDay, char[] date) {}

  private static volatile Day last = new Day(FIRST_DAY - 1, null);

  /**
   * The formatted time, as characters to hand to a JSON generator without an intermediate String.
   */
  static char[] format(long epochMillis) {
    long epochDay = Math.floorDiv(epochMillis, DAY_MS);
    if (epochDay < FIRST_DAY || epochDay > LAST_DAY) {
      return FORMATTER.format(Instant.ofEpochMilli(epochMillis)).toCharArray();
    }
    Day day = last;
    if (day.epochDay() != epochDay) {
      day = new Day(epochDay, LocalDate.ofEpochDay(epochDay).toString().toCharArray());
      last = day;
    }
    int ms = (int) (epochMillis - epochDay * DAY_MS);
    char[] out = new char[LENGTH];
    System.arraycopy(day.date(), 0, out, 0, 10);
    out[10] = 'T';
    digits(out, 11, 2, ms / 3_600_000);
    out[13] = ':';
    digits(out, 14, 2, ms / 60_000 % 60);
    out[16] = ':';
    digits(out, 17, 2, ms / 1_000 % 60);
    out[19] = '.';
    digits(out, 20, 3, ms % 1_000);
    out[23] = 'Z';
    return out;
  }

  private static void digits(char[] out, int at, int width, int value) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
