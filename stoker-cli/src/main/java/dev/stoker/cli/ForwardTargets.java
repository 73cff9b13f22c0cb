package dev.stoker.cli;

import dev.stoker.cluster.VersionVector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Where a claim that found nothing here is forwarded, per queue, without scanning the replica for
 * every such claim (docs/backends/cluster.md, "Forwarded claims"). Counting a queue's ready tasks
 * per home reads and decodes up to a few hundred task records per home; done for every empty claim
 * it took about 3 % of a node's CPU in a 3-node W1 bench, where the vector changes with every event
 * and so could not keep a count for long.
 *
 * <p>The counts of a scan are kept per queue. A claim asks the chooser (the dispatch rules, which
 * weigh in who is reachable and linked now) on the kept counts: when they point at a peer, they
 * serve for {@code goodForMs} whatever arrived meanwhile — the counts only rank the peers, and a
 * peer that turns out to have nothing makes the caller {@link #forget} them and ask again; when
 * they point at no peer, they serve only while the replica is unchanged, so a claim does not wait
 * for a task that an event has just made ready elsewhere. Tasks also become ready without an event
 * (a delay that runs out, a steal), hence the time limit on both.
 */
final class ForwardTargets {

  /** A peer to forward to (-1: none), and whether it was chosen on counts scanned just now. */
  record Target(int node, boolean scanned) {}

  /** A scan's counts: per home, ready tasks; with the replica's vector and the time of the scan. */
  private record Counts(Map<Integer, Long> ready, VersionVector vector, long at) {}

  private final Function<String, Map<Integer, Long>> scan;
  private final long goodForMs;
  private final Map<String, Counts> byQueue = new ConcurrentHashMap<>();
  private final LongAdder scans = new LongAdder();

  /**
   * @param scan per queue, how many of its tasks are ready per home in this replica
   * @param goodForMs how long a scan's counts serve at most
   */
  ForwardTargets(Function<String, Map<Integer, Long>> scan, long goodForMs) {
    this.scan = scan;
    this.goodForMs = goodForMs;
  }

  /**
   * The peer to forward a claim of {@code queue} to, chosen by {@code choose} (-1 for none) on kept
   * counts when they still serve (above), else on a new scan.
   *
   * @param vector this replica's vector now
   * @param now monotonic ms
   */
  Target target(
      String queue, VersionVector vector, long now, ToIntFunction<Map<Integer, Long>> choose) {
    Counts kept = byQueue.get(queue);
    if (kept != null && now - kept.at() < goodForMs) {
      int node = kept.ready().isEmpty() ? -1 : choose.applyAsInt(kept.ready());
      if (node >= 0 || kept.vector().equals(vector)) {
        return new Target(node, false);
      }
    }
    Map<Integer, Long> ready = scan.apply(queue);
    scans.increment();
    byQueue.put(queue, new Counts(ready, vector, now));
    return new Target(ready.isEmpty() ? -1 : choose.applyAsInt(ready), true);
  }

  /** The kept counts of {@code queue} proved wrong (the peer had nothing): scan at the next ask. */
  void forget(String queue) {
    byQueue.remove(queue);
  }

  /** How many scans were made (for tests). */
  long scans() {
    return scans.sum();
  }
}
