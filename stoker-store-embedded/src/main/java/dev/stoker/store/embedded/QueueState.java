package dev.stoker.store.embedded;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.QueueCounts;

/**
 * What the store keeps in memory about one queue: its number, settings and counts, and where its
 * ready index starts. Only the sequencer thread writes; readers see the published {@link #counts()}
 * and {@link #settings()}.
 */
final class QueueState {
  static final int PENDING = 0;
  static final int SCHEDULED = 1;
  static final int WORKING = 2;
  static final int DONE = 3;
  static final int DEAD = 4;
  static final int CANCELLED = 5;
  static final int SLOTS = 6;

  final int id;
  final String name;
  private volatile QueueSettings settings;
  private final long[] counts;
  private volatile QueueCounts published;

  /**
   * Per range of this queue's ready index (the queue's, {@link Batch#QUEUE_RANGE}, or in cluster
   * mode each home's), a key below which the range has no entries but tombstones. Claims start
   * their scan here instead of at the range's first key, so they do not wade through the deletions
   * that claiming leaves behind. Lowered by every insert below it; none means the range's start.
   * Sequencer thread only.
   */
  final java.util.Map<Integer, byte[]> readyFloors = new java.util.HashMap<>();

  QueueState(int id, String name, QueueSettings settings, long[] counts) {
    this.id = id;
    this.name = name;
    this.settings = settings;
    this.counts = counts;
    publish();
  }

  QueueSettings settings() {
    return settings;
  }

  void settings(QueueSettings s) {
    this.settings = s;
  }

  QueueCounts counts() {
    return published;
  }

  long[] rawCounts() {
    return counts.clone();
  }

  void add(long[] delta) {
    for (int i = 0; i < SLOTS; i++) {
      counts[i] += delta[i];
    }
    publish();
  }

  private void publish() {
    published =
        new QueueCounts(
            counts[PENDING],
            counts[SCHEDULED],
            counts[WORKING],
            counts[DONE],
            counts[DEAD],
            counts[CANCELLED]);
  }

  static int slot(TaskState state, boolean scheduled) {
    return switch (state) {
      case PENDING -> scheduled ? SCHEDULED : PENDING;
      case WORKING -> WORKING;
      case DONE -> DONE;
      case DEAD -> DEAD;
      case CANCELLED -> CANCELLED;
    };
  }
}
