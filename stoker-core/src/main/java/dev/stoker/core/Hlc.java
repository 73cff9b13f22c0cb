package dev.stoker.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hybrid Logical Clock (Kulkarni et al., 2014): timestamps that follow the wall clock but never
 * go backwards, even when the wall clock does, and that advance past every timestamp this node has
 * seen.
 *
 * <p>A timestamp is one {@code long}: the upper 48 bits are physical milliseconds, the lower 16
 * bits a logical counter. Comparing two timestamps as longs compares them as HLC timestamps. When
 * the counter overflows it carries into the millisecond part, which keeps the order total at the
 * cost of running one millisecond ahead of the wall clock for a while.
 */
public final class Hlc {
  private static final int LOGICAL_BITS = 16;

  private final Clock clock;
  private final AtomicLong last = new AtomicLong();

  public Hlc(Clock clock) {
    this.clock = clock;
  }

  /** A new timestamp, larger than every timestamp this clock has issued or observed. */
  public long now() {
    long wall = encode(clock.millis(), 0);
    return last.updateAndGet(prev -> Math.max(wall, prev + 1));
  }

  /**
   * Advances this clock past a timestamp seen elsewhere (a message from another node, or the
   * largest timestamp found in the store on recovery), so that later timestamps from this clock are
   * larger.
   */
  public void observe(long seen) {
    last.accumulateAndGet(seen, Math::max);
  }

  /** The wall clock this HLC follows. */
  public Clock clock() {
    return clock;
  }

  public static long encode(long physicalMillis, int logical) {
    return (physicalMillis << LOGICAL_BITS) | (logical & 0xFFFF);
  }

  public static long physicalMillis(long timestamp) {
    return timestamp >>> LOGICAL_BITS;
  }

  public static int logical(long timestamp) {
    return (int) (timestamp & 0xFFFF);
  }
}
