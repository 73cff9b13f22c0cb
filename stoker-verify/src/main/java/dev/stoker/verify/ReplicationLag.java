package dev.stoker.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evidence, from the sampled {@code GET /v1/cluster} of every node ({@link Op.Fn#CLUSTER_STATE}),
 * that a node of the AP cluster had not yet received what another node acknowledged: pure logic
 * over a history, for the {@link Checker}.
 *
 * <p>Every acknowledged change is an event of the node that made it, numbered densely per origin,
 * made after the request was sent and synced before the reply; a node's {@code vector} counts, per
 * origin, the events it holds without a gap. So for an acknowledgement on node Y (sent at {@code
 * t}) and a later act of node X (answered at {@code u}):
 *
 * <ul>
 *   <li>the acknowledged event's number is larger than Y's count of its own events in any sample of
 *       Y answered before {@code t} (the event did not exist yet): call that count L;
 *   <li>X's count of Y's events never goes down while X runs (events are only added; a received
 *       event's sync may lag, so a kill of X may lose some: no kill of X may fall between), so a
 *       sample of X sent after {@code u} with a count of Y's events of at most L shows that X did
 *       not hold the event when it acted.
 * </ul>
 *
 * Both samples bound the truth from the safe side, so the rule can only fail to explain (X was
 * behind by less than the samples can show), never explain an act of a node that held the event:
 * such an act — a node handing out a task it knows to be done, or taking a token it knows to be
 * superseded — stays a failure. What it explains is only that X did not know; whether X had the
 * right to act (to hand the task out at all) is judged apart, as without it.
 */
final class ReplicationLag {
  private final Map<Integer, List<Op>> samples = new HashMap<>();
  private final List<Op> restarts = new ArrayList<>();

  /**
   * @param samples the history's {@link Op.Fn#CLUSTER_STATE} operations, in the order they were
   *     recorded
   * @param faults the history's fault windows (kills and skew restarts bound the evidence)
   */
  ReplicationLag(List<Op> samples, List<Op> faults) {
    for (Op s : samples) {
      if (s.ok() && s.nodeState() != null && s.nodeState().vector() != null) {
        this.samples.computeIfAbsent(s.nodeState().node() - 1, n -> new ArrayList<>()).add(s);
      }
    }
    this.samples.values().forEach(l -> l.sort((a, b) -> Long.compare(a.invokeNs(), b.invokeNs())));
    for (Op f : faults) {
      if (f.f() == Op.Fn.KILL || f.f() == Op.Fn.POWER || f.f() == Op.Fn.SKEW) {
        restarts.add(f);
      }
    }
  }

  /**
   * Whether the samples show that node {@code x} (index in the history, {@code node-X}) had not
   * received, when it finished an act at {@code actDoneNs}, the event that node {@code y} made for
   * an acknowledged request sent at {@code ackSentNs}. False when they are one node, or when the
   * samples cannot tell.
   */
  boolean behind(int x, int y, long ackSentNs, long actDoneNs) {
    if (x == y) {
      return false;
    }
    Op before = lastAnsweredBefore(y, ackSentNs);
    Op after = firstSentAfter(x, actDoneNs);
    if (before == null || after == null || restarted(x, actDoneNs, after.completeNs())) {
      return false;
    }
    String origin = Integer.toString(y + 1);
    long made = before.nodeState().vector().getOrDefault(origin, 0L);
    long held = after.nodeState().vector().getOrDefault(origin, 0L);
    return held <= made;
  }

  /** Whether the samples can show anything at all (a history of an older build has none). */
  boolean sampled() {
    return !samples.isEmpty();
  }

  private Op lastAnsweredBefore(int node, long ns) {
    Op last = null;
    for (Op s : samples.getOrDefault(node, List.of())) {
      if (s.invokeNs() >= ns) {
        break;
      }
      if (s.completeNs() <= ns) {
        last = s;
      }
    }
    return last;
  }

  private Op firstSentAfter(int node, long ns) {
    List<Op> list = samples.getOrDefault(node, List.of());
    int lo = 0;
    int hi = list.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (list.get(mid).invokeNs() < ns) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < list.size() ? list.get(lo) : null;
  }

  private boolean restarted(int node, long fromNs, long toNs) {
    String name = "node-" + node;
    return restarts.stream()
        .anyMatch(
            f ->
                f.invokeNs() < toNs
                    && f.completeNs() > fromNs
                    && f.items().stream().anyMatch(i -> name.equals(i.value())));
  }
}
