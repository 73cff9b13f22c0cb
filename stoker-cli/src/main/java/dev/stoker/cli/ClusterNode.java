package dev.stoker.cli;

import dev.stoker.cluster.CatchUp;
import dev.stoker.cluster.ClusterConfig;
import dev.stoker.cluster.Dispatch;
import dev.stoker.cluster.Duplicates;
import dev.stoker.cluster.Event;
import dev.stoker.cluster.Exchange;
import dev.stoker.cluster.FailureDetector;
import dev.stoker.cluster.Frame;
import dev.stoker.cluster.Membership;
import dev.stoker.cluster.VersionVector;
import dev.stoker.core.Hlc;
import dev.stoker.server.ClusterEndpoint;
import dev.stoker.store.embedded.DispatchRights;
import dev.stoker.store.embedded.Replication;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of an AP cluster at run time (docs/backends/cluster.md): the links to its peers, the
 * dispatch rules fed with their frames, and the answers to their exchanges. The store ({@link
 * Replication}) holds the logs and applies events; this class decides what crosses the network and
 * what the store may hand out.
 *
 * <p>Each peer has one {@link PeerLink}: a thread with one persistent HTTP/1.1 connection that
 * pushes this node's own synced events as they are synced, and every second (and on connect) asks
 * for what this node lacks — anti-entropy over version vectors, which brings third nodes' events
 * around a cut link. A refresher thread re-decides the dispatch rights every 100 ms and hands them
 * to the store when they change.
 *
 * <p>{@link Dispatch} is not thread-safe: every call to it holds this object's lock.
 */
final class ClusterNode implements ClusterEndpoint, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  static final int PAGE = 1_000;

  final int self;
  final Membership members;
  final ClusterConfig config;
  final Replication store;
  final long membershipHash;

  /** Signs and checks every exchange with the peers. */
  final ClusterKey key;

  private final FailureDetector detector;
  private final Dispatch dispatch;
  private final Map<Integer, PeerLink> links = new TreeMap<>();
  private final Runnable onBehind;
  private final Thread refresher;

  /** One refresh at a time: the refresher's, or one a peer's frame sets off ({@link #heard}). */
  private final ReentrantLock refreshing = new ReentrantLock();

  private volatile boolean running = true;

  /** Where the replication lag of received events goes ({@link #recordLagWith}). */
  private volatile LongConsumer lag = ms -> {};

  private final LongAdder receivedBytes = new LongAdder();
  private final LongAdder receivedEvents = new LongAdder();
  private final LongAdder served = new LongAdder();
  private volatile Rights rights;

  /** While rejoining, own events a peer holds are taken back rather than a reason to refuse. */
  private volatile boolean rejoining;

  /**
   * For how long after a pause or a restart a second claim of this node's task is put down to it.
   */
  static final long BLAME_MS = 60_000;

  private final long startedAt = monotonicMillis();

  /**
   * When cluster code last ran on any thread of this node (the refresher runs every 100 ms), and
   * when it last found this process had been stopped past steal_delay. Guarded by this.
   */
  private long lastWake = startedAt;

  private long pausedAt = Long.MIN_VALUE / 2;

  /**
   * How long the rights handed to the store stay good without a refresh: a node stopped longer must
   * not hand out or judge by what it knew before, in the moment between running again and its next
   * refresh.
   */
  private final long rightsValidMs;

  /**
   * @param onBehind called (once) when a peer holds events of this node's own log that its data
   *     directory does not: a node restarted on an empty or old data directory must not number new
   *     events again
   */
  ClusterNode(
      Replication store,
      Map<Integer, URI> peers,
      ClusterConfig config,
      ClusterKey key,
      Runnable onBehind) {
    this.self = store.node();
    this.key = key;
    this.store = store;
    this.config = config;
    List<Integer> ids = new ArrayList<>(peers.keySet());
    ids.add(self);
    this.members = new Membership(ids);
    this.membershipHash = Exchange.membershipHash(members);
    long now = monotonicMillis();
    this.detector = new FailureDetector(self, members, config, now);
    this.dispatch = new Dispatch(self, members, config, detector, store.incarnation(), now);
    this.onBehind = onBehind;
    peers.forEach((id, url) -> links.put(id, new PeerLink(this, id, url)));
    store.onSynced(() -> links.values().forEach(PeerLink::wake));
    this.rightsValidMs = Math.min(1_000, config.stealDelayMs() / 2);
    this.targets = new ForwardTargets(q -> store.readyByHome(q, FORWARD_SCAN), FORWARD_TARGET_MS);
    this.refresher =
        Thread.ofPlatform().daemon().name("stoker-cluster-dispatch").unstarted(this::refreshLoop);
  }

  void start() {
    refresh();
    refresher.start();
    links.values().forEach(PeerLink::start);
  }

  static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }

  /** The frame to send now. */
  synchronized Frame frame() {
    return dispatch.frame(monotonicMillis(), store.vector());
  }

  /** A peer's frame arrived (in its request or in its answer). */
  void heard(Frame f) {
    boolean newest;
    synchronized (this) {
      long now = monotonicMillis();
      checkPause(now);
      newest = dispatch.onFrame(f, now);
    }
    // A frame from a home this node steals from (or news of it, relayed) ends the steal. The store
    // must stop handing out that home's tasks before it applies the events that came with the
    // frame: else it could hand out a task of the home whose claim or completion is in the next
    // page, a duplicate the heal itself made.
    Rights now = rights;
    if (now != null && now.reachBeyond(self)) {
      refresh();
    }
    PeerLink link = links.get(f.from());
    if (link != null) {
      link.heard(f, newest);
    }
    store.peerHolds(f.vector().get(self));
    checkBehind();
  }

  /** An exchange this node started with {@code peer} ended without an answer. */
  synchronized void unanswered(int peer) {
    detector.tried(peer, monotonicMillis());
  }

  private void checkBehind() {
    if (store.behindPeers() > 0 && running && !rejoining) {
      running = false;
      log.error(
          "a peer holds events {}..{} of this node's own log, which this data directory lacks "
              + "(started empty, or from an old copy): refusing to serve",
          store.vector().get(self) + 1,
          store.behindPeers());
      onBehind.run();
    }
  }

  /** Whether a peer's message belongs to this cluster: same membership, a known other node. */
  void check(Exchange x) {
    if (x.membershipHash() != membershipHash) {
      throw new Refused(
          "node "
              + x.frame().from()
              + " was started with other members than node "
              + self
              + " ("
              + members.nodes()
              + ")");
    }
    if (x.frame().from() == self || !links.containsKey(x.frame().from())) {
      throw new Refused(
          "node " + x.frame().from() + " is not a peer of node " + self + " " + members.nodes());
    }
  }

  @Override
  public byte[] exchange(byte[] message) {
    Exchange x;
    try {
      x = Exchange.decode(key.open(message));
    } catch (SecurityException e) {
      throw new Refused(e.getMessage());
    }
    check(x);
    served.increment();
    heard(x.frame());
    apply(x.frame().from(), x.events(), message.length);
    CatchUp.Page page =
        x.pull()
            ? CatchUp.answer(store, x.frame().vector(), PAGE)
            : new CatchUp.Page(List.of(), true, store.vector());
    return key.seal(
        new Exchange(frame(), membershipHash, false, page.complete(), page.events()).encode());
  }

  private void refreshLoop() {
    while (running) {
      try {
        Thread.sleep(100);
        refresh();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("cluster dispatch refresh failed", e);
      }
    }
  }

  private void refresh() {
    refreshing.lock();
    try {
      refreshUnderLock();
    } finally {
      refreshing.unlock();
    }
  }

  private void refreshUnderLock() {
    long now = monotonicMillis();
    VersionVector mine = store.vector();
    Set<Integer> handOut = new HashSet<>();
    Set<Integer> judged = new HashSet<>();
    boolean lapsed = !store.rightsValid();
    synchronized (this) {
      checkPause(now);
      dispatch.refresh(now);
      for (int n : members.nodes()) {
        if (dispatch.mayDispatch(n, now, mine) != null) {
          handOut.add(n);
        }
        // Its own leases a node judges only while it may hand out its own tasks: while a peer
        // steals them,
        // or until it has applied the handback, the stealer's judgement (expiries, new claims)
        // stands.
        if (dispatch.judgesLeasesOf(n, now)
            && dispatch.isReady(now)
            && (n != self || handOut.contains(self))) {
          judged.add(n);
        }
      }
    }
    Rights next = new Rights(Set.copyOf(handOut), Set.copyOf(judged));
    if (!next.equals(rights) || lapsed) {
      boolean changed = rights != null && !next.equals(rights);
      rights = next;
      store.rights(next, rightsValidMs);
      if (changed) {
        // Logged once the store obeys them: a claim of the store's round in flight when they were
        // decided may still be made under the old ones, with an HLC up to that long after the
        // decision (the handback's vector, read below, holds it).
        log.info(
            "dispatch: hands out the tasks of nodes {}, judges the leases of nodes {} "
                + "(decided {} ms before the store's last round under the old rights was synced)",
            handOut,
            judged,
            monotonicMillis() - now);
      }
    } else {
      store.rightsValidFor(rightsValidMs);
    }
    // store.rights returns once the store's rounds under the old rights are on disk: the vector
    // read now holds every claim this node made as a stealer, which the home must see before it
    // dispatches again.
    synchronized (this) {
      if (dispatch.stopping()) {
        dispatch.stopped(monotonicMillis(), store.vector());
      }
    }
  }

  /**
   * Notices that this process was stopped (or starved) past steal_delay — no cluster code ran on
   * any of its threads for that long — and then starts over as after a start ({@link
   * Dispatch#resumed}). Then tells the store what a second claim of one of this node's tasks is put
   * down to now: such a pause in the last minute, so its peers stole from a live node (c); a
   * restart in the last minute, so it may have died with a claim synced and not pushed (d); else a
   * partition (b). Holds the lock.
   */
  private void checkPause(long now) {
    if (now - lastWake > config.stealDelayMs()) {
      log.warn(
          "this node was stopped for {} ms, past steal_delay: its peers may have handed out its tasks; "
              + "it hands out nothing until it hears from them again",
          now - lastWake);
      pausedAt = now;
      dispatch.resumed(now);
    }
    lastWake = Math.max(lastWake, now);
    store.stolenBecause(
        now - pausedAt < BLAME_MS
            ? Duplicates.Cause.FALSE_SUSPICION
            : store.incarnation() > 1 && now - startedAt < BLAME_MS
                ? Duplicates.Cause.CRASH_BEFORE_PUSH
                : Duplicates.Cause.PARTITION);
  }

  /**
   * What this node may hand out and judge: an immutable snapshot the store reads on every claim.
   */
  record Rights(Set<Integer> handOut, Set<Integer> judged) implements DispatchRights {
    @Override
    public boolean mayHandOut(int home) {
      return handOut.contains(home);
    }

    @Override
    public boolean handsOutNothing() {
      return handOut.isEmpty();
    }

    @Override
    public boolean judgesLeasesOf(int grantingNode) {
      return judged.contains(grantingNode);
    }

    /** Whether these rights hand out or judge anything of a node other than {@code self}. */
    boolean reachBeyond(int self) {
      return handOut.stream().anyMatch(n -> n != self) || judged.stream().anyMatch(n -> n != self);
    }
  }

  /**
   * Rejoin on a lost data directory: take this node's own events back from the peers (see
   * Replication).
   */
  void rejoin(boolean on) {
    rejoining = on;
    store.rejoin(on);
  }

  /** Whether every peer answered at least once since the start. */
  boolean heardFromEveryPeer() {
    return links.values().stream().allMatch(PeerLink::everAnswered);
  }

  boolean heardFromAnyPeer() {
    return links.values().stream().anyMatch(PeerLink::everAnswered);
  }

  @Override
  public byte[] status() {
    long now = monotonicMillis();
    VersionVector mine = store.vector();
    StringBuilder j = new StringBuilder(256);
    Set<Integer> steals;
    boolean ready;
    boolean awaiting;
    synchronized (this) {
      steals = new java.util.TreeSet<>(dispatch.steals());
      ready = dispatch.isReady(now);
      awaiting = dispatch.awaitingHandback();
    }
    j.append("{\"node\":")
        .append(self)
        .append(",\"incarnation\":")
        .append(store.incarnation())
        .append(",\"members\":")
        .append(members.nodes())
        .append(",\"ready\":")
        .append(ready)
        .append(",\"vector\":")
        .append(vector(mine))
        .append(",\"steals\":")
        .append(steals)
        .append(",\"awaiting_handback\":")
        .append(awaiting)
        .append(",\"duplicates\":")
        .append(json(duplicates()))
        .append(",\"forwarded_claims\":")
        .append(json(forwardedClaims()))
        .append(",\"peers\":[");
    String sep = "";
    for (PeerLink p : links.values()) {
      boolean unreachable;
      boolean suspected;
      long silence;
      synchronized (this) {
        unreachable = detector.unreachable(p.id, now);
        suspected = detector.suspected(p.id, now);
        silence = detector.silence(p.id, now);
      }
      PeerLink.Seen seen = p.seen();
      VersionVector theirs = seen == null ? VersionVector.EMPTY : seen.frame().vector();
      j.append(sep)
          .append("{\"node\":")
          .append(p.id)
          .append(",\"url\":\"")
          .append(p.url)
          .append('"')
          .append(",\"connected\":")
          .append(p.connected())
          .append(",\"reachable\":")
          .append(!unreachable)
          .append(",\"suspected\":")
          .append(suspected)
          .append(",\"last_contact_ms\":")
          .append(seen == null ? -1 : now - seen.at())
          .append(",\"silence_ms\":")
          .append(silence)
          .append(",\"lag_events\":")
          .append(seen == null ? -1 : theirs.behind(mine))
          .append(",\"lag_ms\":")
          .append(p.lagMs(mine, now))
          .append(",\"steals\":")
          .append(seen == null ? "[]" : new java.util.TreeSet<>(seen.frame().stealing()))
          .append(",\"vector\":")
          .append(vector(theirs))
          .append('}');
      sep = ",";
    }
    j.append("]}");
    return j.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The most entries of each home's range of a queue's ready index a claim that found nothing
   * counts through when it looks for a peer to forward to: the count only ranks the peers, and a
   * few hundred is plenty for that.
   */
  static final int FORWARD_SCAN = 256;

  /**
   * How long a queue's ready counts serve forward targets at most ({@link ForwardTargets}): the
   * failure detector's view (who is reachable, who steals) changes on a scale of seconds.
   */
  static final long FORWARD_TARGET_MS = 1_000;

  private final ForwardTargets targets;
  private final ClaimForwarder forwarder = new ClaimForwarder();

  @Override
  public ForwardedClaim forwardClaim(
      String queue, byte[] claimBody, String authorization, Consumer<ForwardedClaim> tooLate) {
    ForwardTargets.Target first = forwardTarget(queue);
    ForwardedClaim answer = forwardTo(first.node(), queue, claimBody, authorization, tooLate);
    if (first.node() < 0
        || first.scanned()
        || (answer != null && ClaimForwarder.holdsTasks(answer.reply()))) {
      return answer;
    }
    // Chosen on counts scanned earlier, and that peer had nothing for it (or did not answer):
    // count again now, and go to another peer if that shows one, rather than make the claim wait.
    targets.forget(queue);
    ForwardTargets.Target again = forwardTarget(queue);
    return again.node() >= 0 && again.node() != first.node()
        ? forwardTo(again.node(), queue, claimBody, authorization, tooLate)
        : answer;
  }

  private ForwardedClaim forwardTo(
      int node,
      String queue,
      byte[] claimBody,
      String authorization,
      Consumer<ForwardedClaim> tooLate) {
    PeerLink peer = links.get(node);
    return peer == null
        ? null
        : forwarder.forward(node, peer.url, queue, claimBody, authorization, tooLate);
  }

  @Override
  public boolean releaseAt(int node, String taskId, String token, String authorization) {
    PeerLink peer = links.get(node);
    return peer != null && forwarder.release(node, peer.url, taskId, token, authorization);
  }

  /**
   * The peer that may hand out the most ready tasks of {@code queue} in this replica, over a link
   * that is up ({@link Dispatch#forwardTarget}), or -1; on counts kept a while ({@link
   * ForwardTargets}), so many claims that find nothing cost one scan.
   */
  private ForwardTargets.Target forwardTarget(String queue) {
    return targets.target(
        queue,
        store.vector(),
        monotonicMillis(),
        ready -> {
          synchronized (this) {
            return dispatch.forwardTarget(ready, this::linked, monotonicMillis());
          }
        });
  }

  /** Whether this node's last exchange with {@code peer} succeeded. */
  private boolean linked(int peer) {
    PeerLink link = links.get(peer);
    return link != null && link.connected();
  }

  @Override
  public Map<String, Long> forwardedClaims() {
    return forwarder.counts();
  }

  @Override
  public Map<String, Long> duplicates() {
    Map<String, Long> out = new TreeMap<>();
    store.duplicates().forEach((cause, n) -> out.put(String.valueOf(cause.letter()), n));
    return out;
  }

  private static String json(Map<String, Long> counts) {
    StringBuilder b = new StringBuilder("{");
    String sep = "";
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
      sep = ",";
    }
    return b.append('}').toString();
  }

  @Override
  public String notReady() {
    if (rejoining) {
      return "rejoining";
    }
    synchronized (this) {
      return dispatch.isReady(monotonicMillis()) ? null : "joining";
    }
  }

  private static String vector(VersionVector v) {
    StringBuilder b = new StringBuilder("{");
    String sep = "";
    for (Map.Entry<Integer, Long> e : v.marks().entrySet()) {
      b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
      sep = ",";
    }
    return b.append('}').toString();
  }

  boolean running() {
    return running;
  }

  /** A peer answered this node's exchange with {@code events}, in {@code bytes} on the wire. */
  void received(int peer, List<Event> events, int bytes) {
    apply(peer, events, bytes);
  }

  /**
   * Applies a peer's events, counts them and the message's bytes, and records the replication lag
   * of those that were new here.
   */
  private void apply(int peer, List<Event> events, int bytes) {
    receivedBytes.add(bytes);
    if (events.isEmpty()) {
      return;
    }
    VersionVector before = store.vector();
    store.receive(events);
    synchronized (this) {
      detector.applied(peer, monotonicMillis());
    }
    long wall = System.currentTimeMillis();
    LongConsumer record = lag;
    int fresh = 0;
    for (Event e : events) {
      if (e.seq() > before.get(e.origin())) {
        fresh++;
        record.accept(Math.max(0, wall - Hlc.physicalMillis(e.hlc())));
      }
    }
    receivedEvents.add(fresh);
  }

  @Override
  public long receivedBytes() {
    return receivedBytes.sum();
  }

  @Override
  public long receivedEvents() {
    return receivedEvents.sum();
  }

  @Override
  public long exchangesServed() {
    return served.sum();
  }

  @Override
  public void recordLagWith(LongConsumer millis) {
    lag = millis;
  }

  @Override
  public void close() {
    running = false;
    refresher.interrupt();
    links.values().forEach(PeerLink::close);
  }
}
