package dev.stoker.core.store;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.Transitions;
import java.util.random.RandomGenerator;

/**
 * One of the port's writes to a single task (heartbeat, complete, fail, release, cancel), as the
 * rule of {@link Transitions} it applies, with the defaults the port leaves to the queue's
 * settings. A store only loads and stores: it loads the task (answering {@link Outcome.NotFound}
 * when there is none), calls {@link #apply} and stores the task of an {@link Outcome.Ok}:
 *
 * <pre>{@code
 * Stored st = load(id);
 * if (st == null) return new Outcome.NotFound(id);
 * Outcome o = change.apply(st.task(), change.readsQueueSettings() ? settingsOf(st.task().queue()) : null,
 *     stamp(), random);
 * if (o instanceof Outcome.Ok ok) store(st, ok.task());
 * return o;
 * }</pre>
 */
public interface TaskChange {
  /** The task this change is for. */
  TaskId id();

  /**
   * The outcome of this change on {@code current}.
   *
   * @param queue the settings of the task's queue; may be null when {@link #readsQueueSettings()}
   *     is false
   * @param random the source of backoff jitter (drawn only by a failure that retries)
   */
  Outcome apply(Task current, QueueSettings queue, Stamp at, RandomGenerator random);

  /** Whether {@link #apply} needs the queue's settings; a store skips looking them up when not. */
  default boolean readsQueueSettings() {
    return false;
  }

  /**
   * Extends the lease of the current claim; {@code leaseMs} null means the queue's lease, {@code
   * progressJson} null keeps the progress last reported.
   */
  record Heartbeat(TaskId id, String token, Long leaseMs, String progressJson)
      implements TaskChange {
    /** A heartbeat that reports no progress. */
    public Heartbeat(TaskId id, String token, Long leaseMs) {
      this(id, token, leaseMs, null);
    }

    @Override
    public Outcome apply(Task current, QueueSettings queue, Stamp at, RandomGenerator random) {
      return Transitions.heartbeat(
          current, token, leaseMs != null ? leaseMs : queue.leaseMs(), progressJson, at);
    }

    @Override
    public boolean readsQueueSettings() {
      return leaseMs == null;
    }
  }

  /** Releases the current claim: pending again after {@code delayMs}, the attempt not counted. */
  record Release(TaskId id, String token, long delayMs) implements TaskChange {
    @Override
    public Outcome apply(Task current, QueueSettings queue, Stamp at, RandomGenerator random) {
      return Transitions.release(current, token, delayMs, at);
    }
  }

  /** Cancels a pending or working task. */
  record Cancel(TaskId id) implements TaskChange {
    @Override
    public Outcome apply(Task current, QueueSettings queue, Stamp at, RandomGenerator random) {
      return Transitions.cancel(current, at);
    }
  }
}
