package dev.stoker.store.embedded;

import dev.stoker.core.QueueSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The queues the store knows, by name and by number. Queues are added by the sequencer only. */
final class Catalog {
  private final ConcurrentHashMap<String, QueueState> byName = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, QueueState> byId = new ConcurrentHashMap<>();
  private int nextId = 1;

  void add(QueueState q) {
    byName.put(q.name, q);
    byId.put(q.id, q);
    nextId = Math.max(nextId, q.id + 1);
  }

  /** A new queue with default settings; the caller persists it. */
  QueueState create(String name) {
    QueueState q = new QueueState(nextId, name, QueueSettings.DEFAULT, new long[QueueState.SLOTS]);
    add(q);
    return q;
  }

  void remove(QueueState q) {
    byName.remove(q.name, q);
    byId.remove(q.id, q);
  }

  QueueState byName(String name) {
    return byName.get(name);
  }

  QueueState byId(int id) {
    QueueState q = byId.get(id);
    if (q == null) {
      throw new IllegalStateException("task record names unknown queue number " + id);
    }
    return q;
  }

  List<QueueState> all() {
    List<QueueState> all = new ArrayList<>(byName.values());
    all.sort(Comparator.comparing(q -> q.name));
    return all;
  }
}
