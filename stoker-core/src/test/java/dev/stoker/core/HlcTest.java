package dev.stoker.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HlcTest {
  private static final long T = 1_700_000_000_000L;

  private final long[] wall = {T};
  private final Hlc hlc = new Hlc(() -> wall[0]);

  @Test
  void follows_the_wall_clock_when_it_moves_forward() {
    long a = hlc.now();
    assertThat(Hlc.physicalMillis(a)).isEqualTo(T);
    assertThat(Hlc.logical(a)).isZero();
    wall[0] = T + 250;
    long b = hlc.now();
    assertThat(Hlc.physicalMillis(b)).isEqualTo(T + 250);
    assertThat(Hlc.logical(b)).isZero();
  }

  @Test
  void counts_up_the_logical_part_within_one_millisecond() {
    long a = hlc.now();
    long b = hlc.now();
    long c = hlc.now();
    assertThat(Hlc.physicalMillis(c)).isEqualTo(T);
    assertThat(Hlc.logical(b)).isEqualTo(Hlc.logical(a) + 1);
    assertThat(Hlc.logical(c)).isEqualTo(Hlc.logical(a) + 2);
  }

  @Test
  void never_goes_backwards_when_the_wall_clock_steps_back() {
    long last = hlc.now();
    wall[0] = T - 10_000;
    long next = hlc.now();
    assertThat(next).isGreaterThan(last);
    assertThat(Hlc.physicalMillis(next)).isEqualTo(T);

    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      wall[0] = T + random.nextLong(-5_000, 5_000);
      long ts = hlc.now();
      assertThat(ts).isGreaterThan(last);
      assertThat(Hlc.physicalMillis(ts)).isGreaterThanOrEqualTo(wall[0]);
      last = ts;
    }
  }

  @Test
  void observe_advances_past_what_was_seen() {
    hlc.now();
    long seen = Hlc.encode(T + 60_000, 12);
    hlc.observe(seen);
    long next = hlc.now();
    assertThat(next).isGreaterThan(seen);
    assertThat(Hlc.physicalMillis(next)).isEqualTo(T + 60_000);
  }

  @Test
  void observing_an_older_timestamp_changes_nothing() {
    wall[0] = T + 5;
    long a = hlc.now();
    hlc.observe(Hlc.encode(T - 1_000, 3));
    long b = hlc.now();
    assertThat(b).isEqualTo(a + 1);
  }

  @Test
  void the_wall_clock_catching_up_takes_over_again_after_observe() {
    hlc.observe(Hlc.encode(T + 100, 9));
    wall[0] = T + 200;
    long ts = hlc.now();
    assertThat(Hlc.physicalMillis(ts)).isEqualTo(T + 200);
    assertThat(Hlc.logical(ts)).isZero();
  }

  @Test
  void a_full_logical_counter_carries_into_the_millisecond() {
    hlc.observe(Hlc.encode(T, 0xFFFF));
    long ts = hlc.now();
    assertThat(ts).isGreaterThan(Hlc.encode(T, 0xFFFF));
    assertThat(Hlc.physicalMillis(ts)).isEqualTo(T + 1);
    assertThat(Hlc.logical(ts)).isZero();
  }

  @Test
  void encode_and_decode_round_trip_and_keep_the_order() {
    SplittableRandom random = new SplittableRandom(11);
    long[] edgeMillis = {0, 1, T, (1L << 48) - 1};
    int[] edgeLogical = {0, 1, 0x7FFF, 0x8000, 0xFFFF};
    for (long ms : edgeMillis) {
      for (int l : edgeLogical) {
        long ts = Hlc.encode(ms, l);
        assertThat(Hlc.physicalMillis(ts)).isEqualTo(ms);
        assertThat(Hlc.logical(ts)).isEqualTo(l);
      }
    }
    for (int i = 0; i < 10_000; i++) {
      long ms1 = random.nextLong(0, 1L << 47);
      long ms2 = random.nextBoolean() ? ms1 : random.nextLong(0, 1L << 47);
      int l1 = random.nextInt(0x10000);
      int l2 = random.nextInt(0x10000);
      long a = Hlc.encode(ms1, l1);
      long b = Hlc.encode(ms2, l2);
      assertThat(Hlc.physicalMillis(a)).isEqualTo(ms1);
      assertThat(Hlc.logical(a)).isEqualTo(l1);
      int expected = ms1 != ms2 ? Long.compare(ms1, ms2) : Integer.compare(l1, l2);
      assertThat(Integer.signum(Long.compare(a, b))).isEqualTo(expected);
    }
  }

  @Test
  void stamps_carry_the_wall_clock_and_a_fresh_hlc() {
    Stamp s1 = Stamp.next(hlc, 4);
    Stamp s2 = Stamp.next(hlc, 4);
    assertThat(s1.now()).isEqualTo(T);
    assertThat(s1.node()).isEqualTo(4);
    assertThat(s2.hlc()).isGreaterThan(s1.hlc());
    assertThat(hlc.clock().millis()).isEqualTo(T);
  }
}
