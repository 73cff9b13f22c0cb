package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * What every contract of the conformance suite shares: a fresh, empty store (the backend's {@link
 * StoreBackend#newStore}) over a {@link ManualClock} for each test, closed after it, and the
 * helpers the tests are written with. Conventions the contracts rely on, so that every backend can
 * pass them without special cases:
 *
 * <ul>
 *   <li>The store's wall clock is the given {@link ManualClock}; it starts at {@link #START} and
 *       moves only when a test moves it. Claims wait ({@code waitMs}) in real time.
 *   <li>Time-driven changes (a delayed task falling due, a lease running out, a finished task's
 *       retention ending) are asserted only after some operation has run since the clock moved:
 *       {@link #advance} moves the clock and then makes one harmless call ({@code taskCancel} of an
 *       unknown id). A store that applies time-driven changes in its write path passes as well as
 *       one that applies them on every read.
 *   <li>A lease is taken to have expired only {@link StoreBackend#leaseExpiryMarginMs()} after its
 *       {@code expires_at}, which covers a backend that allows for clock offset between nodes
 *       (docs/state-machine.md, lease expiry).
 * </ul>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class StoreFixture {
  /** Where the clock starts in every test: 2026-01-01T00:00:00Z. */
  protected static final long START = ManualClock.DEFAULT_START;

  protected static final String QUEUE = "conformance";
  protected static final String OTHER_QUEUE = "conformance-other";

  /** A task id no store has issued. */
  protected static final TaskId UNKNOWN = new TaskId((START << 16) | 0xFFFE, 0x5EEDL);

  protected static final String SOME_TOKEN = "t1.not-a-real-token";

  protected ManualClock clock;
  protected TaskStore store;
  private ExecutorService clients;

  private final StoreBackend backend;

  protected StoreFixture(StoreBackend backend) {
    this.backend = backend;
  }

  /** The backend's {@link StoreBackend#leaseExpiryMarginMs()}. */
  protected long leaseExpiryMarginMs() {
    return backend.leaseExpiryMarginMs();
  }

  @BeforeEach
  void openStore() {
    clock = new ManualClock(START);
    clients =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "conformance-client");
              t.setDaemon(true);
              return t;
            });
    store = backend.newStore(clock);
  }

  @AfterEach
  void closeStore() {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      clients.shutdownNow();
    }
  }

  protected static TaskSpec at(String name, int priority, long runAt) {
    return new TaskSpec(name, "{}", priority, runAt, null, null, null);
  }

  protected static TaskSpec delayed(String name, long delayMs) {
    return new TaskSpec(name, "{}", 0, null, delayMs, null, null);
  }

  protected static TaskSpec keyed(String name, String uniqueKey) {
    return new TaskSpec(name, "{}", 0, null, null, uniqueKey, null);
  }

  protected static TaskSpec attempts(String name, int maxAttempts) {
    return new TaskSpec(name, "{}", 0, null, null, null, maxAttempts);
  }

  protected static SettingsPatch patchLease(long leaseMs) {
    return new SettingsPatch(leaseMs, null, null, null, null, null, null);
  }

  protected static SettingsPatch patchMaxAttempts(int maxAttempts) {
    return new SettingsPatch(null, maxAttempts, null, null, null, null, null);
  }

  protected static SettingsPatch patchRetention(long retentionMs) {
    return new SettingsPatch(null, null, null, null, null, retentionMs, null);
  }

  protected static SettingsPatch patchPaused(boolean paused) {
    return new SettingsPatch(null, null, null, null, null, null, paused);
  }

  protected EnqueueResult enqueueOne(TaskSpec spec) {
    List<EnqueueResult> results = store.taskEnqueueMany(QUEUE, List.of(spec));
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  /** Enqueues one new task into {@link #QUEUE}. */
  protected Task put(TaskSpec spec) {
    EnqueueResult r = enqueueOne(spec);
    assertThat(r.duplicate()).as("duplicate").isFalse();
    return r.task();
  }

  protected Task put(String name) {
    return put(TaskSpec.of(name, "{}"));
  }

  protected List<Task> putAll(List<TaskSpec> specs) {
    List<EnqueueResult> results = store.taskEnqueueMany(QUEUE, specs);
    assertThat(results).hasSize(specs.size()).noneMatch(EnqueueResult::duplicate);
    return results.stream().map(EnqueueResult::task).toList();
  }

  /** Enqueues {@code n} tasks named {@code task-0}… in one batch. */
  protected List<Task> putMany(int n) {
    return putAll(
        IntStream.range(0, n)
            .mapToObj(i -> TaskSpec.of("task-" + i, "{\"i\":" + i + "}"))
            .toList());
  }

  protected List<Task> claim(String worker, int max) {
    return claim(worker, max, null);
  }

  protected List<Task> claim(String worker, int max, Long leaseMs) {
    List<Task> got = store.taskClaimMany(new ClaimParams(QUEUE, worker, max, leaseMs, 0));
    assertThat(got.size()).as("claimed tasks").isLessThanOrEqualTo(max);
    assertThat(got)
        .allMatch(
            t ->
                t.state() == TaskState.WORKING
                    && t.lease() != null
                    && t.lease().owner().equals(worker)
                    && t.queue().equals(QUEUE));
    return got;
  }

  /** Claims exactly one task (failing if there is none) with the queue's lease. */
  protected Task claimOne(String worker) {
    return claimOne(worker, null);
  }

  protected Task claimOne(String worker, Long leaseMs) {
    List<Task> got = claim(worker, 1, leaseMs);
    assertThat(got).as("one claimable task").hasSize(1);
    return got.get(0);
  }

  /**
   * Enqueues {@code spec} while nothing else is pending and has it fail permanently: a dead task.
   */
  protected Task killed(TaskSpec spec) {
    Task t = put(spec);
    Task c = claimOne("w-killer");
    assertThat(c.id()).isEqualTo(t.id());
    return ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", true, null)));
  }

  protected Task get(TaskId id) {
    return store.taskGet(id).orElseThrow(() -> new AssertionError("no task " + id));
  }

  protected QueueCounts counts() {
    return store.queueGet(QUEUE).counts();
  }

  /**
   * Every task of {@link #QUEUE} matching the filters, page by page; checks the paging as it goes.
   */
  protected List<Task> listAll(TaskState state, String name, int limit) {
    List<Task> all = new ArrayList<>();
    Set<TaskId> seen = new HashSet<>();
    String cursor = null;
    for (int pages = 0; ; pages++) {
      assertThat(pages).as("pages (the listing must end)").isLessThan(1_000);
      Page page = store.taskList(new ListParams(QUEUE, state, name, limit, cursor));
      assertThat(page.tasks().size()).as("tasks on a page").isLessThanOrEqualTo(limit);
      for (Task t : page.tasks()) {
        assertThat(seen.add(t.id())).as("task %s listed once", t.id()).isTrue();
        if (state != null) {
          assertThat(t.state()).isEqualTo(state);
        }
        if (name != null) {
          assertThat(t.name()).isEqualTo(name);
        }
        assertThat(t.queue()).isEqualTo(QUEUE);
      }
      all.addAll(page.tasks());
      if (page.nextCursor() == null) {
        break;
      }
      cursor = page.nextCursor();
    }
    assertThat(all).extracting(Task::id).isSorted();
    return all;
  }

  /**
   * Moves the clock forward, then makes one call that changes nothing ({@code taskCancel} of an
   * unknown id), so that every backend has applied what fell due before the test looks.
   */
  protected void advance(long ms) {
    clock.advanceMillis(ms);
    assertNotFound(store.taskCancel(UNKNOWN));
  }

  protected void advanceTo(long millis) {
    advance(millis - clock.millis());
  }

  /**
   * Moves the clock past {@code working}'s lease, by the margin a backend may allow for clock
   * offset.
   */
  protected void expireLeaseOf(Task working) {
    advanceTo(working.lease().expiresAt() + leaseExpiryMarginMs());
  }

  protected static Task ok(Outcome o) {
    assertThat(o).as("outcome").isInstanceOf(Outcome.Ok.class);
    return ((Outcome.Ok) o).task();
  }

  protected static Task stale(Outcome o) {
    assertThat(o).as("outcome").isInstanceOf(Outcome.StaleToken.class);
    return ((Outcome.StaleToken) o).current();
  }

  protected static Task finished(Outcome o) {
    assertThat(o).as("outcome").isInstanceOf(Outcome.AlreadyFinished.class);
    return ((Outcome.AlreadyFinished) o).current();
  }

  protected static void assertNotFound(Outcome o) {
    assertNotFound(o, UNKNOWN);
  }

  protected static void assertNotFound(Outcome o, TaskId id) {
    assertThat(o).as("outcome").isEqualTo(new Outcome.NotFound(id));
  }

  /** Runs {@code call} on another thread (a client of the store). */
  protected <T> Future<T> async(Callable<T> call) {
    return clients.submit(call);
  }

  /**
   * Asserts that {@code claim} is still waiting a moment after it started: it neither returned at
   * once nor failed. This moment is also what lets the claim start waiting before the test wakes
   * it.
   */
  protected static void assertStillWaiting(Future<?> claim) {
    assertThatThrownBy(() -> claim.get(100, TimeUnit.MILLISECONDS))
        .as("the claim should still be waiting")
        .isInstanceOf(TimeoutException.class);
  }
}
