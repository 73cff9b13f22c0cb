package dev.stoker.client;

import java.util.Locale;

/**
 * Where a task is in its life. {@link #DONE}, {@link #DEAD} and {@link #CANCELLED} are terminal;
 * only a redrive (of dead tasks) or a retry (of a dead or cancelled task) takes a task back to
 * pending.
 */
public enum TaskState {
  /** Waiting to be claimed (now, or from its {@code runAt} on). */
  PENDING,
  /** Claimed by a worker that holds a lease. */
  WORKING,
  /** Completed by a worker. */
  DONE,
  /** Out of attempts, or failed permanently. */
  DEAD,
  /** Cancelled before it finished. */
  CANCELLED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /**
   * Whether no operation but a redrive or a retry (of a dead or cancelled task) leaves this state.
   *
   * @return whether the state is done, dead or cancelled
   */
  public boolean isTerminal() {
    return this == DONE || this == DEAD || this == CANCELLED;
  }

  /**
   * The name on the wire: {@code pending}, {@code working}, {@code done}, {@code dead} or {@code
   * cancelled}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }

  /** The state with this wire name, or null. */
  static TaskState fromWireName(String name) {
    for (TaskState s : values()) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    return null;
  }
}
