package dev.stoker.cluster;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Per origin, the highest sequence number up to which a node holds every event of that origin (its
 * high-water mark). Because numbers are dense, two vectors say exactly which events one node lacks
 * from another: for each origin, those numbered above its own mark up to the other's (Bayou's
 * anti-entropy).
 */
public record VersionVector(SortedMap<Integer, Long> marks) {

  public static final VersionVector EMPTY = new VersionVector(Collections.emptySortedMap());

  public VersionVector {
    marks = Collections.unmodifiableSortedMap(new TreeMap<>(marks));
  }

  public static VersionVector of(Map<Integer, Long> marks) {
    return new VersionVector(new TreeMap<>(marks));
  }

  /** The high-water mark of {@code origin}: 0 when none of its events is held. */
  public long get(int origin) {
    return marks.getOrDefault(origin, 0L);
  }

  /** Whether this vector holds every event {@code other} holds. */
  public boolean covers(VersionVector other) {
    for (Map.Entry<Integer, Long> e : other.marks.entrySet()) {
      if (get(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** How many events {@code this} lacks that {@code other} holds: the replication lag in events. */
  public long behind(VersionVector other) {
    long n = 0;
    for (Map.Entry<Integer, Long> e : other.marks.entrySet()) {
      n += Math.max(0, e.getValue() - get(e.getKey()));
    }
    return n;
  }

  @Override
  public String toString() {
    return marks.toString();
  }
}
