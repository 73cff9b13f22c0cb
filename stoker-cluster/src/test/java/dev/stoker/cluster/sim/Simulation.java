package dev.stoker.cluster.sim;

import dev.stoker.cluster.ClusterConfig;
import dev.stoker.cluster.Dispatch;
import dev.stoker.cluster.Duplicates;
import dev.stoker.cluster.Duplicates.Cause;
import dev.stoker.cluster.Event;
import dev.stoker.cluster.Membership;
import dev.stoker.cluster.TaskReplica;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Version;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * A deterministic simulation of N cluster nodes in one JVM (ap-cluster.md §6, after TigerBeetle's
 * VOPR): virtual time in 10 ms ticks, a seeded {@link SimNetwork}, per-node clocks with an offset
 * and jumps, crashes that drop what was not synced, pauses, simulated clients and {@link
 * SimWorker}s. A run is chaos for the scenario's time, then everything heals and restarts and the
 * run continues without faults until every replica is equal and every task finished; then the
 * checks:
 *
 * <ul>
 *   <li>no replica ever lowered a version (checked at every apply), no origin reused a number (the
 *       log refuses it);
 *   <li>every acknowledged enqueue is on every node;
 *   <li>all replicas converge (equal vectors and equal states) after the heal, and no task is
 *       stuck;
 *   <li>every task handed out twice has a cause, (a)–(e), from the faults the run actually had, and
 *       only causes the scenario allows.
 * </ul>
 *
 * <p>Everything follows from the seed: a failure prints it, and {@code new Simulation(seed,
 * scenario)} replays the run exactly.
 */
final class Simulation {
  static final long TICK_MS = 10;
  static final long LIVENESS_LIMIT_MS = 60_000;

  private enum FaultKind {
    PARTITION,
    CUT,
    CRASH,
    PAUSE,
    JUMP
  }

  private record Fault(int node, FaultKind kind, long start, long end) {}

  private record HandOut(int node, Task task, Dispatch.Right right, long at) {}

  private record Expiry(int node, TaskId task, long epoch, long at) {}

  /**
   * @param received events received by all nodes, pushed or pulled, new or already held
   * @param receivedBytes their encoded size
   */
  record Result(
      long seed,
      int tasks,
      int handOuts,
      Map<Cause, Long> duplicates,
      long expiries,
      long stoppedBy409,
      long convergedMsAfterHeal,
      int events,
      long received,
      long receivedBytes,
      List<String> problems) {}

  final long seed;
  final Scenario scenario;
  final ClusterConfig config = new ClusterConfig(1_000, 2_000, 500);
  final long leaseMs = 3_000;
  final Membership members;
  final SimNetwork network;
  private final SplittableRandom random;
  private final Map<Integer, SimNode> nodes = new TreeMap<>();
  private final List<SimWorker> workers = new ArrayList<>();
  boolean workersOn = true;
  boolean clientsOn = true;
  private long now;
  private final Set<TaskId> acked = new HashSet<>();
  private final List<Fault> faults = new ArrayList<>();
  private final List<HandOut> handOuts = new ArrayList<>();
  private final List<Expiry> expiries = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final Set<Integer> crashAtNextSync = new HashSet<>();
  private final Map<Integer, Long> restartAt = new HashMap<>();
  private final Map<Integer, Long> resumeAt = new HashMap<>();
  private long networkFaultUntil;
  private final List<long[]> cutsInForce = new ArrayList<>();
  private long nextFaultAt = 1_000;
  private long stoppedBy409;
  private final Map<Integer, Long> maxSyncedHlc = new HashMap<>();
  private long received;
  private long receivedBytes;

  Simulation(long seed, Scenario scenario) {
    this.seed = seed;
    this.scenario = scenario;
    this.random = new SplittableRandom(seed);
    this.members = new Membership(IntStream.rangeClosed(1, scenario.nodes()).boxed().toList());
    this.network = new SimNetwork(random.split());
    network.loss = scenario.loss();
    network.duplication = scenario.duplication();
    for (int id : members.nodes()) {
      SimNode n = new SimNode(id, this, random.split());
      n.clockOffset =
          scenario.skewMs() == 0 ? 0 : random.nextLong(-scenario.skewMs(), scenario.skewMs() + 1);
      nodes.put(id, n);
      for (int w = 0; w < 3; w++) {
        workers.add(new SimWorker(this, random.split(), "w" + id + "." + w, id));
      }
    }
  }

  long now() {
    return now;
  }

  SimNode node(int id) {
    return nodes.get(id);
  }

  int nextNode(int id) {
    int i = members.nodes().indexOf(id);
    return members.nodes().get((i + 1) % members.nodes().size());
  }

  // ---- running ----

  Result run() {
    while (now < scenario.chaosMs()) {
      if (now >= nextFaultAt) {
        fault();
        nextFaultAt = now + 800 + random.nextInt(2_500);
      }
      tick();
    }
    long healedAt = heal();
    long convergedAt = -1;
    while (now < healedAt + LIVENESS_LIMIT_MS) {
      tick();
      if (now % 100 == 0 && converged() && allFinished()) {
        convergedAt = now;
        break;
      }
    }
    if (convergedAt < 0) {
      problems.add(
          "not converged and finished " + LIVENESS_LIMIT_MS + " ms after the heal: " + status());
    } else {
      check();
    }
    Map<Cause, Long> dups = classifyDuplicates();
    return new Result(
        seed,
        countTasks(),
        handOuts.size(),
        dups,
        expiries.size(),
        stoppedBy409,
        convergedAt < 0 ? -1 : convergedAt - healedAt,
        nodes.get(1).durableLog().size(),
        received,
        receivedBytes,
        List.copyOf(problems));
  }

  void tick() {
    now += TICK_MS;
    restartAt
        .entrySet()
        .removeIf(
            e -> {
              if (e.getValue() <= now) {
                nodes.get(e.getKey()).start(now);
                return true;
              }
              return false;
            });
    resumeAt
        .entrySet()
        .removeIf(
            e -> {
              if (e.getValue() <= now) {
                nodes.get(e.getKey()).paused = false;
                return true;
              }
              return false;
            });
    if (networkFaultUntil != 0 && now >= networkFaultUntil) {
      cutsInForce.forEach(c -> network.heal((int) c[0], (int) c[1]));
      cutsInForce.clear();
      networkFaultUntil = 0;
    }
    for (SimNetwork.Delivery d = network.next(now); d != null; d = network.next(now)) {
      nodes.get(d.to()).deliver(d.from(), d.message());
    }
    if (clientsOn) {
      for (SimNode n : nodes.values()) {
        if (random.nextDouble() < scenario.enqueueOdds()) {
          String key =
              random.nextDouble() < scenario.uniqueKeyOdds() ? "key-" + random.nextInt(3) : null;
          enqueue(n.id, key);
        }
      }
    }
    nodes.values().forEach(n -> n.tick(now));
    workers.forEach(w -> w.tick(now));
  }

  void enqueue(int node, String uniqueKey) {
    TaskSpec spec = new TaskSpec("job", "{}", random.nextInt(2), null, null, uniqueKey, 10);
    nodes.get(node).enqueue(spec, acked::add);
  }

  private void fault() {
    List<FaultKind> kinds = new ArrayList<>();
    boolean nodeFree = restartAt.isEmpty() && resumeAt.isEmpty();
    if (scenario.partitions() && networkFaultUntil == 0) {
      kinds.add(FaultKind.PARTITION);
    }
    if (scenario.oneWayCuts() && networkFaultUntil == 0) {
      kinds.add(FaultKind.CUT);
    }
    if (scenario.crashes() && nodeFree) {
      kinds.add(FaultKind.CRASH);
    }
    if (scenario.pauses() && nodeFree) {
      kinds.add(FaultKind.PAUSE);
    }
    if (scenario.jumps()) {
      kinds.add(FaultKind.JUMP);
    }
    if (kinds.isEmpty()) {
      return;
    }
    FaultKind kind = kinds.get(random.nextInt(kinds.size()));
    int victim = members.nodes().get(random.nextInt(members.nodes().size()));
    long until = now + 1_000 + random.nextInt(5_000);
    switch (kind) {
      case PARTITION -> {
        // {victim} | the rest, both ways.
        for (int other : members.nodes()) {
          if (other != victim) {
            cutLink(victim, other);
            cutLink(other, victim);
          }
        }
        networkFaultUntil = until;
        members.nodes().forEach(n -> faults.add(new Fault(n, kind, now, until)));
      }
      case CUT -> {
        int other = nextNode(victim);
        cutLink(victim, other);
        if (random.nextBoolean()) {
          cutLink(other, victim);
        }
        networkFaultUntil = until;
        faults.add(new Fault(victim, kind, now, until));
      }
      case CRASH -> {
        if (random.nextBoolean()) {
          crashAtNextSync.add(victim); // after the round's writes, before their sync
        } else {
          nodes.get(victim).crash();
        }
        restartAt.put(victim, until);
        faults.add(new Fault(victim, kind, now, until));
      }
      case PAUSE -> {
        nodes.get(victim).paused = true;
        resumeAt.put(victim, until);
        faults.add(new Fault(victim, kind, now, until));
      }
      case JUMP -> {
        nodes.get(victim).clockOffset += random.nextBoolean() ? 3_000 : -2_000;
        faults.add(new Fault(victim, kind, now, now));
      }
      default -> throw new AssertionError(kind);
    }
  }

  private void cutLink(int from, int to) {
    network.cut(from, to);
    cutsInForce.add(new long[] {from, to});
  }

  /** The chaos ends: links heal, loss stops, crashed nodes restart, paused ones resume. */
  long heal() {
    network.healAll();
    cutsInForce.clear();
    networkFaultUntil = 0;
    network.loss = 0;
    network.duplication = 0;
    crashAtNextSync.clear();
    restartAt.keySet().forEach(id -> nodes.get(id).start(now));
    restartAt.clear();
    resumeAt.keySet().forEach(id -> nodes.get(id).paused = false);
    resumeAt.clear();
    clientsOn = false;
    workersOn = true;
    return now;
  }

  /** Scripted tests: cuts {@code alone} off from the others until {@link #heal}. */
  void isolate(int alone) {
    for (int other : members.nodes()) {
      if (other != alone) {
        network.cut(alone, other);
        network.cut(other, alone);
      }
    }
    members
        .nodes()
        .forEach(n -> faults.add(new Fault(n, FaultKind.PARTITION, now, Long.MAX_VALUE)));
  }

  void runFor(long ms) {
    long end = now + ms;
    while (now < end) {
      tick();
    }
  }

  // ---- hooks the nodes call ----

  boolean crashBeforeSync(SimNode n) {
    if (crashAtNextSync.remove(n.id)) {
      n.crash();
      return true;
    }
    return false;
  }

  void handedOut(SimNode n, Task claimed, Dispatch.Right right) {
    handOuts.add(new HandOut(n.id, claimed, right, now));
  }

  void expired(SimNode n, Task t) {
    expiries.add(new Expiry(n.id, t.id(), t.version().epoch(), now));
  }

  void received(int bytes) {
    received++;
    receivedBytes += bytes;
  }

  void stoppedBy409() {
    stoppedBy409++;
  }

  /**
   * An origin's events only ever move its HLC forward, across crashes too (C5: HLC ≥ pre-crash).
   */
  void checkOwnHlcRises(SimNode n, Event e) {
    long synced = maxSyncedHlc.getOrDefault(n.id, Long.MIN_VALUE);
    if (e.hlc() <= synced) {
      problems.add("node " + n.id + " stamped " + e.hlc() + " after having synced " + synced);
    }
  }

  void synced(SimNode n, Event e) {
    if (e.origin() == n.id) {
      maxSyncedHlc.merge(n.id, e.hlc(), Math::max);
    }
  }

  void checkNeverLower(SimNode n, TaskReplica before, TaskReplica after) {
    if (before != null
        && before.version() != null
        && after.version() != null
        && after.version().compareTo(before.version()) < 0) {
      problems.add(
          "node "
              + n.id
              + " lowered the version of "
              + after.id()
              + " from "
              + before.version()
              + " to "
              + after.version());
    }
  }

  // ---- checks ----

  boolean converged() {
    SimNode first = nodes.get(1);
    for (SimNode n : nodes.values()) {
      if (!n.up || !n.vector().equals(first.vector())) {
        return false;
      }
    }
    Map<TaskId, TaskReplica> state = first.replica().snapshot();
    return nodes.values().stream().allMatch(n -> n.replica().snapshot().equals(state));
  }

  private boolean allFinished() {
    return nodes.get(1).replica().all().stream()
        .allMatch(r -> r.toTask() == null || r.toTask().state().isTerminal());
  }

  private void check() {
    for (SimNode n : nodes.values()) {
      for (TaskId id : acked) {
        TaskReplica r = n.replica().get(id);
        if (r == null || r.toTask() == null) {
          problems.add("acknowledged task " + id + " missing on node " + n.id);
        }
      }
    }
  }

  /**
   * Every task handed out more than once in one generation, by cause; an unexplained one is a
   * problem.
   */
  private Map<Cause, Long> classifyDuplicates() {
    Duplicates dups = new Duplicates();
    Map<TaskId, List<HandOut>> byTask = new HashMap<>();
    for (HandOut h : handOuts) {
      byTask.computeIfAbsent(h.task().id(), k -> new ArrayList<>()).add(h);
    }
    Map<List<String>, List<TaskId>> runByKey = new HashMap<>();
    for (List<HandOut> list : byTask.values()) {
      list.sort(Comparator.comparing(h -> h.task().version()));
      Task first = list.getFirst().task();
      if (first.uniqueKey() != null) {
        runByKey
            .computeIfAbsent(List.of(first.queue(), first.uniqueKey()), k -> new ArrayList<>())
            .add(first.id());
      }
      for (int i = 1; i < list.size(); i++) {
        HandOut earlier = list.get(i - 1);
        HandOut later = list.get(i);
        Cause cause = cause(earlier, later);
        if (cause == null || !scenario.allowed().contains(cause)) {
          problems.add(
              "duplicate of "
                  + later.task().id()
                  + " "
                  + (cause == null
                      ? "without a cause"
                      : "of cause " + cause + ", not expected here")
                  + ": "
                  + earlier
                  + " then "
                  + later
                  + "; faults: "
                  + faults);
        }
        if (cause != null) {
          dups.count(cause);
        }
      }
    }
    for (List<TaskId> ran : runByKey.values()) {
      ran.sort(null);
      for (int i = 1; i < ran.size(); i++) {
        if (livesOverlap(ran.get(i - 1), ran.get(i))) {
          dups.count(Cause.UNIQUE_KEY);
          if (!scenario.allowed().contains(Cause.UNIQUE_KEY)) {
            problems.add("two tasks with one unique key ran: " + ran);
          }
        }
      }
    }
    return dups.counts();
  }

  /**
   * Whether {@code later} was enqueued while {@code earlier} was still live: only then did one key
   * have two live tasks (a key reused after its task finished is no duplicate).
   */
  private boolean livesOverlap(TaskId earlier, TaskId later) {
    Task first = nodes.get(1).replica().get(earlier).toTask();
    Task second = nodes.get(1).replica().get(later).toTask();
    return first == null
        || second == null
        || second.createdAt() <= first.updatedAt() + scenario.skewMs() * 2;
  }

  private Cause cause(HandOut earlier, HandOut later) {
    Version v1 = earlier.task().version();
    Version v2 = later.task().version();
    TaskId id = later.task().id();
    if (v2.generation() != v1.generation()) {
      return null;
    }
    if (v2.epoch() == v1.epoch()) {
      // Two claims of one round: made on two sides. The home was out of touch; why decides the
      // cause.
      return faultCause(TaskReplica.homeOf(id), Math.max(earlier.at(), later.at()));
    }
    for (Expiry x : expiries) {
      if (x.task().equals(id) && x.epoch() == v1.epoch()) {
        int granter = v1.node();
        if (x.node() == granter) {
          return Cause.LEASE_EXPIRY;
        }
        Cause c = faultCause(granter, x.at());
        return c == Cause.PARTITION && hadLeaseFault(granter, x.at()) ? Cause.LEASE_EXPIRY : c;
      }
    }
    return null;
  }

  /** Why {@code node} was out of touch shortly before {@code at}: the fault the run had. */
  private Cause faultCause(int node, long at) {
    Cause best = null;
    for (Fault f : faults) {
      if (f.start() > at || f.end() < at - config.stealDelayMs() - 3_000) {
        continue;
      }
      if (f.node() == node && f.kind() == FaultKind.CRASH) {
        return Cause.CRASH_BEFORE_PUSH;
      }
      if (f.node() == node && f.kind() == FaultKind.PAUSE) {
        best = Cause.FALSE_SUSPICION;
      } else if ((f.kind() == FaultKind.PARTITION || f.kind() == FaultKind.CUT) && best == null) {
        // A cut link counts as a partition when the relay around it failed too (its third node
        // down).
        best = Cause.PARTITION;
      }
    }
    return best;
  }

  private boolean hadLeaseFault(int node, long at) {
    return scenario.stallOdds() > 0
        || faults.stream()
            .anyMatch(f -> f.node() == node && f.kind() == FaultKind.JUMP && f.start() <= at);
  }

  private int countTasks() {
    return nodes.get(1).replica().all().size();
  }

  private String status() {
    StringBuilder b = new StringBuilder();
    for (SimNode n : nodes.values()) {
      long live =
          n.replica().all().stream()
              .filter(r -> r.toTask() != null && !r.toTask().state().isTerminal())
              .count();
      b.append("\n  node ")
          .append(n.id)
          .append(n.up ? "" : " DOWN")
          .append(n.paused ? " PAUSED" : "")
          .append(" vector ")
          .append(n.vector())
          .append(" live tasks ")
          .append(live)
          .append(" steals ")
          .append(n.dispatch().steals())
          .append(" awaiting handback ")
          .append(n.dispatch().awaitingHandback());
    }
    return b.toString();
  }

  /** For scripted tests: the live tasks with {@code key} on each node. */
  Map<Integer, List<TaskId>> liveWithKey(String key) {
    Map<Integer, List<TaskId>> out = new TreeMap<>();
    for (SimNode n : nodes.values()) {
      out.put(
          n.id,
          n.replica().all().stream()
              .map(TaskReplica::toTask)
              .filter(t -> t != null && key.equals(t.uniqueKey()) && !t.state().isTerminal())
              .map(Task::id)
              .sorted()
              .toList());
    }
    return out;
  }

  List<Event> events() {
    return nodes.get(1).durableLog().all();
  }
}
