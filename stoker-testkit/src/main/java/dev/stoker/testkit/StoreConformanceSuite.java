package dev.stoker.testkit;

import dev.stoker.core.store.TaskStore;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite of the {@link TaskStore} port: the one set of tests every backend runs
 * unchanged (today the reference model, the embedded store and PostgreSQL). A backend runs the
 * whole suite with one small test class that extends this one and says how to open a fresh, empty
 * store whose wall clock is the given {@link ManualClock}:
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
 * <p>The tests live in one contract per port operation ({@link TaskEnqueueManyContract}, {@link
 * TaskClaimManyContract}, ...), each run here as a nested class over the same {@link StoreFixture};
 * see it for the conventions every contract relies on (the manual clock, when time-driven changes
 * are looked at, the lease-expiry margin). A test may also run single contracts (see {@link
 * StoreBackend}).
 */
public abstract class StoreConformanceSuite {

  /** Opens a fresh, empty store whose wall clock is {@code clock}. It is closed after each test. */
  protected abstract TaskStore newStore(ManualClock clock);

  /**
   * How long after its {@code expires_at} the suite considers a lease expired: at least the
   * backend's allowance for clock offset between nodes. 1 s covers the default 500 ms.
   */
  protected long leaseExpiryMarginMs() {
    return 1_000;
  }

  /** This suite as the contracts see it. */
  private final StoreBackend backend =
      new StoreBackend() {
        @Override
        public TaskStore newStore(ManualClock clock) {
          return StoreConformanceSuite.this.newStore(clock);
        }

        @Override
        public long leaseExpiryMarginMs() {
          return StoreConformanceSuite.this.leaseExpiryMarginMs();
        }
      };

  @Nested
  class TaskEnqueueMany extends TaskEnqueueManyContract {
    TaskEnqueueMany() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskClaimMany extends TaskClaimManyContract {
    TaskClaimMany() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskHeartbeat extends TaskHeartbeatContract {
    TaskHeartbeat() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskProgress extends TaskProgressContract {
    TaskProgress() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskComplete extends TaskCompleteContract {
    TaskComplete() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskCompleteMany extends TaskCompleteManyContract {
    TaskCompleteMany() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskFail extends TaskFailContract {
    TaskFail() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskRelease extends TaskReleaseContract {
    TaskRelease() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskCancel extends TaskCancelContract {
    TaskCancel() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskRetry extends TaskRetryContract {
    TaskRetry() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class QueueRedrive extends QueueRedriveContract {
    QueueRedrive() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskGet extends TaskGetContract {
    TaskGet() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class TaskList extends TaskListContract {
    TaskList() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class QueueGet extends QueueGetContract {
    QueueGet() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class QueueList extends QueueListContract {
    QueueList() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class QueueUpdate extends QueueUpdateContract {
    QueueUpdate() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class Retention extends RetentionContract {
    Retention() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class Drain extends DrainContract {
    Drain() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class ReadsAndAcknowledgements extends ReadsAndAcknowledgementsContract {
    ReadsAndAcknowledgements() {
      super(StoreConformanceSuite.this.backend);
    }
  }

  @Nested
  class Observer extends StoreObserverContract {
    Observer() {
      super(StoreConformanceSuite.this.backend);
    }
  }
}
