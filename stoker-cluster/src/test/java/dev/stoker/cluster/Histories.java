package dev.stoker.cluster;

import dev.stoker.core.Backoff;
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
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates what a cluster would produce: a few nodes, each with its own replica, making real
 * transitions ({@link Transitions}) on whatever it currently sees and exchanging events now and
 * then, so the histories contain concurrent updates of one task on several nodes (two claims of one
 * epoch, a completion racing a cancel, a redrive racing a late completion, prunes racing redrives).
 * The output is every event made, in the order made.
 */
final class Histories {
  static final long START = 1_800_000_000_000L;
  private static final Backoff BACKOFF = new Backoff(10, 2.0, 100);

  private final SplittableRandom r;
  private final List<Node> nodes = new ArrayList<>();
  private final List<TaskId> ids = new ArrayList<>();
  private final List<Event> made = new ArrayList<>();
  private final int uniqueKeys;

  private static final class Node {
    final int id;
    long now = START;
    final Hlc hlc;
    final Origin origin;
    final Replica replica = new Replica();
    final TaskIdGenerator ids;
    int exchanged;

    Node(int id, SplittableRandom r) {
      this.id = id;
      this.hlc = new Hlc(() -> now);
      this.origin = new Origin(id, 0);
      this.ids = new TaskIdGenerator(() -> now, id, r.split());
    }
  }

  private Histories(SplittableRandom r, int nodeCount, int uniqueKeys) {
    this.r = r;
    this.uniqueKeys = uniqueKeys;
    for (int i = 0; i < nodeCount; i++) {
      nodes.add(new Node(i + 1, r));
    }
  }

  /** A history of {@code steps} steps on 2–4 nodes. */
  static List<Event> generate(SplittableRandom r, int steps) {
    Histories h = new Histories(r, 2 + r.nextInt(3), r.nextInt(3));
    for (int i = 0; i < steps; i++) {
      h.step();
    }
    return h.made;
  }

  private void step() {
    Node n = nodes.get(r.nextInt(nodes.size()));
    n.now += r.nextInt(0, 40);
    if (ids.isEmpty() || r.nextInt(6) == 0) {
      enqueue(n);
      return;
    }
    if (r.nextInt(5) == 0) {
      // Catch up on some of what the others made: the others' events are not all seen, so updates
      // race.
      int upTo = made.size() - r.nextInt(Math.min(made.size(), 8) + 1);
      for (int i = n.exchanged; i < upTo; i++) {
        receive(n, made.get(i));
      }
      n.exchanged = Math.max(n.exchanged, upTo);
      return;
    }
    TaskId id = ids.get(r.nextInt(ids.size()));
    TaskReplica current = n.replica.get(id);
    Task t = current == null ? null : current.toTask();
    if (t == null) {
      return;
    }
    Stamp at = Stamp.next(n.hlc, n.id);
    Task after =
        switch (t.state()) {
          case PENDING ->
              r.nextInt(6) == 0
                  ? ok(Transitions.cancel(t, at))
                  : r.nextInt(8) == 0
                      ? ok(Transitions.complete(t, anyToken(t), "{}", at))
                      : Transitions.claim(t, "w" + n.id, 50, at);
          case WORKING ->
              switch (r.nextInt(7)) {
                case 0 -> ok(Transitions.heartbeat(t, t.lease().token(), 50, progress(n), at));
                case 1 ->
                    ok(
                        Transitions.fail(
                            t,
                            t.lease().token(),
                            "boom",
                            r.nextInt(4) == 0,
                            null,
                            BACKOFF,
                            0.5,
                            at));
                case 2 -> ok(Transitions.release(t, t.lease().token(), 0, at));
                case 3 -> t.isLeaseExpiredAt(at.now()) ? Transitions.expire(t, at) : null;
                case 4 -> ok(Transitions.cancel(t, at));
                default ->
                    ok(Transitions.complete(t, t.lease().token(), "{\"by\":" + n.id + "}", at));
              };
          case DEAD -> r.nextBoolean() ? Transitions.redrive(t, at) : null;
          default -> null;
        };
    if (after != null) {
      record(n, n.origin.stateEvent(current, after, at));
    } else if (t.state().isTerminal() && r.nextInt(3) == 0) {
      record(n, n.origin.pruneEvent(current, at));
    }
  }

  /**
   * The progress a heartbeat on {@code n} reports: none at times, else one that names the node, so
   * heartbeats of one claim on two nodes disagree (without a draw of the random source: the
   * histories of a seed stay as they were).
   */
  private static String progress(Node n) {
    return n.now % 3 == 0 ? null : "{\"on\":" + n.id + ",\"at\":" + n.now % 2 + "}";
  }

  private void enqueue(Node n) {
    Stamp at = Stamp.next(n.hlc, n.id);
    String key = uniqueKeys > 0 && r.nextBoolean() ? "k" + r.nextInt(uniqueKeys) : null;
    // every third task in a trace, without a draw of the random source (the histories of a seed
    // stay as they were)
    String trace =
        ids.size() % 3 == 0
            ? "00-4bf92f3577b34da6a3ce929d0e0e4736-%016x-01".formatted(ids.size() + 1)
            : null;
    TaskSpec spec =
        new TaskSpec(
            "job",
            "{\"n\":" + ids.size() + "}",
            r.nextInt(3),
            null,
            null,
            key,
            1 + r.nextInt(3),
            trace);
    Task t = Transitions.enqueue(n.ids.next(), "q", spec, QueueSettings.DEFAULT, at);
    ids.add(t.id());
    record(n, n.origin.stateEvent(null, t, at));
  }

  private static String anyToken(Task t) {
    return dev.stoker.core.LeaseToken.of(t.id(), t.version()).encode();
  }

  private void record(Node n, Event e) {
    made.add(e);
    n.replica.apply(e);
  }

  private static void receive(Node n, Event e) {
    n.hlc.observe(e.hlc());
    n.replica.apply(e);
  }

  private static Task ok(Outcome o) {
    return o instanceof Outcome.Ok ok ? ok.task() : null;
  }

  /** Every state a task can be in, to check coverage of the generator. */
  static boolean reaches(List<Event> events, TaskState s) {
    return events.stream().anyMatch(e -> e.register() != null && e.register().state() == s);
  }

  /**
   * The events, each once, and up to as many again drawn from them (duplicates, as a network that
   * redelivers makes), in a random order.
   */
  static List<Event> anyMultiset(List<Event> events, java.util.Random shuffle) {
    List<Event> multiset = new ArrayList<>(events);
    int extra = shuffle.nextInt(events.size() + 1);
    for (int i = 0; i < extra; i++) {
      multiset.add(events.get(shuffle.nextInt(events.size())));
    }
    java.util.Collections.shuffle(multiset, shuffle);
    return multiset;
  }
}
