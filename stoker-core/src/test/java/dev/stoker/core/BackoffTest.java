package dev.stoker.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  /** With this randomness the jitter factor is exactly 1. */
  private static final double NO_JITTER = 0.5;

  /** The largest double below 1, the top of the jitter's range. */
  private static final double ALMOST_ONE = Math.nextDown(1.0);

  @Test
  void the_delay_grows_exponentially_with_the_attempt() {
    Backoff b = new Backoff(1_000, 2.0, 3_600_000);
    assertThat(b.delayMs(1, NO_JITTER)).isEqualTo(1_000);
    assertThat(b.delayMs(2, NO_JITTER)).isEqualTo(2_000);
    assertThat(b.delayMs(3, NO_JITTER)).isEqualTo(4_000);
    assertThat(b.delayMs(4, NO_JITTER)).isEqualTo(8_000);
    assertThat(b.delayMs(11, NO_JITTER)).isEqualTo(1_024_000);
    Backoff triple = new Backoff(100, 3.0, Long.MAX_VALUE);
    assertThat(triple.delayMs(1, NO_JITTER)).isEqualTo(100);
    assertThat(triple.delayMs(5, NO_JITTER)).isEqualTo(8_100);
  }

  @Test
  void the_default_is_one_second_doubling_up_to_an_hour() {
    assertThat(Backoff.DEFAULT).isEqualTo(new Backoff(1_000, 2.0, 3_600_000));
    assertThat(Backoff.DEFAULT.delayMs(1, NO_JITTER)).isEqualTo(1_000);
    assertThat(Backoff.DEFAULT.delayMs(13, NO_JITTER)).isEqualTo(3_600_000);
  }

  @Test
  void the_delay_is_capped_at_max_ms() {
    Backoff b = new Backoff(1_000, 2.0, 60_000);
    assertThat(b.delayMs(6, NO_JITTER)).isEqualTo(32_000);
    assertThat(b.delayMs(7, NO_JITTER)).isEqualTo(60_000);
    assertThat(b.delayMs(8, NO_JITTER)).isEqualTo(60_000);
    assertThat(b.delayMs(1_000, NO_JITTER)).as("the power overflows to infinity").isEqualTo(60_000);
    assertThat(b.delayMs(Integer.MAX_VALUE, NO_JITTER)).isEqualTo(60_000);
    assertThat(b.delayMs(Integer.MAX_VALUE, ALMOST_ONE)).isBetween(60_000L, 72_000L);
  }

  @Test
  void attempt_zero_or_less_counts_as_the_first() {
    Backoff b = new Backoff(1_000, 2.0, 60_000);
    assertThat(b.delayMs(0, NO_JITTER)).isEqualTo(1_000);
    assertThat(b.delayMs(-3, NO_JITTER)).isEqualTo(1_000);
  }

  @Test
  void jitter_stays_within_twenty_percent_either_way() {
    Backoff b = new Backoff(1_000, 2.0, 60_000);
    assertThat(b.delayMs(1, 0.0)).isEqualTo(800);
    assertThat(b.delayMs(1, ALMOST_ONE)).isEqualTo(1_200);
    assertThat(b.delayMs(1, 0.25)).isEqualTo(900);
    assertThat(b.delayMs(1, 0.75)).isEqualTo(1_100);
    assertThat(b.delayMs(10, 0.0)).as("jitter applies after the cap").isEqualTo(48_000);
    assertThat(b.delayMs(10, ALMOST_ONE)).isEqualTo(72_000);

    SplittableRandom random = new SplittableRandom(5);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 100_000; i++) {
      int attempt = 1 + random.nextInt(10);
      long base = Math.min(1_000L << (attempt - 1), 60_000);
      long d = b.delayMs(attempt, random.nextDouble());
      assertThat(d).isBetween(Math.round(base * 0.8), Math.round(base * 1.2));
      if (attempt == 1) {
        min = Math.min(min, d);
        max = Math.max(max, d);
      }
    }
    // The jitter really spreads the retries over the whole band, not just a corner of it.
    assertThat(min).isLessThan(810);
    assertThat(max).isGreaterThan(1_190);
  }

  @Test
  void jitter_is_monotone_in_the_randomness() {
    Backoff b = Backoff.DEFAULT;
    long previous = -1;
    for (double u = 0; u < 1; u += 0.001) {
      long d = b.delayMs(3, u);
      assertThat(d).isGreaterThanOrEqualTo(previous);
      previous = d;
    }
  }

  @Test
  void a_zero_initial_delay_retries_at_once_and_a_multiplier_of_one_is_constant() {
    assertThat(new Backoff(0, 2.0, 60_000).delayMs(5, ALMOST_ONE)).isZero();
    Backoff constant = new Backoff(500, 1.0, 60_000);
    for (int attempt = 1; attempt <= 50; attempt++) {
      assertThat(constant.delayMs(attempt, NO_JITTER)).isEqualTo(500);
    }
  }
}
