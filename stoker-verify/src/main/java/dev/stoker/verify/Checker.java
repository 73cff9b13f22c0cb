package dev.stoker.verify;

import dev.stoker.verify.Op.Fn;
import dev.stoker.verify.Op.Item;
import dev.stoker.verify.Op.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The total-queue checker (Jepsen's {@code total-queue}, sharpened for leases): pure logic over a
 * {@link History}'s operations, no I/O. Tasks are known by their value (the producer's unique
 * {@code p3-17} in the params), so a task whose enqueue had an unknown outcome can still be
 * recognised when it turns up.
 *
 * <ul>
 *   <li><b>lost</b>: an acknowledged enqueue whose task is missing from the final read, or not
 *       terminal there (after faults stopped and the workers drained the queue);
 *   <li><b>unexpected</b>: a claimed or stored task whose value was never enqueued;
 *   <li><b>aborted</b>: a task whose enqueue was definitely refused, yet it exists; <b>partial
 *       batch</b>: a batch of unknown outcome of which some tasks exist and some do not;
 *   <li><b>duplicated</b>: a task claimed again although nobody gave it back (fail, release). Each
 *       is explained by the lease that must have expired — the holder crashed or stalled, or a kill
 *       or pause of the server overlapped the lease — or it is <b>unexplained</b>: claimed while
 *       the earlier lease was surely held (sent a heartbeat that was acknowledged, within the
 *       lease), or claimed after its completion was acknowledged;
 *   <li><b>stale token accepted</b>: a heartbeat, fail or release acknowledged with a token whose
 *       claim had been superseded by a later claim before the request was sent; <b>lease revoked
 *       early</b>: one refused as stale while the lease was surely still held;
 *   <li><b>recovered</b>: an enqueue of unknown outcome whose task turned up (reported, not a
 *       failure).
 * </ul>
 *
 * <p>A history of the AP cluster (it starts with a {@link Fn#CLUSTER} operation) is read with the
 * cluster's promises instead: every node's final read must hold every acknowledged task terminal;
 * and a claim while a lease was surely held, a claim after a completion, a stale token accepted, a
 * lease revoked early or a second completion is explained — not a failure — when the two nodes
 * involved could not hear each other at the time ({@link Divergence}: partition, pause, kill, skew
 * beyond {@code max_offset}), and a failure otherwise.
 */
public final class Checker {
  private static final Set<String> TERMINAL = Set.of("done", "dead", "cancelled");

  private Checker() {}

  /** A task the checker has something to say about. */
  public record Finding(String value, String id, String detail) {}

  /** A task claimed again while nobody gave it back, with why (or that nothing explains it). */
  public record Duplicate(String value, String id, String cause, boolean explained, long claimOp) {}

  /**
   * Everything the checker found. {@link #valid()} says whether the run passed. {@code diverged}:
   * in the AP cluster, stale tokens accepted, leases revoked early and second completions that a
   * fault between the two nodes involved explains (reported, not failures).
   */
  public record Result(
      boolean finalRead,
      int attempted,
      int acknowledged,
      int refused,
      int unknown,
      int completed,
      int retries,
      Map<Fn, Map<Type, Integer>> ops,
      List<Finding> lost,
      List<Finding> unexpected,
      List<Finding> aborted,
      List<Finding> partialBatches,
      List<Finding> stuck,
      List<Finding> staleTokens,
      List<Finding> revokedEarly,
      List<Finding> doubleCompletions,
      List<Duplicate> duplicates,
      List<Finding> recovered,
      List<Finding> diverged) {

    public List<Duplicate> unexplained() {
      return duplicates.stream().filter(d -> !d.explained()).toList();
    }

    /**
     * Each kind of failure, by the name the summary gives it, with what was found (empty: none).
     */
    public Map<String, List<Finding>> failures() {
      Map<String, List<Finding>> f = new LinkedHashMap<>();
      f.put("lost", lost);
      f.put("unexpected", unexpected);
      f.put("aborted (refused yet present)", aborted);
      f.put("partial batches", partialBatches);
      f.put("stuck (not terminal)", stuck);
      f.put("stale tokens accepted", staleTokens);
      f.put("leases revoked early", revokedEarly);
      f.put("double completions", doubleCompletions);
      f.put(
          "unexplained duplicates",
          unexplained().stream().map(d -> new Finding(d.value(), d.id(), d.cause())).toList());
      return f;
    }

    /** No loss, nothing unexpected or aborted, no broken fence, every duplicate explained. */
    public boolean valid() {
      return finalRead && failures().values().stream().allMatch(List::isEmpty);
    }

    /** Explained duplicates by cause. */
    public Map<String, Integer> duplicateCauses() {
      Map<String, Integer> causes = new LinkedHashMap<>();
      for (Duplicate d : duplicates) {
        causes.merge(d.explained() ? d.cause() : "UNEXPLAINED", 1, Integer::sum);
      }
      return causes;
    }
  }

  /** One acknowledged claim of a task. */
  private record Claim(Op op, Item item) {}

  /**
   * A task's claims in the order the server made them: by the version each claim's reply showed
   * (every transition makes a strictly larger one), else by when the replies arrived. Two claim
   * requests that overlap in time may be answered in the other order than they were made (one took
   * 5 s on a loaded machine); taken in reply order, the later-made claim would look as if it had
   * been made while the earlier one's lease surely held.
   */
  private static final Comparator<Claim> SERVER_ORDER =
      (a, b) -> {
        String va = a.item.version();
        String vb = b.item.version();
        int byVersion = va != null && vb != null ? compareVersions(va, vb) : 0;
        return byVersion != 0 ? byVersion : Long.compare(a.op.completeNs(), b.op.completeNs());
      };

  /** Compares two versions ({@code done.generation.rank.epoch.phase.hlc.node}) field by field. */
  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c = Long.compareUnsigned(Long.parseUnsignedLong(x[i]), Long.parseUnsignedLong(y[i]));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  /** Checks a history. */
  public static Result check(List<Op> history) {
    return new Run(history).result();
  }

  /** The indexes one check builds over the history. */
  private static final class Run {
    private final Map<String, Op> enqueues = new HashMap<>();
    private final Map<String, List<Claim>> claims = new LinkedHashMap<>();

    /** Claims of unknown outcome: which tasks they took, if any, is not known. */
    private final List<Op> unknownClaims = new ArrayList<>();

    private final Map<String, List<Op>> byToken = new HashMap<>();
    private final Map<String, List<Op>> completes = new LinkedHashMap<>();
    private final List<Op> faults = new ArrayList<>();
    private final List<Op> samples = new ArrayList<>();
    private final Map<Fn, Map<Type, Integer>> counts = new EnumMap<>(Fn.class);

    /** The final read of node 0 (or of the only server). */
    private Map<String, Item> finalState;

    /** Every final read, node 0's first: the AP cluster's nodes are each read. */
    private final Map<String, Map<String, Item>> finalReads = new LinkedHashMap<>();

    private final Divergence divergence;
    private final ReplicationLag lag;

    Run(List<Op> history) {
      int nodes = 0;
      for (Op op : history) {
        counts
            .computeIfAbsent(op.f(), f -> new EnumMap<>(Type.class))
            .merge(op.type(), 1, Integer::sum);
        switch (op.f()) {
          case ENQUEUE -> op.items().forEach(i -> enqueues.putIfAbsent(i.value(), op));
          case CLAIM -> {
            if (op.ok()) {
              for (Item i : op.items()) {
                claims.computeIfAbsent(i.value(), v -> new ArrayList<>()).add(new Claim(op, i));
              }
            } else if (op.type() == Type.INFO) {
              unknownClaims.add(op);
            }
          }
          case KILL, PAUSE, POWER, PARTITION, SKEW -> faults.add(op);
          case CLUSTER -> nodes = op.items().size();
          case CLUSTER_STATE -> samples.add(op);
          case FINAL_READ -> {
            if (op.ok()) {
              Map<String, Item> read = new HashMap<>();
              op.items().forEach(i -> read.put(i.value(), i));
              finalReads.put(op.process(), read);
              if (op.process().equals("final")) {
                finalState = read;
              }
            }
          }
          default -> {
            for (Item i : op.items()) {
              if (i.token() != null) {
                byToken.computeIfAbsent(i.token(), t -> new ArrayList<>()).add(op);
              }
              if (op.f() == Fn.COMPLETE && op.ok()) {
                completes.computeIfAbsent(i.value(), v -> new ArrayList<>()).add(op);
              }
            }
          }
        }
      }
      claims.values().forEach(list -> list.sort(SERVER_ORDER));
      divergence = new Divergence(nodes, faults);
      lag = new ReplicationLag(samples, faults);
      if (nodes > 0 && finalReads.size() < nodes) {
        finalState =
            null; // a node that could not be read: nothing can be concluded about its replica
      }
    }

    Result result() {
      List<Finding> lost = new ArrayList<>();
      List<Finding> unexpected = new ArrayList<>();
      List<Finding> aborted = new ArrayList<>();
      List<Finding> partial = new ArrayList<>();
      List<Finding> stuck = new ArrayList<>();
      List<Finding> recovered = new ArrayList<>();
      int acknowledged = 0;
      int refused = 0;
      int unknown = 0;

      Set<String> seen = new LinkedHashSet<>(claims.keySet());
      if (finalState != null) {
        seen.addAll(finalState.keySet());
      }
      for (Map.Entry<String, Op> e : enqueues.entrySet()) {
        String value = e.getKey();
        Op op = e.getValue();
        switch (op.type()) {
          case OK -> {
            acknowledged++;
            if (finalState != null) {
              lost(value, op, lost);
            }
          }
          case FAIL -> {
            refused++;
            if (seen.contains(value)) {
              aborted.add(
                  new Finding(
                      value,
                      null,
                      "its enqueue was refused (op "
                          + op.index()
                          + ", HTTP "
                          + op.status()
                          + ") yet it exists"));
            }
          }
          case INFO -> {
            unknown++;
            if (seen.contains(value)) {
              recovered.add(
                  new Finding(
                      value, null, "enqueue of unknown outcome (op " + op.index() + ") turned up"));
            }
          }
        }
      }
      for (String value : seen) {
        if (!enqueues.containsKey(value)) {
          unexpected.add(new Finding(value, idOf(value), "claimed or stored but never enqueued"));
        }
      }
      if (finalState != null) {
        partialBatches(partial);
        for (Item i : finalState.values()) {
          Op enq = enqueues.get(i.value());
          if (enq != null && enq.type() != Type.OK && !TERMINAL.contains(i.state())) {
            stuck.add(new Finding(i.value(), i.id(), i.state() + " at the end"));
          }
        }
      }
      List<Duplicate> duplicates = new ArrayList<>();
      int retries = duplicates(duplicates);
      List<Finding> doubles = new ArrayList<>();
      List<Finding> diverged = new ArrayList<>();
      completes.forEach(
          (value, ops) -> {
            if (ops.size() > 1) {
              String why = acrossNodes(ops);
              (why != null ? diverged : doubles)
                  .add(
                      new Finding(
                          value,
                          idOf(value),
                          "completion acknowledged "
                              + ops.size()
                              + " times (ops "
                              + ops.stream().map(o -> Long.toString(o.index())).toList()
                              + ")"
                              + (why != null
                                  ? ": " + why
                                  : divergence.replicated()
                                      ? " on nodes " + ops.stream().map(divergence::nodeOf).toList()
                                      : "")));
            }
          });
      int completed = (int) finalStateCount("done");
      return new Result(
          finalState != null,
          enqueues.size(),
          acknowledged,
          refused,
          unknown,
          completed,
          retries,
          counts,
          lost,
          unexpected,
          aborted,
          partial,
          stuck,
          staleTokens(diverged),
          revokedEarly(diverged),
          doubles,
          duplicates,
          recovered,
          diverged);
    }

    /**
     * Why completions acknowledged on several nodes could each be, or null if some pair cannot be
     * explained.
     */
    private String acrossNodes(List<Op> completions) {
      String why = null;
      for (int k = 1; k < completions.size(); k++) {
        Op a = completions.get(k - 1);
        Op b = completions.get(k);
        int x = divergence.nodeOf(a);
        int y = divergence.nodeOf(b);
        Divergence.Cause c = x == y ? null : divergence.cause(x, y, a.invokeNs(), b.completeNs());
        if (c == null) {
          c = divergence.lag(x, y, a.completeNs(), b.invokeNs());
        }
        if (c == null && behind(y, x, a, b)) {
          c = Divergence.Cause.BEHIND;
        }
        if (c == null) {
          return null;
        }
        why = c.label;
      }
      return why;
    }

    /**
     * Whether node {@code y}, which acknowledged completion {@code b}, had not received the
     * completion {@code a} that node {@code x} acknowledged first, by the samples; and, when {@code
     * b} was sent before {@code a} was answered (either could have been applied first), neither had
     * {@code x} received {@code b}.
     */
    private boolean behind(int y, int x, Op a, Op b) {
      return lag.behind(y, x, a.invokeNs(), b.completeNs())
          && (b.invokeNs() >= a.completeNs() || lag.behind(x, y, b.invokeNs(), a.completeNs()));
    }

    /**
     * An acknowledged task missing or not terminal in a final read (in the AP cluster: on any
     * node).
     */
    private void lost(String value, Op enqueue, List<Finding> lost) {
      for (Map.Entry<String, Map<String, Item>> read : finalReads.entrySet()) {
        String where =
            finalReads.size() == 1
                ? ""
                : " on "
                    + (read.getKey().equals("final")
                        ? "node 0"
                        : "node " + read.getKey().substring("final-".length()));
        Item last = read.getValue().get(value);
        if (last == null) {
          lost.add(
              new Finding(
                  value,
                  idOf(enqueue, value),
                  "acknowledged (op "
                      + enqueue.index()
                      + ") but missing"
                      + " at the end"
                      + where
                      + (completes.containsKey(value)
                          ? ", although its completion was acknowledged"
                          : "")));
          return;
        } else if (!TERMINAL.contains(last.state())) {
          lost.add(
              new Finding(
                  value,
                  last.id(),
                  "acknowledged (op "
                      + enqueue.index()
                      + ") but "
                      + last.state()
                      + " at the end"
                      + where));
          return;
        }
      }
    }

    private long finalStateCount(String state) {
      return finalState == null
          ? 0
          : finalState.values().stream().filter(i -> state.equals(i.state())).count();
    }

    /** Batches of unknown outcome must exist whole or not at all. */
    private void partialBatches(List<Finding> partial) {
      Set<Op> batches = new HashSet<>();
      for (Op op : enqueues.values()) {
        if (op.type() == Type.INFO && op.items().size() > 1 && batches.add(op)) {
          long present = op.items().stream().filter(i -> finalState.containsKey(i.value())).count();
          if (present > 0 && present < op.items().size()) {
            partial.add(
                new Finding(
                    op.items().get(0).value(),
                    null,
                    "batch of "
                        + op.items().size()
                        + " (op "
                        + op.index()
                        + ") is there in part: "
                        + present
                        + " tasks"));
          }
        }
      }
    }

    /** Classifies every claim after a task's first; returns how many were retries (given back). */
    private int duplicates(List<Duplicate> out) {
      int retries = 0;
      for (List<Claim> list : claims.values()) {
        for (int k = 1; k < list.size(); k++) {
          Claim prev = list.get(k - 1);
          Claim next = list.get(k);
          if (completedBefore(next.item)) {
            // A completion applied before this claim, whatever its client was told (a reply lost
            // to a timeout looks like a completion that never happened): no fault explains it.
            out.add(
                new Duplicate(
                    next.item.value(),
                    next.item.id(),
                    "claimed again (op "
                        + next.op.index()
                        + ") although already completed: the claim's version "
                        + next.item.version()
                        + " counts a completion",
                    false,
                    next.op.index()));
            continue;
          }
          List<Op> held = byToken.getOrDefault(prev.item.token(), List.of());
          if (held.stream()
              .anyMatch(
                  o ->
                      (o.f() == Fn.FAIL || o.f() == Fn.RELEASE)
                          && o.type() != Type.FAIL
                          && o.invokeNs() < next.op.completeNs())) {
            retries++;
            continue;
          }
          String value = next.item.value();
          int x = divergence.grantorOf(prev.op, prev.item);
          int y = divergence.grantorOf(next.op, next.item);
          if (divergence.replicated() && x != y && prev.op.invokeNs() > next.op.completeNs()) {
            // Two nodes that could not hear each other make concurrent versions: the claim first
            // by version was made after the other in time, by a node that had not heard of it.
            // In time order, the later claim is the duplicate.
            Divergence.Cause why = divergence.cause(y, x, next.op.invokeNs(), prev.op.completeNs());
            out.add(
                new Duplicate(
                    value,
                    prev.item.id(),
                    why != null
                        ? why.label
                        : "claimed again (op "
                            + prev.op.index()
                            + ") by a node that had not heard of the claim of op "
                            + next.op.index(),
                    why != null,
                    prev.op.index()));
            continue;
          }
          Op done =
              held.stream()
                  .filter(
                      o -> o.f() == Fn.COMPLETE && o.ok() && o.completeNs() < next.op.invokeNs())
                  .findFirst()
                  .orElse(null);
          long lastRenew = prev.op.invokeNs();
          long sureUntil = prev.op.invokeNs() + prev.op.leaseMs() * 1_000_000L;
          Op renewal = null;
          for (Op o : held) {
            if (o.f() == Fn.HEARTBEAT && o.ok() && o.invokeNs() < next.op.completeNs()) {
              lastRenew = Math.max(lastRenew, o.invokeNs());
              sureUntil = Math.max(sureUntil, o.invokeNs() + o.leaseMs() * 1_000_000L);
              renewal = o;
            }
          }
          if (done != null) {
            Divergence.Cause why =
                x == y ? null : divergence.cause(x, y, done.invokeNs(), next.op.completeNs());
            if (why == null) {
              why = unheard(divergence.nodeOf(done), y, done.invokeNs(), next.op.completeNs());
            }
            // A completion sent after the lease could have run out (a worker that stalled or was
            // cut off) is a race the worker may lose in the cluster: another node may hand the
            // task out again until it hears of the completion. The lease that ran out explains it.
            boolean lostRace =
                why == null
                    && done.invokeNs() >= sureUntil
                    && divergence.lag(
                            divergence.nodeOf(done), y, done.completeNs(), next.op.invokeNs())
                        != null;
            // The same race judged from the samples: the previous lease could have run out, and
            // the node that handed the task out again had not received the completion yet. Within
            // the lease it would be a second dispatcher of the task, which no lag excuses.
            boolean behind =
                why == null
                    && !lostRace
                    && next.op.completeNs() >= sureUntil
                    && lag.behind(
                        y, divergence.nodeOf(done), done.invokeNs(), next.op.completeNs());
            out.add(
                new Duplicate(
                    value,
                    next.item.id(),
                    why != null
                        ? why.label
                        : lostRace
                            ? cause(held, lastRenew, next.op.completeNs())
                            : behind
                                ? Divergence.Cause.BEHIND.label
                                : "claimed again (op "
                                    + next.op.index()
                                    + ") after its completion was acknowledged (op "
                                    + done.index()
                                    + ")",
                    why != null || lostRace || behind,
                    next.op.index()));
            continue;
          }
          Divergence.Cause across = divergence.cause(x, y, lastRenew, next.op.completeNs());
          if (across == null && renewal != null) {
            across = unheard(divergence.nodeOf(renewal), y, lastRenew, next.op.completeNs());
          }
          if (next.op.completeNs() < sureUntil) {
            out.add(
                new Duplicate(
                    value,
                    next.item.id(),
                    across != null
                        ? across.label
                        : "claimed again (op "
                            + next.op.index()
                            + ") "
                            + (sureUntil - next.op.completeNs()) / 1_000_000
                            + " ms before the previous"
                            + " lease could have expired",
                    across != null,
                    next.op.index()));
            continue;
          }
          // The lease could have run out anyway: the stealer judging it across a partition is the
          // one new cause.
          out.add(
              new Duplicate(
                  value,
                  next.item.id(),
                  x != y && across == Divergence.Cause.PARTITION
                      ? across.label
                      : cause(held, lastRenew, next.op.completeNs()),
                  true,
                  next.op.index()));
        }
      }
      return retries;
    }

    /**
     * Whether a claim's reply shows a version whose first field, {@code done}, counts a completion:
     * nothing may hand out a task once it was completed, on one node or on a replica that heard of
     * it.
     */
    /**
     * Why node {@code granted}, which handed a task out again, could not have heard what node
     * {@code acted} acknowledged of the previous claim (a heartbeat, a completion: a worker sends
     * them to its own node, which need not be the one that granted the lease): a fault between the
     * two, or null when they are one node or none.
     */
    private Divergence.Cause unheard(int acted, int granted, long fromNs, long toNs) {
      return acted == granted ? null : divergence.cause(acted, granted, fromNs, toNs);
    }

    private static boolean completedBefore(Item claimed) {
      String v = claimed.version();
      return v != null && v.startsWith("1.");
    }

    /**
     * Why a lease expired: the holder crashed or stalled, a fault hit the server, or a heartbeat
     * was late.
     */
    private String cause(List<Op> held, long from, long to) {
      for (Op o : held) {
        if (o.f() == Fn.CRASH) {
          return "worker crash";
        }
        if (o.f() == Fn.STALL) {
          return "worker stall";
        }
      }
      for (Op fault : faults) {
        if (fault.invokeNs() < to && fault.completeNs() > from) {
          if (fault.f() == Fn.PAUSE) {
            return "server pause";
          }
          if (fault.f() == Fn.POWER) {
            return "power cut";
          }
          if (fault.f() == Fn.PARTITION) {
            return "partition";
          }
          if (fault.f() == Fn.SKEW) {
            return "clock skew restart";
          }
          return Nemesis.isDatabaseKill(fault) ? "database kill" : "server kill";
        }
      }
      return "lease expired (heartbeat late)";
    }

    /** Heartbeat, fail or release acknowledged with a token already superseded when it was sent. */
    private List<Finding> staleTokens(List<Finding> diverged) {
      List<Finding> stale = new ArrayList<>();
      for (List<Claim> list : claims.values()) {
        for (int k = 0; k + 1 < list.size(); k++) {
          Claim next = list.get(k + 1);
          for (Op o : byToken.getOrDefault(list.get(k).item.token(), List.of())) {
            if ((o.f() == Fn.HEARTBEAT || o.f() == Fn.FAIL || o.f() == Fn.RELEASE)
                && o.ok()
                && o.invokeNs() > next.op.completeNs()) {
              int x = divergence.nodeOf(o);
              int y = divergence.grantorOf(next.op, next.item);
              Divergence.Cause why =
                  x == y ? null : divergence.cause(x, y, next.op.invokeNs(), o.completeNs());
              if (why == null && lag.behind(x, y, next.op.invokeNs(), o.completeNs())) {
                why = Divergence.Cause.BEHIND; // the node had not received the newer claim
              }
              (why != null ? diverged : stale)
                  .add(
                      new Finding(
                          next.item.value(),
                          next.item.id(),
                          o.f().name().toLowerCase()
                              + " (op "
                              + o.index()
                              + ") acknowledged with the token of a claim"
                              + " superseded by op "
                              + next.op.index()
                              + (why != null ? ": " + why.label : "")));
            }
          }
        }
      }
      return stale;
    }

    /**
     * A heartbeat, fail or release refused as {@code stale-token} although the lease was surely
     * still held: a claim or heartbeat acknowledged before it was sent had extended the lease past
     * the moment the refusal arrived.
     */
    private List<Finding> revokedEarly(List<Finding> diverged) {
      Map<String, Claim> claimOf = new HashMap<>();
      claims.values().forEach(list -> list.forEach(c -> claimOf.put(c.item.token(), c)));
      List<Finding> early = new ArrayList<>();
      byToken.forEach(
          (token, ops) -> {
            Claim claim = claimOf.get(token);
            if (claim == null) {
              return;
            }
            for (Op o : ops) {
              if (o.type() != Type.FAIL
                  || o.status() != 409
                  || o.error() == null
                  || !o.error().endsWith("stale-token")) {
                continue;
              }
              long sureUntil =
                  claim.op.completeNs() < o.invokeNs()
                      ? claim.op.invokeNs() + claim.op.leaseMs() * 1_000_000L
                      : 0;
              for (Op h : ops) {
                if (h.f() == Fn.HEARTBEAT && h.ok() && h.completeNs() < o.invokeNs()) {
                  sureUntil = Math.max(sureUntil, h.invokeNs() + h.leaseMs() * 1_000_000L);
                }
              }
              if (o.completeNs() < sureUntil) {
                String why = supersededAcross(claim, o);
                (why != null ? diverged : early)
                    .add(
                        new Finding(
                            claim.item.value(),
                            claim.item.id(),
                            o.f().name().toLowerCase()
                                + " (op "
                                + o.index()
                                + ") refused as stale "
                                + (sureUntil - o.completeNs()) / 1_000_000
                                + " ms before the lease could have expired"
                                + (why != null ? ": " + why : "")));
              }
            }
          });
      return early;
    }

    /**
     * Why a claim of the task made elsewhere (or on a node with a skewed clock) could have
     * superseded {@code claim} before {@code refusal}, in the AP cluster; null if none could. The
     * other claim is an acknowledged claim of the task, or a claim of unknown outcome on another
     * node (its reply was lost, so which tasks it took is not known).
     */
    private String supersededAcross(Claim claim, Op refusal) {
      int x = divergence.nodeOf(refusal);
      Map<Op, Integer> others = new LinkedHashMap<>();
      unknownClaims.forEach(o -> others.put(o, divergence.nodeOf(o)));
      claims.getOrDefault(claim.item.value(), List.of()).stream()
          .filter(c -> c != claim)
          .forEach(c -> others.put(c.op, divergence.grantorOf(c.op, c.item)));
      for (Map.Entry<Op, Integer> e : others.entrySet()) {
        Op other = e.getKey();
        int y = e.getValue();
        if (other.invokeNs() < refusal.completeNs() && (other.ok() || y != x)) {
          Divergence.Cause why = divergence.cause(x, y, claim.op.invokeNs(), refusal.completeNs());
          if (why != null) {
            return why.label
                + (other.ok() ? "" : ", a claim of unknown outcome (op " + other.index() + ")");
          }
        }
      }
      return null;
    }

    private String idOf(Op op, String value) {
      return op.items().stream()
          .filter(i -> value.equals(i.value()))
          .map(Item::id)
          .findFirst()
          .orElse(null);
    }

    private String idOf(String value) {
      List<Claim> c = claims.get(value);
      if (c != null) {
        return c.get(0).item.id();
      }
      Item i = finalState == null ? null : finalState.get(value);
      return i == null ? null : i.id();
    }
  }
}
