package dev.stoker.store.etcd;

import dev.stoker.core.Outcome;
import dev.stoker.core.Stamp;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.Completion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Completions that go in their queue's next claim transaction instead of one of their own, so that
 * the completions and the claims of one server's workers (a finish-and-claim completes a task, then
 * claims the next) cost etcd one transaction, not two. Each is decided on the record this server
 * last wrote ({@link Written}) and, like every write, compared by its mod revision in that
 * transaction. Only completions that succeed on that record ride (at most a budget of operations
 * and bytes, leaving the rest of the transaction to the claims); the others, and all of them when
 * the claim transaction fails or is never made, are written as before, by the caller.
 */
final class Riders {
  private final List<Stored> before = new ArrayList<>();
  private final List<Outcome> outcomes = new ArrayList<>();
  private final List<Integer> at = new ArrayList<>();
  private int ops;
  private boolean tried;
  private boolean committed;

  /**
   * Picks the completions that may ride, in order, while they fit {@code maxOps} operations and
   * {@code maxBytes} bytes.
   */
  Riders(
      List<Completion> completions,
      Written written,
      Keys keys,
      long now,
      LongFunction<Stamp> stamp,
      int maxOps,
      int maxBytes) {
    Writes sizing = new Writes(keys, now, 0);
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < completions.size(); i++) {
      Completion c = completions.get(i);
      Stored st = written.get(c.id());
      if (st == null
          || !seen.add(c.id())
          || st.task().state() != TaskState.WORKING
          || st.task().isLeaseExpiredAt(now)) {
        continue; // read first, or expired first, or twice in one batch: written as before
      }
      if (!(c.apply(st.task(), null, stamp.apply(now), null) instanceof Outcome.Ok ok)) {
        continue; // a refusal is only given on a record read from etcd
      }
      sizing.update(st, ok.task());
      if (sizing.size() > maxOps || sizing.bytes() > maxBytes) {
        break;
      }
      before.add(st);
      outcomes.add(ok);
      at.add(i);
      ops = sizing.size();
    }
  }

  /** Whether the completion at {@code i} among those given rides (if the transaction commits). */
  boolean rides(int i) {
    return at.contains(i);
  }

  /** Whether the riders rode in a transaction that committed. */
  boolean hasCommitted() {
    return committed;
  }

  /** The operations the riders add to a transaction. */
  int ops() {
    return tried ? 0 : ops;
  }

  /**
   * Adds the riders to this claim transaction, the first time only (a transaction that fails drops
   * them: they are then written on their own); whether it added any.
   */
  boolean rideIn(Writes w) {
    if (tried || before.isEmpty()) {
      return false;
    }
    tried = true;
    for (int i = 0; i < before.size(); i++) {
      w.update(before.get(i), ((Outcome.Ok) outcomes.get(i)).task());
    }
    return true;
  }

  /** The transaction they rode in committed. */
  void committed() {
    committed = true;
  }

  /**
   * The outcome of each completion the riders decided and committed, by position among the
   * completions given; null for the others (the caller writes them).
   */
  List<Outcome> outcomes(int of) {
    List<Outcome> out = new ArrayList<>(Collections.nCopies(of, (Outcome) null));
    if (committed) {
      for (int i = 0; i < at.size(); i++) {
        out.set(at.get(i), outcomes.get(i));
      }
    }
    return out;
  }
}
