package dev.stoker.cluster;

import java.util.List;

/**
 * A node's copy of every origin's log: its own events and those it received. The port the embedded
 * store implements on RocksDB (a column family keyed by (origin, seq)); {@link MemoryEventLog} is
 * the in-memory one the simulation uses.
 *
 * <p>Events may arrive out of order (a push after a lost one): they are held above the high-water
 * mark until the gap fills, and applied at once (the merge does not care about order).
 */
public interface EventLog {

  /**
   * Stores {@code e} unless its (origin, seq) is already held.
   *
   * @return whether it was new (a redelivery is a no-op)
   * @throws IllegalStateException if a different event with the same (origin, seq) is held: an
   *     origin reused a number, which the protocol must never let happen
   */
  boolean add(Event e);

  /** The highest seq of {@code origin} up to which every event is held. */
  long highWater(int origin);

  /** The high-water marks of every origin. */
  VersionVector vector();

  /**
   * The held events of {@code origin} numbered in ({@code after}, {@code upTo}], in order, at most
   * {@code max} of them.
   */
  List<Event> read(int origin, long after, long upTo, int max);
}
