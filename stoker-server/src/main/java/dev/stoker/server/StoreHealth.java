package dev.stoker.server;

import dev.stoker.core.TaskId;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskStore;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store can do its work, as {@code /readyz} reports it
 * (docs/api.md#health-and-readiness). It is up until a request fails with {@link
 * StoreUnavailableException}; then it is down until a probe gets through. A probe is made when
 * readiness is asked while down, at most one at a time: a heartbeat of a task that cannot exist,
 * which takes the store's write path (the embedded store's sequencer, a PostgreSQL transaction) and
 * changes nothing. The embedded store refuses every write after a failed one until it is restarted,
 * so it stays down until then; PostgreSQL is up again as soon as the database answers.
 */
final class StoreHealth {
  private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

  /** Ids start with their creation time; none is made at the epoch. */
  private static final TaskId NO_TASK = new TaskId(0, 0);

  private final TaskStore store;
  private final ReentrantLock probing = new ReentrantLock();
  private volatile boolean down;

  StoreHealth(TaskStore store) {
    this.store = store;
  }

  /** A store call failed: the store is down until a probe gets through. */
  void failed(StoreUnavailableException e) {
    if (!down) {
      down = true;
      log.warn(
          "the store is unavailable ({}): /readyz answers 503 until it works again",
          e.getMessage());
    }
  }

  /**
   * Whether the store is up; while it is down, probes it (or, while another probe runs, says down).
   */
  boolean up() {
    if (!down) {
      return true;
    }
    if (!probing.tryLock()) {
      return false;
    }
    try {
      store.taskHeartbeat(NO_TASK, "", null);
      down = false;
      log.info("the store is available again: /readyz answers 200");
      return true;
    } catch (StoreUnavailableException e) {
      return false;
    } finally {
      probing.unlock();
    }
  }
}
