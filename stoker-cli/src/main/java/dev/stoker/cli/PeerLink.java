package dev.stoker.cli;

import dev.stoker.cluster.Event;
import dev.stoker.cluster.Exchange;
import dev.stoker.cluster.Frame;
import dev.stoker.cluster.VersionVector;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's link to one peer: a thread that sends {@link Exchange}s one at a time over one
 * persistent HTTP/1.1 connection ({@link PeerHttp}) to the peer's API port ({@code POST
 * /v1/cluster/exchange}, a binary body both ways).
 *
 * <p>Why HTTP on the API port rather than a socket of its own: a peer is named by one URL, the one
 * its clients use, so a TCP proxy in front of a node carries both; HTTP/1.1 keep-alive gives the
 * one persistent connection per peer, and one request at a time keeps the exchanges in order (each
 * carries the events after the previous one's, so events of one origin arrive in order and without
 * gaps).
 *
 * <p>Each exchange carries this node's frame (the heartbeat the failure detector needs, at least
 * every 200 ms) and this node's own synced events the peer does not hold yet (push, woken by every
 * sync, so events sent while one exchange is in flight go together in the next: batching follows
 * the load). Every second, and on (re)connect, it also asks for what this node lacks (pull), in
 * pages of {@link ClusterNode#PAGE}. What the peer holds of this node's log is learned from its
 * answers, never assumed: after a failed exchange the link learns it again, so nothing is skipped
 * and a redelivery is harmless.
 */
final class PeerLink {
  private static final Logger log = LoggerFactory.getLogger(PeerLink.class);
  static final long FRAME_EVERY_MS = 200;
  static final long PULL_EVERY_MS = 1_000;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final String EXCHANGE = "/v1/cluster/exchange";
  private static final Map<String, String> BINARY =
      Map.of("Content-Type", "application/octet-stream");

  /** A peer's last frame and when it came (monotonic ms). */
  record Seen(Frame frame, long at) {}

  final int id;
  final URI url;
  private final ClusterNode node;
  private final PeerHttp http;
  private final Thread thread;
  private volatile Seen seen;
  private volatile boolean connected;
  private volatile boolean everAnswered;

  /** The last own event the peer holds or was sent; -1 until an answer says. Link thread only. */
  private long sentOwn = -1;

  private long lastPull = Long.MIN_VALUE / 2;
  private long lastSent = Long.MIN_VALUE / 2;

  /**
   * When the peer last held every event this node held (monotonic ms), for the lag in the status.
   */
  private volatile long caughtUpAt = ClusterNode.monotonicMillis();

  PeerLink(ClusterNode node, int id, URI url) {
    this.node = node;
    this.id = id;
    this.url = url;
    this.http = new PeerHttp(url, Duration.ofSeconds(1));
    this.thread = Thread.ofPlatform().daemon().name("stoker-peer-" + id).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** New own events were synced: push them now. */
  void wake() {
    LockSupport.unpark(thread);
  }

  /**
   * A frame of the peer arrived; {@code newest} says whether it is later than every one before (an
   * overtaken one counts as contact, but what it says is older than what the status shows).
   */
  void heard(Frame f, boolean newest) {
    Seen before = seen;
    seen = new Seen(newest || before == null ? f : before.frame(), ClusterNode.monotonicMillis());
  }

  Seen seen() {
    return seen;
  }

  boolean connected() {
    return connected;
  }

  boolean everAnswered() {
    return everAnswered;
  }

  /** How long the peer has lacked some of what this node holds, 0 if it holds everything. */
  long lagMs(VersionVector mine, long now) {
    Seen s = seen;
    return s != null && s.frame().vector().covers(mine) ? 0 : now - caughtUpAt;
  }

  private void run() {
    while (node.running()) {
      long now = ClusterNode.monotonicMillis();
      long synced = node.store.vector().get(node.self);
      boolean pull = now - lastPull >= PULL_EVERY_MS;
      boolean push = sentOwn >= 0 && synced > sentOwn;
      if (!pull && !push && now - lastSent < FRAME_EVERY_MS) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FRAME_EVERY_MS - (now - lastSent)));
        continue;
      }
      List<Event> events =
          push ? node.store.read(node.self, sentOwn, synced, ClusterNode.PAGE) : List.of();
      try {
        exchange(pull, events);
      } catch (IOException | RuntimeException e) {
        if (connected) {
          log.warn("lost the link to node {} at {}: {}", id, url, e.toString());
        }
        connected = false;
        sentOwn = -1;
        node.unanswered(id);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FRAME_EVERY_MS));
      }
    }
  }

  private void exchange(boolean pull, List<Event> events) throws IOException {
    VersionVector mine = node.store.vector();
    byte[] body =
        node.key.seal(new Exchange(node.frame(), node.membershipHash, pull, true, events).encode());
    lastSent = ClusterNode.monotonicMillis();
    PeerHttp.Answer r = http.post(EXCHANGE, BINARY, body, TIMEOUT);
    if (r.status() != 200) {
      throw new IOException("answered " + r.status() + ": " + r.text());
    }
    Exchange answer = Exchange.decode(node.key.open(r.body()));
    node.check(answer);
    if (!connected) {
      log.info(
          "linked to node {} at {} (it holds {})",
          answer.frame().from(),
          url,
          answer.frame().vector());
    }
    connected = true;
    node.heard(answer.frame());
    everAnswered = true; // after heard: a rejoin waits for what the answer says this node lacks
    long held = answer.frame().vector().get(node.self);
    sentOwn = Math.max(events.isEmpty() ? sentOwn : events.getLast().seq(), held);
    if (answer.frame().vector().covers(mine)) {
      caughtUpAt = ClusterNode.monotonicMillis();
    }
    if (pull) {
      node.received(id, answer.events(), r.body().length);
      // A page that did not hold everything: ask again at once.
      lastPull = answer.complete() ? ClusterNode.monotonicMillis() : Long.MIN_VALUE / 2;
    }
  }

  void close() {
    thread.interrupt();
    http.close();
  }
}
