package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Rfc3339Test {
  private static String reference(long millis) {
    return Rfc3339.FORMATTER.format(Instant.ofEpochMilli(millis));
  }

  private static String fast(long millis) {
    return new String(Rfc3339.format(millis));
  }

  @Test
  void formats_like_the_date_time_formatter_at_the_edges() {
    long[] edges = {
      0,
      1,
      999,
      1_000,
      59_999,
      86_399_999,
      86_400_000,
      -1,
      -86_400_000,
      -86_400_001,
      1_763_900_000_123L,
      951_782_400_000L /* 2000-02-29 */,
      4_107_542_399_999L /* 2100-02-28T23:59:59.999 */,
      LocalDate.of(0, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli(),
      LocalDate.of(9999, 12, 31).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli()
          + 86_399_999,
      LocalDate.of(10000, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli(),
      LocalDate.of(-1, 12, 31).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli()
    };
    for (long t : edges) {
      assertThat(fast(t)).as("%d", t).isEqualTo(reference(t));
    }
  }

  @Test
  void formats_like_the_date_time_formatter_across_the_years_the_api_uses() {
    SplittableRandom random = new SplittableRandom(5);
    long end = 253_402_300_800_000L; // 10000-01-01
    for (int i = 0; i < 100_000; i++) {
      long t = random.nextLong(0, end);
      assertThat(fast(t)).as("%d", t).isEqualTo(reference(t));
    }
  }

  @Test
  void consecutive_times_across_midnight_use_the_right_day() {
    long midnight = 1_763_942_400_000L; // 2025-11-24T00:00:00Z
    for (long t = midnight - 3; t <= midnight + 3; t++) {
      assertThat(fast(t)).isEqualTo(reference(t));
      assertThat(fast(t - 86_400_000L * 400)).isEqualTo(reference(t - 86_400_000L * 400));
    }
  }
}
