package dev.stoker.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * When this node last had evidence that each peer was alive: a frame from it (direct), or a frame
 * from a third node that had heard from it recently (relayed, SWIM-style indirect evidence). So a
 * cut link between two nodes that both still talk to a third is no reason to steal (ap-cluster.md
 * C4).
 *
 * <p>Times are this node's monotonic milliseconds, never wall-clock or HLC time: a clock step must
 * neither make a peer look dead nor keep a dead one alive.
 *
 * <p>Nor does the time this node takes to apply what a peer sent ({@link #applied}): a frame's
 * events are applied before the next frame can come over that link, so a starved node applying a
 * long page would otherwise find its peers silent all at once and steal from live nodes.
 *
 * <p>After a start or a {@link #resumed resume}, a peer's silence counts only from the end of this
 * node's first exchange with it ({@link #tried}): a node whose own first exchanges are slow (a
 * starved machine, a long first catch-up) has no evidence yet that anyone is gone, and must not
 * find every peer unreachable before it has heard back.
 */
public final class FailureDetector {
  private final int self;
  private final ClusterConfig config;
  private final Map<Integer, Long> lastContact = new HashMap<>();

  /** Peers no exchange with has ended since the start or the last resume. */
  private final Set<Integer> untried = new HashSet<>();

  /**
   * Every peer counts as just heard at {@code startedAt}, so no node steals in its first
   * steal_delay.
   */
  public FailureDetector(int self, Membership members, ClusterConfig config, long startedAt) {
    this.self = self;
    this.config = config;
    for (int n : members.nodes()) {
      if (n != self) {
        lastContact.put(n, startedAt);
        untried.add(n);
      }
    }
  }

  /**
   * This process was stopped (SIGSTOP, a VM pause, starvation) and runs again at {@code now}: the
   * silence it measured is its own, not its peers'. Every peer counts as just heard, as at a start.
   */
  public void resumed(long now) {
    lastContact.replaceAll((peer, at) -> Math.max(at, now));
    untried.addAll(lastContact.keySet());
  }

  /** A frame came from {@code peer}. */
  public void heard(int peer, long now) {
    lastContact.merge(peer, now, Math::max);
    untried.remove(peer);
  }

  /**
   * This node has finished applying the events that came with {@code peer}'s last frame: the time
   * that took was this node's, not the peer's silence.
   */
  public void applied(int peer, long now) {
    lastContact.merge(peer, now, Math::max);
  }

  /**
   * An exchange this node started with {@code peer} ended, answered or not (refused, timed out).
   * The first one since the start or a resume is when the peer's silence starts to count.
   */
  public void tried(int peer, long now) {
    if (untried.remove(peer)) {
      lastContact.merge(peer, now, Math::max);
    }
  }

  /** A frame from another node says it heard from {@code peer} {@code ageMs} ago. */
  public void heardOf(int peer, long ageMs, long now) {
    if (peer != self && lastContact.containsKey(peer)) {
      lastContact.merge(peer, now - ageMs, Math::max);
    }
  }

  /** How long ago this node heard from each peer, directly or not: what its frames carry. */
  public Map<Integer, Long> ages(long now) {
    Map<Integer, Long> ages = new HashMap<>();
    lastContact.forEach((peer, at) -> ages.put(peer, now - at));
    return ages;
  }

  /** Milliseconds since the last evidence that {@code peer} is alive. */
  public long silence(int peer, long now) {
    return now - lastContact.getOrDefault(peer, Long.MIN_VALUE / 2);
  }

  public boolean suspected(int peer, long now) {
    return peer != self && silence(peer, now) >= config.suspectAfterMs();
  }

  public boolean unreachable(int peer, long now) {
    return peer != self && !untried.contains(peer) && silence(peer, now) >= config.stealDelayMs();
  }
}
