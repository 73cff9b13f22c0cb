package dev.stoker.cluster.sim;

import dev.stoker.cluster.CatchUp;
import dev.stoker.cluster.Dispatch;
import dev.stoker.cluster.Event;
import dev.stoker.cluster.EventCodec;
import dev.stoker.cluster.FailureDetector;
import dev.stoker.cluster.Frame;
import dev.stoker.cluster.MemoryEventLog;
import dev.stoker.cluster.Origin;
import dev.stoker.cluster.Replica;
import dev.stoker.cluster.TaskReplica;
import dev.stoker.cluster.UniqueKeys;
import dev.stoker.cluster.VersionVector;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One simulated Stoker node in cluster mode, built from the real pure core: {@link Origin}, {@link
 * Replica}, {@link CatchUp}, {@link Dispatch} and core's {@link Transitions}. Its disk is two event
 * logs: what was synced, and what was written since; a crash keeps only the first. Replies wait for
 * the sync that follows their round, as the embedded store's syncer makes them (storage.md), and
 * only synced events are pushed or served to peers.
 */
final class SimNode {
  static final String QUEUE = "q";
  static final long FRAME_EVERY_MS = 200;
  static final int PAGE = 500;
  static final long PULL_EVERY_MS = 100;

  record Pull(VersionVector have) {}

  record Events(List<byte[]> events) {}

  final int id;
  private final Simulation sim;
  private final SplittableRandom random;
  long clockOffset;
  boolean up = true;
  boolean paused;

  private MemoryEventLog durable = new MemoryEventLog();

  /** On the disk too: the incarnation each start takes (the store would keep it in its meta). */
  private long starts;

  private MemoryEventLog log;
  private Replica replica;
  private Origin origin;
  private Hlc hlc;
  private FailureDetector detector;
  private Dispatch dispatch;
  private TaskIdGenerator ids;
  private final List<Event> unsynced = new ArrayList<>();
  private final List<Runnable> replies = new ArrayList<>();
  private final List<Runnable> requests = new ArrayList<>();
  private final List<Object[]> inbox = new ArrayList<>();
  private final Map<Integer, VersionVector> frameAgo = new HashMap<>();
  private long lastPullAt = Long.MIN_VALUE / 2;
  private long lastFrameAt = Long.MIN_VALUE / 2;

  SimNode(int id, Simulation sim, SplittableRandom random) {
    this.id = id;
    this.sim = sim;
    this.random = random;
    start(0);
  }

  long wall() {
    return sim.now() + clockOffset;
  }

  /** (Re)starts from what the disk holds: the replica is the join of the synced events. */
  void start(long now) {
    up = true;
    paused = false;
    log = new MemoryEventLog();
    replica = new Replica();
    long maxHlc = 0;
    for (Event e : durable.all()) {
      log.add(e);
      replica.apply(e);
      maxHlc = Math.max(maxHlc, e.hlc());
    }
    hlc = new Hlc(this::wall);
    hlc.observe(maxHlc);
    origin = new Origin(id, durable.highWater(id));
    detector = new FailureDetector(id, sim.members, sim.config, now);
    dispatch = new Dispatch(id, sim.members, sim.config, detector, ++starts, now);
    ids = new TaskIdGenerator(this::wall, id, random.split());
    frameAgo.clear();
    inbox.clear();
  }

  /** Power off: everything not synced is gone, and so are the answers not sent. */
  void crash() {
    up = false;
    unsynced.clear();
    replies.clear();
    requests.clear();
    inbox.clear();
  }

  void deliver(int from, Object message) {
    if (up) {
      inbox.add(new Object[] {from, message});
    }
  }

  /**
   * A client's or worker's request; answered after the sync that follows the round that runs it.
   */
  void request(Runnable r) {
    if (up) {
      requests.add(r);
    }
  }

  void tick(long now) {
    if (!up || paused) {
      return;
    }
    List<Object[]> messages = new ArrayList<>(inbox);
    inbox.clear();
    for (Object[] m : messages) {
      receive((int) m[0], m[1], now);
    }
    dispatch.refresh(now);
    dispatch.stopped(now, durable.vector()); // this store reads its rights from dispatch itself
    sweep(now);
    if (now - lastFrameAt >= FRAME_EVERY_MS) {
      for (TaskId loser : UniqueKeys.toCancel(replica.all(), id)) {
        TaskReplica current = replica.get(loser);
        Stamp at = Stamp.next(hlc, id);
        if (Transitions.cancel(current.toTask(), at) instanceof Outcome.Ok ok) {
          record(current, ok.task(), at);
        }
      }
    }
    List<Runnable> round = new ArrayList<>(requests);
    requests.clear();
    round.forEach(Runnable::run);
    if (sim.crashBeforeSync(this)) {
      return;
    }
    sync(now);
    if (now - lastFrameAt >= FRAME_EVERY_MS) {
      lastFrameAt = now;
      Frame f = dispatch.frame(now, durable.vector());
      for (int peer : sim.members.nodes()) {
        if (peer != id) {
          sim.network.send(now, id, peer, f);
          // The simulated network carries datagrams: a frame sent is an exchange that ended.
          detector.tried(peer, now);
        }
      }
    }
  }

  private void sync(long now) {
    List<byte[]> push = new ArrayList<>();
    for (Event e : unsynced) {
      durable.add(e);
      sim.synced(this, e);
      if (e.origin() == id) {
        push.add(EventCodec.encode(e));
      }
    }
    unsynced.clear();
    if (!push.isEmpty()) {
      for (int peer : sim.members.nodes()) {
        if (peer != id) {
          sim.network.send(now, id, peer, new Events(push));
        }
      }
    }
    List<Runnable> answers = new ArrayList<>(replies);
    replies.clear();
    answers.forEach(Runnable::run);
  }

  private void receive(int from, Object message, long now) {
    switch (message) {
      case Frame f -> {
        if (dispatch.onFrame(f, now)) {
          // Pull what the peer already held a frame ago: pushes get that long to arrive, so what is
          // still
          // missing was lost. One pull at a time, so two peers do not both send the same events.
          VersionVector earlier = frameAgo.put(from, f.vector());
          if (earlier != null
              && !log.vector().covers(earlier)
              && now - lastPullAt >= PULL_EVERY_MS) {
            lastPullAt = now;
            sim.network.send(now, id, from, new Pull(log.vector()));
          }
        }
      }
      case Pull p -> {
        CatchUp.Page page = CatchUp.answer(durable, p.have(), PAGE);
        if (!page.events().isEmpty()) {
          sim.network.send(
              now, id, from, new Events(page.events().stream().map(EventCodec::encode).toList()));
        }
      }
      case Events batch -> {
        for (byte[] bytes : batch.events()) {
          Event e = EventCodec.decode(bytes);
          sim.received(bytes.length);
          if (log.add(e)) {
            hlc.observe(e.hlc());
            unsynced.add(e);
            apply(e);
          }
        }
      }
      default -> throw new AssertionError(message);
    }
  }

  private void apply(Event e) {
    TaskReplica before = replica.get(e.taskId());
    TaskReplica after = replica.apply(e).after();
    sim.checkNeverLower(this, before, after);
  }

  private void record(TaskReplica current, Task after, Stamp at) {
    Event e = origin.stateEvent(current, after, at);
    sim.checkOwnHlcRises(this, e);
    log.add(e);
    unsynced.add(e);
    apply(e);
  }

  /** Ends the leases this node judges that ran out (now − max_offset past expires_at). */
  private void sweep(long now) {
    for (TaskReplica r : List.copyOf(replica.all())) {
      if (r.register() == null || r.register().state() != TaskState.WORKING) {
        continue;
      }
      Task t = r.toTask();
      if (t != null
          && t.state() == TaskState.WORKING
          && dispatch.judgesLeasesOf(t.version().node(), now)
          && Dispatch.leaseExpired(t.lease().expiresAt(), wall(), sim.config.maxOffsetMs())) {
        Stamp at = Stamp.next(hlc, id);
        record(r, Transitions.expire(t, at), at);
        sim.expired(this, t);
      }
    }
  }

  // ---- the operations clients and workers call, answered after the sync ----

  void enqueue(TaskSpec spec, Consumer<TaskId> ack) {
    request(
        () -> {
          if (spec.uniqueKey() != null) {
            for (TaskReplica r : replica.all()) {
              Task t = r.toTask();
              if (t != null && spec.uniqueKey().equals(t.uniqueKey()) && !t.state().isTerminal()) {
                replies.add(() -> ack.accept(t.id()));
                return;
              }
            }
          }
          Stamp at = Stamp.next(hlc, id);
          Task t = Transitions.enqueue(ids.next(), QUEUE, spec, QueueSettings.DEFAULT, at);
          record(null, t, at);
          replies.add(() -> ack.accept(t.id()));
        });
  }

  /** A claim's answer: the task, or none and the peer to forward the claim to (-1 for none). */
  record ClaimReply(Task task, int forwardTo) {}

  void claim(String owner, Consumer<ClaimReply> reply) {
    request(
        () -> {
          long now = sim.now();
          Task best = null;
          Dispatch.Right right = null;
          if (dispatch.isReady(now)) {
            VersionVector mine = log.vector();
            for (TaskReplica r : replica.all()) {
              if (r.register() == null
                  || r.register().state() != TaskState.PENDING
                  || r.register().runAt() > wall()) {
                continue;
              }
              Task t = r.toTask();
              if (t == null
                  || !t.isClaimableAt(wall())
                  || (best != null && ORDER.compare(t, best) >= 0)) {
                continue;
              }
              Dispatch.Right may = dispatch.mayDispatch(r.home(), now, mine);
              if (may != null) {
                best = t;
                right = may;
              }
            }
          }
          if (best == null) {
            // The simulated network carries datagrams: no link is "up" or "down" but by the frames
            // that cross it, which the failure detector already counts.
            int forwardTo = dispatch.forwardTarget(readyByHome(), peer -> true, now);
            replies.add(() -> reply.accept(new ClaimReply(null, forwardTo)));
            return;
          }
          Stamp at = Stamp.next(hlc, id);
          Task claimed = Transitions.claim(best, owner, sim.leaseMs, at);
          record(replica.get(best.id()), claimed, at);
          Dispatch.Right why = right;
          replies.add(
              () -> {
                sim.handedOut(this, claimed, why);
                reply.accept(new ClaimReply(claimed, -1));
              });
        });
  }

  private Map<Integer, Long> readyByHome() {
    Map<Integer, Long> ready = new HashMap<>();
    for (TaskReplica r : replica.all()) {
      if (r.register() != null
          && r.register().state() == TaskState.PENDING
          && r.register().runAt() <= wall()
          && r.body() != null) {
        ready.merge(r.home(), 1L, Long::sum);
      }
    }
    return ready;
  }

  void heartbeat(TaskId task, String token, Consumer<Outcome> reply) {
    onTask(task, reply, (t, at) -> Transitions.heartbeat(t, token, sim.leaseMs, at));
  }

  void complete(TaskId task, String token, Consumer<Outcome> reply) {
    onTask(task, reply, (t, at) -> Transitions.complete(t, token, "{}", at));
  }

  private void onTask(
      TaskId task,
      Consumer<Outcome> reply,
      java.util.function.BiFunction<Task, Stamp, Outcome> op) {
    request(
        () -> {
          TaskReplica current = replica.get(task);
          Task t = current == null ? null : current.toTask();
          if (t == null) {
            replies.add(() -> reply.accept(new Outcome.NotFound(task)));
            return;
          }
          Stamp at = Stamp.next(hlc, id);
          Outcome o = op.apply(t, at);
          if (o instanceof Outcome.Ok ok) {
            record(current, ok.task(), at);
          }
          replies.add(() -> reply.accept(o));
        });
  }

  private static final Comparator<Task> ORDER =
      Comparator.comparingInt(Task::priority)
          .reversed()
          .thenComparingLong(Task::runAt)
          .thenComparing(Task::id);

  // ---- what the checker reads ----

  MemoryEventLog durableLog() {
    return durable;
  }

  VersionVector vector() {
    return log.vector();
  }

  Replica replica() {
    return replica;
  }

  Dispatch dispatch() {
    return dispatch;
  }
}
