package dev.stoker.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Who may hand out which pending task, and who judges which lease, on one node (ap-cluster.md §4).
 * Pure state: the node feeds it frames and the time, and asks it before every claim and every
 * expiry.
 *
 * <ul>
 *   <li><b>Home.</b> A task's home is the node that accepted it (its id says which). Only the home
 *       hands out its pending tasks while it is reachable, so a healthy cluster never dispatches a
 *       task twice.
 *   <li><b>Steal.</b> When a home has been unreachable (no direct or relayed contact) for {@code
 *       steal_delay}, its designated stealer ({@link Membership#stealerOf}) dispatches its pending
 *       tasks and judges the leases it granted.
 *   <li><b>Handback.</b> When the home is heard again the stealer stops at once, and tells the home
 *       the vector it had when it stopped. The home does not hand out its own tasks while any peer
 *       says it steals them, nor until it has applied everything up to a handed-back vector: so it
 *       learns every claim the stealer made before it dispatches again, and the heal itself adds no
 *       duplicate.
 *   <li><b>Start.</b> A node that starts (or restarts) hands out nothing until it has had a frame
 *       from every peer — where it learns of steals in force against it and of what it lacks — or
 *       until a steal_delay has passed, after which nobody can be stealing from it unnoticed.
 * </ul>
 *
 * <p><b>Lease expiry</b> is judged by the node that granted the lease (the node of the claim's
 * version), or by its stealer while it is unreachable, as {@code now − max_offset > expires_at} on
 * the judging node's own wall clock: {@link #leaseExpired}. Never on HLC differences: an HLC is
 * pulled forward by the fastest clock it has heard from, so one node whose clock runs ahead would
 * drag every HLC with it and make every lease look older than it is, on every node; the HLC only
 * orders events. The wall clock of the judge differs from the clock that set {@code expires_at}
 * (the granting node's, or the one that took the last heartbeat) by at most {@code max_offset} when
 * the clocks are sane, so no lease ends early; a clock off by more than that can end a lease early,
 * a duplicate of cause (a).
 */
public final class Dispatch {

  /** Why this node may hand out a pending task. */
  public enum Right {
    HOME,
    STEAL
  }

  private final int self;
  private final Membership members;
  private final ClusterConfig config;
  private final FailureDetector detector;
  private final Set<Integer> stealing = new HashSet<>();

  /**
   * Homes this node stopped stealing from whose handback waits for {@link #stopped}: until the
   * store has stopped handing out their tasks, a claim may still be made under the old rights, and
   * a vector read before it would let the home dispatch without having seen it. Frames report them
   * as still stolen, so their homes wait.
   */
  private final Set<Integer> ending = new HashSet<>();

  private final Map<Integer, VersionVector> handedBack = new HashMap<>();
  private final Map<Integer, Long> handedBackAt = new HashMap<>();

  /**
   * Peers that steal this node's tasks (null) or handed them back at a vector this node must reach.
   */
  private final Map<Integer, VersionVector> blockedBy = new HashMap<>();

  private final Map<Integer, Frame> lastFrame = new HashMap<>();
  private final long incarnation;

  /**
   * When this node started, or ran again after being stopped past steal_delay ({@link #resumed}).
   */
  private long startedAt;

  /** The peers heard from since {@link #startedAt}. */
  private final Set<Integer> heardSinceStart = new HashSet<>();

  private boolean ready;
  private long framesSent;

  /**
   * @param incarnation larger than at any earlier start of this node (see {@link
   *     Frame#incarnation})
   * @param startedAt when this node started, on the monotonic clock the other calls use
   */
  public Dispatch(
      int self,
      Membership members,
      ClusterConfig config,
      FailureDetector detector,
      long incarnation,
      long startedAt) {
    this.self = self;
    this.members = members;
    this.config = config;
    this.detector = detector;
    this.incarnation = incarnation;
    this.startedAt = startedAt;
  }

  public static boolean leaseExpired(long expiresAt, long wallNow, long maxOffsetMs) {
    return wallNow - maxOffsetMs > expiresAt;
  }

  /**
   * Re-decides which homes this node steals from, at {@code now} (monotonic). A steal that ends is
   * handed back once the store has stopped handing out the home's tasks ({@link #stopped}), with
   * the vector the store had then, and that handback is remembered until the home has had a
   * steal_delay to hear of it.
   */
  public void refresh(long now) {
    for (int home : members.nodes()) {
      boolean steals =
          home != self
              && detector.unreachable(home, now)
              && members.stealerOf(home, n -> detector.unreachable(n, now)) == self;
      if (steals) {
        stealing.add(home);
        ending.remove(home);
        handedBack.remove(home);
      } else if (stealing.remove(home)) {
        ending.add(home);
      }
    }
    handedBackAt
        .entrySet()
        .removeIf(
            e -> {
              boolean old = now - e.getValue() > config.stealDelayMs();
              if (old) {
                handedBack.remove(e.getKey());
              }
              return old;
            });
  }

  /**
   * The store now hands out none of the tasks of the homes whose steal ended, and every claim it
   * made under the old rights is in {@code mine}: their handback can go out, with that vector.
   */
  public void stopped(long now, VersionVector mine) {
    for (int home : ending) {
      handedBack.put(home, mine);
      handedBackAt.put(home, now);
    }
    ending.clear();
  }

  /** Whether a steal ended and waits for {@link #stopped}. */
  public boolean stopping() {
    return !ending.isEmpty();
  }

  /** The frame to send to peers now. */
  public Frame frame(long now, VersionVector mine) {
    Set<Integer> stolen = new HashSet<>(stealing);
    stolen.addAll(ending);
    return new Frame(
        self,
        incarnation,
        ++framesSent,
        detector.ages(now),
        Set.copyOf(stolen),
        Map.copyOf(handedBack),
        mine);
  }

  /**
   * A frame from a peer arrived at {@code now}. Whatever its number, it shows that its sender is
   * alive: the failure detector takes every frame as direct contact. The rest — the contact ages it
   * relays, its steals and handbacks — is taken only from a frame newer than the last one taken: a
   * frame overtaken by a later one (a peer's own request, built before its answer to this node's
   * request, arriving after it on the other connection) is old news there, and its ages, measured
   * before the later frame's, would make a silent third node look heard from as late as the
   * overtaken frame arrived. Returns false if the frame was overtaken.
   */
  public boolean onFrame(Frame f, long now) {
    // Before, an overtaken frame was ignored for the detector too: a node that had just relinked to
    // a peer (its answer's frame came first) could find it unreachable a second later, while the
    // peer's requests kept arriving, and become a second stealer of a paused third node (verify
    // seed 20261211 at 1,994 s).
    detector.heard(f.from(), now);
    Frame last = lastFrame.get(f.from());
    if (last != null && !f.isAfter(last)) {
      return false;
    }
    f.contactAges().forEach((peer, age) -> detector.heardOf(peer, age, now));
    lastFrame.put(f.from(), f);
    heardSinceStart.add(f.from());
    if (f.stealing().contains(self)) {
      blockedBy.put(f.from(), null);
    } else if (f.handedBack().containsKey(self)) {
      blockedBy.put(f.from(), f.handedBack().get(self));
    } else if (blockedBy.containsKey(f.from()) && blockedBy.get(f.from()) == null) {
      blockedBy.remove(f.from());
    }
    return true;
  }

  /**
   * Whether this node may hand out a pending task of {@code home} now, and why; null if it may not.
   */
  public Right mayDispatch(int home, long now, VersionVector mine) {
    if (!isReady(now)) {
      return null;
    }
    if (home == self) {
      blockedBy.values().removeIf(v -> v != null && mine.covers(v));
      // A peer that stole and then fell silent (cut off again, crashed) cannot hold this node's
      // tasks
      // hostage: after a steal_delay without it, this side dispatches again, as in any partition.
      blockedBy.keySet().removeIf(peer -> detector.unreachable(peer, now));
      return blockedBy.isEmpty() ? Right.HOME : null;
    }
    return stealing.contains(home) && detector.unreachable(home, now) ? Right.STEAL : null;
  }

  /**
   * Where to forward a claim this node cannot serve from its own tasks (ap-cluster.md §4: one hop,
   * one decision point): the peer that may hand out the most ready tasks — a home for its own, a
   * stealer for an unreachable home's — or -1 when none has any. The peer then decides by its own
   * rights, so forwarding never dispatches a task twice.
   *
   * <p>Only a peer this node's own link reaches now ({@code linked}) and that is not suspected: the
   * forward goes over that link. Relayed evidence keeps a peer behind a cut link unsuspected (C4),
   * and a claim forwarded to it would fail at once.
   *
   * @param readyByHome per home node, how many of its tasks are ready in this node's replica
   * @param linked whether this node's last exchange with a peer succeeded
   */
  public int forwardTarget(Map<Integer, Long> readyByHome, IntPredicate linked, long now) {
    Map<Integer, Long> byDispatcher = new HashMap<>();
    readyByHome.forEach(
        (home, ready) -> {
          int dispatcher =
              detector.unreachable(home, now)
                  ? members.stealerOf(home, n -> detector.unreachable(n, now))
                  : home;
          if (dispatcher != self
              && dispatcher >= 0
              && linked.test(dispatcher)
              && !detector.suspected(dispatcher, now)
              && ready > 0) {
            byDispatcher.merge(dispatcher, ready, Long::sum);
          }
        });
    int best = -1;
    for (Map.Entry<Integer, Long> e : byDispatcher.entrySet()) {
      long most = best < 0 ? -1 : byDispatcher.get(best);
      if (e.getValue() > most || (e.getValue() == most && e.getKey() < best)) {
        best = e.getKey();
      }
    }
    return best;
  }

  /**
   * This process was stopped (SIGSTOP, a VM pause, starvation) longer than steal_delay and runs
   * again at {@code now}. Its peers may have found it unreachable and stolen its tasks, and what it
   * knew of them is old: as after a start, it hands out nothing and judges no lease until it has
   * had a new frame from every peer — where it learns of their steals, and so waits for the
   * handback — or a steal_delay has passed; and its own silence is no reason to steal from them.
   */
  public void resumed(long now) {
    detector.resumed(now);
    startedAt = now;
    heardSinceStart.clear();
    ready = false;
  }

  /** Whether this node has heard from every peer since it started, or waited a steal_delay. */
  public boolean isReady(long now) {
    if (!ready) {
      ready =
          heardSinceStart.size() == members.nodes().size() - 1
              || now - startedAt >= config.stealDelayMs();
    }
    return ready;
  }

  /** Whether this node judges the leases granted by {@code grantingNode}. */
  public boolean judgesLeasesOf(int grantingNode, long now) {
    return grantingNode == self
        || (stealing.contains(grantingNode) && detector.unreachable(grantingNode, now));
  }

  /** The homes whose tasks this node steals now (for the cluster status). */
  public Set<Integer> steals() {
    return Set.copyOf(stealing);
  }

  /** Whether a peer still steals this node's tasks or it has not caught up with a handback. */
  public boolean awaitingHandback() {
    return !blockedBy.isEmpty();
  }
}
