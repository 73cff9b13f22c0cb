package dev.stoker.core;

/**
 * When and where an update is made: the wall-clock time, the HLC timestamp of the update and the
 * node that makes it. Transitions take a stamp instead of reading clocks, so they stay pure
 * functions.
 */
public record Stamp(long now, long hlc, int node) {

  /** A stamp for an update made now by {@code node}. */
  public static Stamp next(Hlc hlc, int node) {
    long ts = hlc.now();
    return new Stamp(hlc.clock().millis(), ts, node);
  }
}
