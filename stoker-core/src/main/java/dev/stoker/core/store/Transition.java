package dev.stoker.core.store;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import java.util.Locale;

/**
 * What happened to a task, as {@code GET /v1/events} names it in {@code event:}
 * (docs/api.md#events). A server names the transitions it makes itself from the operation it
 * carried; a store that reports other servers' transitions ({@link StoreObserver#madeElsewhere})
 * names them with {@link #between}, from the task before and after.
 */
public enum Transition {
  /** A new task (not an enqueue answered with an existing task of its unique key). */
  ENQUEUED,
  /** Handed out by a claim: working. */
  CLAIMED,
  /** Made done by a completion. */
  COMPLETED,
  /** A worker's failure that leaves the task pending for another attempt. */
  FAILED,
  /** A worker's failure that made the task dead (permanent, or its last attempt). */
  DEAD,
  /** Given back by its worker, or by the server when the claim's client hung up: pending again. */
  RELEASED,
  /** Cancelled. */
  CANCELLED,
  /** A dead task made pending again by a redrive. */
  REDRIVEN,
  /** A dead or cancelled task made pending again by a retry of that task. */
  RETRIED,
  /** Its lease ran out: pending again, or dead after its last attempt. */
  EXPIRED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /**
   * The transition that made {@code after} from {@code before} (null: the task is new), or null
   * when there was none (a heartbeat, or the same version written again). Told apart by the rules
   * of {@link dev.stoker.core.Transitions}: a lease ends by expiry when it had run out by the time
   * of the change, a release gives the attempt back, a failure does not. One pair is ambiguous: a
   * dead task revived is {@link #REDRIVEN} whether a redrive or a retry of that task revived it
   * (the task after both is the same); a cancelled one is {@link #RETRIED}, since only a retry
   * revives it.
   */
  public static Transition between(Task before, Task after) {
    if (before == null) {
      return ENQUEUED;
    }
    if (before.version().equals(after.version())) {
      return null;
    }
    return switch (after.state()) {
      case DONE -> COMPLETED;
      case CANCELLED -> CANCELLED;
      case WORKING -> CLAIMED;
      case DEAD ->
          before.state() == TaskState.WORKING && leaseRanOut(before, after) ? EXPIRED : DEAD;
      case PENDING ->
          switch (before.state()) {
            case DEAD -> REDRIVEN;
            case CANCELLED -> RETRIED;
            case WORKING ->
                leaseRanOut(before, after)
                    ? EXPIRED
                    : after.attempt() < before.attempt() ? RELEASED : FAILED;
            default -> null;
          };
    };
  }

  private static boolean leaseRanOut(Task before, Task after) {
    return before.isLeaseExpiredAt(after.updatedAt());
  }
}
