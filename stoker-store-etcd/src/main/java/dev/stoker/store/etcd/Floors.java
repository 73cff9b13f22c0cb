package dev.stoker.store.etcd;

import java.util.HashMap;
import java.util.Map;

/**
 * Per queue, a ready key below which this server believes nothing is ready: where a claim starts
 * its range, so that it does not walk the deleted keys of earlier claims (etcd 3.4 visits every
 * key, deleted ones included until compaction, in the range it reads).
 *
 * <p>A floor is a belief, not a rule: it is raised only by a read that saw the range below it
 * empty, and lowered by every ready key this server writes or the watch reports. A raise that raced
 * with a lowering (the lowering's key could be below the new floor) is dropped, via a per-queue
 * counter of lowerings. A stale floor only delays a task until the next reset ({@link #reset}),
 * which the claim path does whenever it finds nothing above the floor.
 */
final class Floors {
  private static final class Floor {
    String key;
    long lowerings;
  }

  private final Map<String, Floor> floors = new HashMap<>();

  /**
   * The floor of the queue (null: its start), and the count of lowerings to pass back to {@link
   * #raise}.
   */
  synchronized Snapshot get(String queue) {
    Floor f = floors.computeIfAbsent(queue, q -> new Floor());
    return new Snapshot(f.key, f.lowerings);
  }

  record Snapshot(String key, long lowerings) {}

  synchronized void lower(String queue, String key) {
    Floor f = floors.computeIfAbsent(queue, q -> new Floor());
    if (f.key != null && key.compareTo(f.key) < 0) {
      f.key = key;
    }
    f.lowerings++;
  }

  /** Raises the floor to {@code key} unless a lowering came since {@code seen} was read. */
  synchronized void raise(String queue, String key, Snapshot seen) {
    Floor f = floors.computeIfAbsent(queue, q -> new Floor());
    if (f.lowerings == seen.lowerings() && (f.key == null || key.compareTo(f.key) > 0)) {
      f.key = key;
    }
  }

  synchronized void reset(String queue) {
    Floor f = floors.computeIfAbsent(queue, q -> new Floor());
    f.key = null;
    f.lowerings++;
  }

  synchronized void resetAll() {
    floors
        .values()
        .forEach(
            f -> {
              f.key = null;
              f.lowerings++;
            });
  }
}
