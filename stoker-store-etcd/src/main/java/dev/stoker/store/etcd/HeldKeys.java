package dev.stoker.store.etcd;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Per queue, the ready keys that this server's claim batches in flight are about to take. Several
 * claim batches of one queue run at once (each a read and a transaction, so that etcd commits
 * several together rather than one after the other); each picks among the keys no other batch
 * holds, so that this server's batches do not lose their transactions to each other.
 */
final class HeldKeys {
  private final Map<String, TreeSet<String>> byQueue = new HashMap<>();

  /**
   * Up to {@code n} of these candidates, in their order, that no batch holds yet; the caller holds
   * them from now on, until it {@link #release}s them.
   */
  synchronized List<String> take(String queue, List<String> candidates, int n) {
    TreeSet<String> held = byQueue.computeIfAbsent(queue, q -> new TreeSet<>());
    List<String> out = new ArrayList<>(Math.min(n, candidates.size()));
    for (String k : candidates) {
      if (out.size() == n) {
        break;
      }
      if (held.add(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /** How many keys of the queue the batches in flight hold. */
  synchronized int count(String queue) {
    TreeSet<String> held = byQueue.get(queue);
    return held == null ? 0 : held.size();
  }

  /**
   * The lowest key of the queue held by a batch other than the caller (whose keys are {@code
   * mine}), or null: no claim may raise the queue's floor past it, since that batch may yet fail
   * and leave it ready.
   */
  synchronized String lowestOther(String queue, Set<String> mine) {
    TreeSet<String> held = byQueue.get(queue);
    if (held != null) {
      for (String k : held) {
        if (!mine.contains(k)) {
          return k;
        }
      }
    }
    return null;
  }

  synchronized void release(String queue, Collection<String> keys) {
    TreeSet<String> held = byQueue.get(queue);
    if (held != null) {
      held.removeAll(keys);
      if (held.isEmpty()) {
        byQueue.remove(queue);
      }
    }
  }
}
