package dev.stoker.core;

import java.util.Locale;

/**
 * Where a task is in its life. {@link #DONE}, {@link #DEAD} and {@link #CANCELLED} are terminal: no
 * operation but a redrive (of a dead task) or a retry (of a dead or cancelled task) leaves them.
 * See docs/state-machine.md.
 */
public enum TaskState {
  /**
   * Waiting to be claimed. Entered by enqueue, by a retryable fail, by a release, by the expiry of
   * a lease, by a redrive and by a retry. A pending task whose {@code run_at} is in the future is
   * counted as "scheduled". Left by claim, complete (a late completion), and cancel.
   */
  PENDING,
  /**
   * Claimed by a worker that holds a lease. Left by complete, fail, release, cancel and lease
   * expiry.
   */
  WORKING,
  /** Completed by a worker. Terminal; a completion beats every concurrent update. */
  DONE,
  /** Out of attempts, or failed permanently. Terminal until redriven or retried. */
  DEAD,
  /** Cancelled before it finished. Terminal until retried. */
  CANCELLED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  public boolean isTerminal() {
    return this == DONE || this == DEAD || this == CANCELLED;
  }

  /** The name used on the wire and in the docs: {@code pending}, {@code working}, ... */
  public String wireName() {
    return wireName;
  }

  /** The state with this wire name, or null. */
  public static TaskState fromWireName(String name) {
    for (TaskState s : values()) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    return null;
  }
}
