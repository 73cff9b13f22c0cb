package dev.stoker.testkit;

import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite of the {@link TaskStore} port: the one set of tests every backend runs
 * unchanged (today the reference model, the embedded store and PostgreSQL). A backend runs the whole
 * suite with one small test class that extends this one and says how to open a fresh, empty store
 * whose wall clock is the given {@link ManualClock}:
 *
 * <pre>{@code
 * class EmbeddedStoreConformanceTest extends StoreConformanceSuite {
 *   @TempDir Path dir;
 *
 *   @Override
 *   protected TaskStore newStore(ManualClock clock) {
 *     return EmbeddedStore.open(dir, clock, 0, new SplittableRandom(1));
 *   }
 * }
 * }</pre>
 *
 * <p>The tests live in one contract per port operation ({@code TaskEnqueueManyContract}, {@code
 * TaskClaimManyContract}, ...), each run here as a nested class over the same {@link StoreFixture}; see
 * it for the conventions every contract relies on (the manual clock, when time-driven changes are
 * looked at, the lease-expiry margin).
 */
public abstract class StoreConformanceSuite {

  /** Opens a fresh, empty store whose wall clock is {@code clock}. It is closed after each test. */
  protected abstract TaskStore newStore(ManualClock clock);

  /**
   * How long after its {@code expires_at} the suite considers a lease expired: at least the backend's
   * allowance for clock offset between nodes. 1 s covers the default 500 ms.
   */
  protected long leaseExpiryMarginMs() {
    return 1_000;
  }

  @Nested
  class TaskEnqueueMany extends TaskEnqueueManyContract {
    TaskEnqueueMany() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskClaimMany extends TaskClaimManyContract {
    TaskClaimMany() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskHeartbeat extends TaskHeartbeatContract {
    TaskHeartbeat() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskComplete extends TaskCompleteContract {
    TaskComplete() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskCompleteMany extends TaskCompleteManyContract {
    TaskCompleteMany() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskFail extends TaskFailContract {
    TaskFail() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskRelease extends TaskReleaseContract {
    TaskRelease() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskCancel extends TaskCancelContract {
    TaskCancel() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class QueueRedrive extends QueueRedriveContract {
    QueueRedrive() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskGet extends TaskGetContract {
    TaskGet() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class TaskList extends TaskListContract {
    TaskList() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class QueueGet extends QueueGetContract {
    QueueGet() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class QueueList extends QueueListContract {
    QueueList() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class QueueUpdate extends QueueUpdateContract {
    QueueUpdate() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class Retention extends RetentionContract {
    Retention() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class Drain extends DrainContract {
    Drain() {
      super(StoreConformanceSuite.this);
    }
  }

  @Nested
  class ReadsAndAcknowledgements extends ReadsAndAcknowledgementsContract {
    ReadsAndAcknowledgements() {
      super(StoreConformanceSuite.this);
    }
  }
}
