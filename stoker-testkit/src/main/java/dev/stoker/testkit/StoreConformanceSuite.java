package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Backoff;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance suite of the {@link TaskStore} port: the one set of tests every backend (the model,
 * embedded RocksDB, PostgreSQL, etcd, the cluster) runs unchanged. A backend's test extends this class
 * and says how to open a fresh, empty store over a {@link ManualClock}:
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
 * <p>Conventions the suite relies on, so that every backend can pass it without special cases:
 *
 * <ul>
 *   <li>The store's wall clock is the given {@link ManualClock}; it starts at {@link #START} and moves
 *       only when a test moves it. Claims wait ({@code waitMs}) in real time.
 *   <li>Time-driven changes (a delayed task falling due, a lease running out, a finished task's
 *       retention ending) are asserted only after some operation has run since the clock moved: {@link
 *       #advance} moves the clock and then makes one harmless call ({@code taskCancel} of an unknown
 *       id). A store that applies time-driven changes in its write path passes as well as one that
 *       applies them on every read.
 *   <li>A lease is taken to have expired only {@link #leaseExpiryMarginMs()} after its {@code
 *       expires_at}, which covers a backend that allows for clock offset between nodes (design.md §3).
 * </ul>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class StoreConformanceSuite {
  /** Where the clock starts in every test: 2026-01-01T00:00:00Z. */
  protected static final long START = ManualClock.DEFAULT_START;
  protected static final String QUEUE = "conformance";
  protected static final String OTHER_QUEUE = "conformance-other";
  /** A task id no store has issued. */
  protected static final TaskId UNKNOWN = new TaskId((START << 16) | 0xFFFE, 0x5EEDL);
  private static final String SOME_TOKEN = "t1.not-a-real-token";

  protected ManualClock clock;
  protected TaskStore store;
  private ExecutorService clients;

  /** Opens a fresh, empty store whose wall clock is {@code clock}. It is closed after each test. */
  protected abstract TaskStore newStore(ManualClock clock);

  /**
   * How long after its {@code expires_at} the suite considers a lease expired: at least the backend's
   * allowance for clock offset between nodes. 1 s covers the default 500 ms.
   */
  protected long leaseExpiryMarginMs() {
    return 1_000;
  }

  @BeforeEach
  void openStore() {
    clock = new ManualClock(START);
    clients = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "conformance-client");
      t.setDaemon(true);
      return t;
    });
    store = newStore(clock);
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

  // =============================================================================================

  @Nested
  class TaskEnqueueMany {
    @Test
    void returns_pending_tasks_with_ids_in_spec_order() {
      List<EnqueueResult> results = store.taskEnqueueMany(QUEUE,
          List.of(TaskSpec.of("a", "{}"), TaskSpec.of("b", "{}"), TaskSpec.of("c", "{}")));

      assertThat(results).hasSize(3).noneMatch(EnqueueResult::duplicate);
      List<Task> tasks = results.stream().map(EnqueueResult::task).toList();
      assertThat(tasks).extracting(Task::name).containsExactly("a", "b", "c");
      assertThat(tasks).extracting(Task::id).doesNotContainNull().doesNotHaveDuplicates().isSorted();
      for (Task t : tasks) {
        assertThat(t.queue()).isEqualTo(QUEUE);
        assertThat(t.state()).isEqualTo(TaskState.PENDING);
        assertThat(t.attempt()).isZero();
        assertThat(t.lease()).isNull();
        assertThat(t.resultJson()).isNull();
        assertThat(t.lastError()).isNull();
        assertThat(t.runAt()).isEqualTo(START);
        assertThat(t.createdAt()).isEqualTo(START);
        assertThat(t.updatedAt()).isEqualTo(START);
        assertThat(t.version()).isNotNull();
      }
    }

    @Test
    void ids_increase_across_calls() {
      Task first = put("first");
      clock.advanceMillis(1);
      Task second = put("second");
      Task third = put("third");
      assertThat(List.of(first.id(), second.id(), third.id())).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void fields_round_trip_exactly() {
      String name = "résumé 🚀 任务 ✓ \"quoted\"";
      String params = "{ \"b\" : [1, 2.50, \"ü\", \"\\u00e9\"],\n  \"a\":null, \"emoji\": \"🔥\" }";
      TaskSpec spec = new TaskSpec(name, params, -7, null, null, "key-🔑", 4);

      Task enqueued = put(spec);

      assertThat(enqueued.name()).isEqualTo(name);
      assertThat(enqueued.paramsJson()).isEqualTo(params);
      assertThat(enqueued.priority()).isEqualTo(-7);
      assertThat(enqueued.uniqueKey()).isEqualTo("key-🔑");
      assertThat(enqueued.maxAttempts()).isEqualTo(4);
      assertThat(get(enqueued.id())).isEqualTo(enqueued);
    }

    @Test
    void params_of_every_json_kind_are_kept_verbatim() {
      List<String> params = List.of("null", "\"text\"", "3.140", "-0", "[]", "true",
          "{\"deep\":{\"x\":[true,false,null,{}]}}", "  [ 1 ,2 ]  ");
      List<Task> tasks = putAll(params.stream().map(p -> TaskSpec.of("p", p)).toList());

      assertThat(tasks).extracting(Task::paramsJson).containsExactlyElementsOf(params);
      for (Task t : tasks) {
        assertThat(get(t.id()).paramsJson()).isEqualTo(t.paramsJson());
      }
    }

    @Test
    void max_attempts_defaults_to_the_queue_setting() {
      assertThat(put("default").maxAttempts()).isEqualTo(QueueSettings.DEFAULT.maxAttempts());

      store.queueUpdate(QUEUE, patchMaxAttempts(3));

      assertThat(put("configured").maxAttempts()).isEqualTo(3);
      assertThat(put(attempts("explicit", 5)).maxAttempts()).isEqualTo(5);
    }

    @Test
    void every_task_of_a_batch_is_stored() {
      List<Task> tasks = putMany(50);

      assertThat(tasks).extracting(Task::id).doesNotHaveDuplicates();
      for (Task t : tasks) {
        assertThat(get(t.id())).isEqualTo(t);
      }
      assertThat(counts()).isEqualTo(new QueueCounts(50, 0, 0, 0, 0, 0));
    }

    @Test
    void delay_ms_sets_run_at_from_now() {
      clock.advanceMillis(123);
      Task t = put(delayed("later", 5_000));

      assertThat(t.runAt()).isEqualTo(START + 123 + 5_000);
      assertThat(t.createdAt()).isEqualTo(START + 123);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 1, 0, 0, 0, 0));
    }

    @Test
    void run_at_is_kept_as_given() {
      Task t = put(at("at", 0, START + 86_400_000L));

      assertThat(t.runAt()).isEqualTo(START + 86_400_000L);
      assertThat(get(t.id()).runAt()).isEqualTo(START + 86_400_000L);
    }

    @Test
    void a_unique_key_of_a_live_task_returns_that_task_as_duplicate() {
      Task first = put(keyed("first", "k"));

      EnqueueResult again = enqueueOne(new TaskSpec("second", "{\"x\":2}", 9, null, null, "k", null));

      assertThat(again.duplicate()).isTrue();
      assertThat(again.task()).isEqualTo(first);
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));

      Task working = claimOne("w-1");
      EnqueueResult whileWorking = enqueueOne(keyed("third", "k"));
      assertThat(whileWorking.duplicate()).isTrue();
      assertThat(whileWorking.task().id()).isEqualTo(first.id());
      assertThat(whileWorking.task().state()).isEqualTo(TaskState.WORKING);
      assertThat(whileWorking.task().lease()).isEqualTo(working.lease());
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 1, 0, 0, 0));
    }

    @Test
    void a_unique_key_of_a_scheduled_task_returns_that_task_as_duplicate() {
      Task first = put(new TaskSpec("later", "{}", 0, null, 60_000L, "k", null));

      EnqueueResult again = enqueueOne(keyed("now", "k"));

      assertThat(again.duplicate()).isTrue();
      assertThat(again.task().id()).isEqualTo(first.id());
      assertThat(counts()).isEqualTo(new QueueCounts(0, 1, 0, 0, 0, 0));
    }

    @Test
    void a_unique_key_used_twice_in_one_batch_returns_the_earlier_task() {
      List<EnqueueResult> results = store.taskEnqueueMany(QUEUE,
          List.of(keyed("one", "k"), keyed("two", "other"), keyed("three", "k")));

      assertThat(results).extracting(EnqueueResult::duplicate).containsExactly(false, false, true);
      assertThat(results.get(2).task()).isEqualTo(results.get(0).task());
      assertThat(results.get(2).task().name()).isEqualTo("one");
      assertThat(counts().pending()).isEqualTo(2);
    }

    @Test
    void a_unique_key_is_free_again_once_its_task_finished() {
      Task done = put(keyed("done", "k"));
      Task claimed = claimOne("w-1");
      ok(store.taskComplete(done.id(), claimed.lease().token(), null));

      EnqueueResult afterDone = enqueueOne(keyed("after-done", "k"));
      assertThat(afterDone.duplicate()).isFalse();
      assertThat(afterDone.task().id()).isNotEqualTo(done.id());
      assertThat(afterDone.task().state()).isEqualTo(TaskState.PENDING);

      assertThat(enqueueOne(keyed("dup", "k")).task().id()).isEqualTo(afterDone.task().id());

      ok(store.taskCancel(afterDone.task().id()));
      EnqueueResult afterCancel = enqueueOne(keyed("after-cancel", "k"));
      assertThat(afterCancel.duplicate()).isFalse();

      Task c = claimOne("w-1");
      ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "no", true, null)));
      EnqueueResult afterDead = enqueueOne(keyed("after-dead", "k"));
      assertThat(afterDead.duplicate()).isFalse();
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 1, 1, 1));
    }

    @Test
    void unique_keys_are_per_queue() {
      Task here = put(keyed("here", "k"));
      List<EnqueueResult> there = store.taskEnqueueMany(OTHER_QUEUE, List.of(keyed("there", "k")));

      assertThat(there).hasSize(1);
      assertThat(there.get(0).duplicate()).isFalse();
      assertThat(there.get(0).task().id()).isNotEqualTo(here.id());
      assertThat(there.get(0).task().queue()).isEqualTo(OTHER_QUEUE);
    }

    @Test
    void tasks_without_a_unique_key_are_never_duplicates() {
      List<EnqueueResult> results = store.taskEnqueueMany(QUEUE,
          List.of(TaskSpec.of("same", "{}"), TaskSpec.of("same", "{}")));
      assertThat(results).noneMatch(EnqueueResult::duplicate);
      assertThat(put(TaskSpec.of("same", "{}")).id()).isNotIn(results.get(0).task().id(), results.get(1).task().id());
      assertThat(counts().pending()).isEqualTo(3);
    }
  }

  // =============================================================================================

  @Nested
  class TaskClaimMany {
    @Test
    void claims_a_pending_task_under_a_lease() {
      Task t = put("job");

      List<Task> claimed = store.taskClaimMany(new ClaimParams(QUEUE, "worker-1", 1, 10_000L, 0));

      assertThat(claimed).hasSize(1);
      Task c = claimed.get(0);
      assertThat(c.id()).isEqualTo(t.id());
      assertThat(c.state()).isEqualTo(TaskState.WORKING);
      assertThat(c.attempt()).isEqualTo(1);
      assertThat(c.lease()).isNotNull();
      assertThat(c.lease().owner()).isEqualTo("worker-1");
      assertThat(c.lease().token()).isNotBlank();
      assertThat(c.lease().expiresAt()).isEqualTo(START + 10_000);
      assertThat(c.version().isAfter(t.version())).isTrue();
      assertThat(get(t.id())).isEqualTo(c);
    }

    @Test
    void without_lease_ms_the_lease_is_the_queues() {
      put("job");
      Task c = claimOne("w-1", null);
      assertThat(c.lease().expiresAt()).isEqualTo(START + QueueSettings.DEFAULT.leaseMs());
    }

    @Test
    void respects_priority_then_run_at_then_id() {
      putAll(orderingSpecs());

      List<String> order = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        order.add(claimOne("w-1").name());
      }

      assertThat(order).containsExactly("c", "b", "a", "d", "f", "e");
      assertThat(claim("w-1", 1)).isEmpty();
    }

    @Test
    void a_claim_of_many_returns_them_in_claim_order() {
      putAll(orderingSpecs());

      assertThat(claim("w-1", 10)).extracting(Task::name).containsExactly("c", "b", "a", "d", "f", "e");
    }

    @Test
    void honours_max_and_returns_distinct_tasks() {
      List<Task> tasks = putMany(5);

      List<Task> first = claim("w-1", 3);
      List<Task> second = claim("w-2", 3);
      List<Task> third = claim("w-3", 3);

      assertThat(first).hasSize(3);
      assertThat(second).hasSize(2);
      assertThat(third).isEmpty();
      List<TaskId> all = new ArrayList<>();
      first.forEach(t -> all.add(t.id()));
      second.forEach(t -> all.add(t.id()));
      assertThat(all).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(tasks.stream().map(Task::id).toList());
      assertThat(first).allMatch(t -> t.lease().owner().equals("w-1"));
      assertThat(first).extracting(t -> t.lease().token()).doesNotHaveDuplicates();
    }

    @Test
    void an_empty_or_unknown_queue_gives_nothing() {
      assertThat(store.taskClaimMany(new ClaimParams("never-used", "w-1", 10, null, 0))).isEmpty();
      put("job");
      claimOne("w-1");
      assertThat(claim("w-1", 10)).isEmpty();
    }

    @Test
    void takes_only_tasks_of_its_queue() {
      store.taskEnqueueMany(OTHER_QUEUE, List.of(TaskSpec.of("elsewhere", "{}")));
      Task mine = put("mine");

      assertThat(claim("w-1", 10)).extracting(Task::id).containsExactly(mine.id());
      assertThat(store.queueGet(OTHER_QUEUE).counts().pending()).isEqualTo(1);
    }

    @Test
    void a_task_delayed_by_delay_ms_is_claimable_once_the_clock_reaches_run_at() {
      Task t = put(delayed("later", 5_000));
      assertThat(claim("w-1", 1)).isEmpty();

      advance(4_999);
      assertThat(claim("w-1", 1)).isEmpty();

      advance(1);
      assertThat(claim("w-1", 1)).extracting(Task::id).containsExactly(t.id());
    }

    @Test
    void a_task_with_a_future_run_at_is_claimable_once_the_clock_reaches_it() {
      Task t = put(at("later", 0, START + 60_000));
      Task now = put("now");

      assertThat(claim("w-1", 10, 600_000L)).extracting(Task::id).containsExactly(now.id());
      advance(59_999);
      assertThat(claim("w-1", 10)).isEmpty();
      advance(1);
      assertThat(claim("w-1", 10)).extracting(Task::id).containsExactly(t.id());
    }

    @Test
    void a_working_task_is_not_claimed_again_while_its_lease_runs() {
      put("job");
      claimOne("w-1", 10_000L);

      advance(10_000); // now == expires_at: the lease still holds

      assertThat(claim("w-2", 1)).isEmpty();
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 1, 0, 0, 0));
    }

    @Test
    void after_a_lease_expires_another_worker_claims_the_task_with_the_next_attempt() {
      Task t = put("job");
      Task first = claimOne("w-1", 10_000L);

      expireLeaseOf(first);
      Task second = claimOne("w-2", 20_000L);

      assertThat(second.id()).isEqualTo(t.id());
      assertThat(second.attempt()).isEqualTo(2);
      assertThat(second.lease().owner()).isEqualTo("w-2");
      assertThat(second.lease().token()).isNotEqualTo(first.lease().token());
      assertThat(second.lease().expiresAt()).isEqualTo(clock.millis() + 20_000);
      assertThat(second.version().isAfter(first.version())).isTrue();
      assertThat(get(t.id())).isEqualTo(second);
    }

    @Test
    void a_lease_that_expires_on_the_last_attempt_leaves_the_task_dead() {
      Task t = put(attempts("fragile", 1));
      Task c = claimOne("w-1", 10_000L);

      expireLeaseOf(c);

      assertThat(claim("w-2", 1)).isEmpty();
      Task now = get(t.id());
      assertThat(now.state()).isEqualTo(TaskState.DEAD);
      assertThat(now.lease()).isNull();
      assertThat(now.lastError()).isNotBlank();
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
    }

    @Test
    void a_waiting_claim_returns_a_task_enqueued_while_it_waits() throws Exception {
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 5_000)));
      assertStillWaiting(waiting);

      Task t = put("job");

      List<Task> got = waiting.get(4, TimeUnit.SECONDS); // woken by the enqueue, not by the end of the wait
      assertThat(got).extracting(Task::id).containsExactly(t.id());
      assertThat(got.get(0).state()).isEqualTo(TaskState.WORKING);
    }

    @Test
    void a_waiting_claim_is_woken_by_a_release() throws Exception {
      put("job");
      Task c = claimOne("w-1");
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-2", 1, null, 5_000)));
      assertStillWaiting(waiting);

      ok(store.taskRelease(c.id(), c.lease().token(), 0));

      List<Task> got = waiting.get(4, TimeUnit.SECONDS);
      assertThat(got).extracting(Task::id).containsExactly(c.id());
      assertThat(got.get(0).lease().owner()).isEqualTo("w-2");
    }

    @Test
    void a_waiting_claim_is_woken_by_a_failure_that_retries_at_once() throws Exception {
      put("job");
      Task c = claimOne("w-1");
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-2", 1, null, 5_000)));
      assertStillWaiting(waiting);

      ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "oops", false, 0L)));

      List<Task> got = waiting.get(4, TimeUnit.SECONDS);
      assertThat(got).extracting(Task::id).containsExactly(c.id());
      assertThat(got.get(0).attempt()).isEqualTo(2);
    }

    @Test
    void a_waiting_claim_on_an_empty_queue_returns_empty_when_the_wait_ends() throws Exception {
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 200)));

      assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void a_waiting_claim_is_not_given_tasks_of_another_queue() throws Exception {
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 300)));
      assertStillWaiting(waiting);

      store.taskEnqueueMany(OTHER_QUEUE, List.of(TaskSpec.of("elsewhere", "{}")));

      assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
      assertThat(store.queueGet(OTHER_QUEUE).counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
    }

    @Test
    void concurrent_claimers_get_every_task_exactly_once() throws Exception {
      List<TaskId> ids = putMany(500).stream().map(Task::id).toList();
      ConcurrentLinkedQueue<TaskId> claimed = new ConcurrentLinkedQueue<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        String worker = "w-" + w;
        int max = 1 + w % 4;
        workers.add(async(() -> {
          go.await();
          while (true) {
            List<Task> got = store.taskClaimMany(new ClaimParams(QUEUE, worker, max, 60_000L, 0));
            if (got.isEmpty()) {
              return null;
            }
            assertThat(got.size()).isLessThanOrEqualTo(max);
            got.forEach(t -> claimed.add(t.id()));
          }
        }));
      }
      go.countDown();
      for (Future<?> f : workers) {
        f.get(30, TimeUnit.SECONDS);
      }

      assertThat(claimed).hasSize(500).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 500, 0, 0, 0));
    }
  }

  // =============================================================================================

  @Nested
  class TaskHeartbeat {
    @Test
    void extends_the_lease_from_now_and_keeps_the_claim() {
      put("job");
      Task c = claimOne("w-1", 10_000L);
      clock.advanceMillis(5_000);

      Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L));

      assertThat(hb.state()).isEqualTo(TaskState.WORKING);
      assertThat(hb.lease().expiresAt()).isEqualTo(START + 15_000);
      assertThat(hb.lease().token()).isEqualTo(c.lease().token());
      assertThat(hb.lease().owner()).isEqualTo("w-1");
      assertThat(hb.attempt()).isEqualTo(c.attempt());
      assertThat(hb.version()).isEqualTo(c.version());
      assertThat(get(c.id()).lease()).isEqualTo(hb.lease());
    }

    @Test
    void keeps_the_task_from_being_taken_over() {
      put("job");
      Task c = claimOne("w-1", 10_000L);
      clock.advanceMillis(8_000);
      ok(store.taskHeartbeat(c.id(), c.lease().token(), 10_000L)); // now expires at START + 18 s

      advance(2_000 + leaseExpiryMarginMs()); // well past the first expiry, before the new one

      assertThat(claim("w-2", 1)).isEmpty();
      Task done = ok(store.taskComplete(c.id(), c.lease().token(), "1"));
      assertThat(done.state()).isEqualTo(TaskState.DONE);
    }

    @Test
    void without_lease_ms_extends_by_the_queues_lease() {
      store.queueUpdate(QUEUE, patchLease(20_000));
      put("job");
      Task c = claimOne("w-1", 5_000L);
      clock.advanceMillis(1_000);

      Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), null));

      assertThat(hb.lease().expiresAt()).isEqualTo(START + 1_000 + 20_000);
    }

    @Test
    void never_shortens_the_lease() {
      put("job");
      Task c = claimOne("w-1", 60_000L);

      Task hb = ok(store.taskHeartbeat(c.id(), c.lease().token(), 1_000L));

      assertThat(hb.lease().expiresAt()).isEqualTo(START + 60_000);
    }

    @Test
    void with_the_token_of_a_taken_over_claim_is_stale() {
      put("job");
      Task first = claimOne("w-1", 10_000L);
      expireLeaseOf(first);
      Task second = claimOne("w-2", 10_000L);

      Task current = stale(store.taskHeartbeat(first.id(), first.lease().token(), 60_000L));

      assertThat(current.state()).isEqualTo(TaskState.WORKING);
      assertThat(current.lease()).isEqualTo(second.lease());
      assertThat(get(first.id())).isEqualTo(second);
    }

    @Test
    void with_the_token_of_an_expired_lease_is_stale_even_before_a_takeover() {
      Task t = put("job");
      Task c = claimOne("w-1", 10_000L);
      expireLeaseOf(c);

      Task current = stale(store.taskHeartbeat(c.id(), c.lease().token(), 60_000L));

      assertThat(current.state()).isEqualTo(TaskState.PENDING);
      assertThat(current.lease()).isNull();
      assertThat(claimOne("w-2").id()).isEqualTo(t.id());
    }

    @Test
    void with_the_token_of_a_released_claim_is_stale() {
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskRelease(c.id(), c.lease().token(), 0));

      Task current = stale(store.taskHeartbeat(c.id(), c.lease().token(), null));

      assertThat(current.state()).isEqualTo(TaskState.PENDING);
    }

    @Test
    void on_a_finished_task_is_already_finished() {
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskComplete(c.id(), c.lease().token(), "true"));

      Task current = finished(store.taskHeartbeat(c.id(), c.lease().token(), null));

      assertThat(current.state()).isEqualTo(TaskState.DONE);
    }

    @Test
    void of_an_unknown_task_is_not_found() {
      assertNotFound(store.taskHeartbeat(UNKNOWN, SOME_TOKEN, null));
    }
  }

  // =============================================================================================

  @Nested
  class TaskComplete {
    @Test
    void stores_the_result_and_finishes_the_task() {
      put("job");
      Task c = claimOne("w-1");
      clock.advanceMillis(250);
      String result = "{ \"ok\" : true, \"n\": 1.50, \"msg\": \"fertig ✓ 🎉\" }";

      Task done = ok(store.taskComplete(c.id(), c.lease().token(), result));

      assertThat(done.state()).isEqualTo(TaskState.DONE);
      assertThat(done.resultJson()).isEqualTo(result);
      assertThat(done.lease()).isNull();
      assertThat(done.attempt()).isEqualTo(1);
      assertThat(done.updatedAt()).isEqualTo(START + 250);
      assertThat(get(c.id())).isEqualTo(done);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 0, 0));
    }

    @Test
    void without_a_result_stores_none() {
      put("job");
      Task c = claimOne("w-1");

      Task done = ok(store.taskComplete(c.id(), c.lease().token(), null));

      assertThat(done.resultJson()).isNull();
      assertThat(get(c.id()).resultJson()).isNull();
    }

    @Test
    void a_late_completion_after_the_lease_was_taken_over_is_accepted() {
      put("job");
      Task first = claimOne("w-1", 10_000L);
      expireLeaseOf(first);
      Task second = claimOne("w-2", 10_000L);

      Task done = ok(store.taskComplete(first.id(), first.lease().token(), "\"from w-1\""));

      assertThat(done.state()).isEqualTo(TaskState.DONE);
      assertThat(done.resultJson()).isEqualTo("\"from w-1\"");
      assertThat(finished(store.taskHeartbeat(second.id(), second.lease().token(), null)).state())
          .isEqualTo(TaskState.DONE);
      Task current = finished(store.taskComplete(second.id(), second.lease().token(), "\"from w-2\""));
      assertThat(current.resultJson()).isEqualTo("\"from w-1\"");
      assertThat(get(first.id()).resultJson()).isEqualTo("\"from w-1\"");
    }

    @Test
    void a_pending_task_may_be_completed_with_an_earlier_token() {
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskRelease(c.id(), c.lease().token(), 0));

      Task done = ok(store.taskComplete(c.id(), c.lease().token(), "1"));

      assertThat(done.state()).isEqualTo(TaskState.DONE);
      assertThat(claim("w-2", 1)).isEmpty();
    }

    @Test
    void completing_a_finished_task_is_already_finished_and_keeps_the_result() {
      put("job");
      Task c = claimOne("w-1");
      Task done = ok(store.taskComplete(c.id(), c.lease().token(), "\"first\""));

      Task current = finished(store.taskComplete(c.id(), c.lease().token(), "\"second\""));

      assertThat(current).isEqualTo(done);
      assertThat(get(c.id()).resultJson()).isEqualTo("\"first\"");
    }

    @Test
    void completing_a_cancelled_task_is_already_finished() {
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskCancel(c.id()));

      Task current = finished(store.taskComplete(c.id(), c.lease().token(), "1"));

      assertThat(current.state()).isEqualTo(TaskState.CANCELLED);
      assertThat(current.resultJson()).isNull();
    }

    @Test
    void a_token_of_another_task_is_refused() {
      putMany(2);
      List<Task> both = claim("w-1", 2);
      Task a = both.get(0);
      Task b = both.get(1);

      Task current = stale(store.taskComplete(a.id(), b.lease().token(), "1"));

      assertThat(current.state()).isEqualTo(TaskState.WORKING);
      assertThat(get(a.id()).state()).isEqualTo(TaskState.WORKING);
    }

    @Test
    void of_an_unknown_task_is_not_found() {
      assertNotFound(store.taskComplete(UNKNOWN, SOME_TOKEN, "1"));
    }
  }

  // =============================================================================================

  @Nested
  class TaskCompleteMany {
    @Test
    void completes_each_and_answers_in_order() {
      putMany(3);
      List<Task> claimed = claim("w-1", 3);

      List<Outcome> outcomes = store.taskCompleteMany(claimed.stream()
          .map(t -> new Completion(t.id(), t.lease().token(), "\"" + t.name() + "\"")).toList());

      assertThat(outcomes).hasSize(3);
      for (int i = 0; i < 3; i++) {
        Task done = ok(outcomes.get(i));
        assertThat(done.id()).isEqualTo(claimed.get(i).id());
        assertThat(done.state()).isEqualTo(TaskState.DONE);
        assertThat(done.resultJson()).isEqualTo("\"" + claimed.get(i).name() + "\"");
        assertThat(get(done.id())).isEqualTo(done);
      }
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 3, 0, 0));
    }

    @Test
    void answers_each_completion_on_its_own() {
      putMany(3);
      List<Task> claimed = claim("w-1", 3);
      Task a = claimed.get(0);
      Task b = claimed.get(1);
      Task c = claimed.get(2);
      ok(store.taskComplete(b.id(), b.lease().token(), "\"earlier\""));

      List<Outcome> outcomes = store.taskCompleteMany(List.of(
          new Completion(a.id(), a.lease().token(), "1"),
          new Completion(UNKNOWN, SOME_TOKEN, "2"),
          new Completion(b.id(), b.lease().token(), "3"),
          new Completion(c.id(), a.lease().token(), "4"),
          new Completion(a.id(), a.lease().token(), "5")));

      assertThat(outcomes).hasSize(5);
      assertThat(ok(outcomes.get(0)).resultJson()).isEqualTo("1");
      assertThat(outcomes.get(1)).isEqualTo(new Outcome.NotFound(UNKNOWN));
      assertThat(finished(outcomes.get(2)).resultJson()).isEqualTo("\"earlier\"");
      assertThat(stale(outcomes.get(3)).state()).isEqualTo(TaskState.WORKING);
      assertThat(finished(outcomes.get(4)).resultJson()).isEqualTo("1");
      assertThat(get(a.id()).resultJson()).isEqualTo("1");
      assertThat(get(b.id()).resultJson()).isEqualTo("\"earlier\"");
      assertThat(get(c.id()).state()).isEqualTo(TaskState.WORKING);
    }

    @Test
    void an_empty_batch_answers_nothing() {
      assertThat(store.taskCompleteMany(List.of())).isEmpty();
    }
  }

  // =============================================================================================

  @Nested
  class TaskFail {
    @Test
    void a_failure_is_retried_after_the_queues_backoff() {
      store.queueUpdate(QUEUE, new SettingsPatch(null, null, 10_000L, 3.0, 15_000L, null, null));
      Task t = put("flaky");
      Task c = claimOne("w-1");

      Task failed = ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "boom 💥", false, null)));

      assertThat(failed.state()).isEqualTo(TaskState.PENDING);
      assertThat(failed.lastError()).isEqualTo("boom 💥");
      assertThat(failed.attempt()).isEqualTo(1);
      assertThat(failed.lease()).isNull();
      assertThat(failed.runAt() - START).isBetween(8_000L, 12_000L); // 10 s ± 20 %
      assertThat(get(t.id())).isEqualTo(failed);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 1, 0, 0, 0, 0));
      assertThat(claim("w-1", 1)).isEmpty();

      advanceTo(failed.runAt());
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
      Task retry = claimOne("w-1");
      assertThat(retry.attempt()).isEqualTo(2);

      Task again = ok(store.taskFail(new FailParams(t.id(), retry.lease().token(), "boom", false, null)));
      assertThat(again.runAt() - clock.millis()).isBetween(12_000L, 18_000L); // 30 s capped at 15 s, ± 20 %
    }

    @Test
    void the_default_backoff_starts_at_about_a_second() {
      put("flaky");
      Task c = claimOne("w-1");

      Task failed = ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "boom", false, null)));

      assertThat(failed.runAt() - START).isBetween(800L, 1_200L);
    }

    @Test
    void retry_in_ms_replaces_the_backoff() {
      put("flaky");
      Task c = claimOne("w-1");
      clock.advanceMillis(100);

      Task failed = ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "later", false, 5_000L)));

      assertThat(failed.runAt()).isEqualTo(START + 100 + 5_000);
      advance(4_999);
      assertThat(claim("w-1", 1)).isEmpty();
      advance(1);
      assertThat(claimOne("w-1").attempt()).isEqualTo(2);
    }

    @Test
    void retry_in_ms_of_zero_makes_the_task_claimable_at_once() {
      put("flaky");
      Task c = claimOne("w-1");

      ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "again", false, 0L)));

      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
      assertThat(claimOne("w-2").id()).isEqualTo(c.id());
    }

    @Test
    void a_failure_of_the_last_attempt_is_dead() {
      Task t = put(attempts("fragile", 2));
      Task first = claimOne("w-1");
      assertThat(ok(store.taskFail(new FailParams(t.id(), first.lease().token(), "one", false, 0L))).state())
          .isEqualTo(TaskState.PENDING);
      Task second = claimOne("w-1");
      assertThat(second.attempt()).isEqualTo(2);

      Task dead = ok(store.taskFail(new FailParams(t.id(), second.lease().token(), "two", false, 0L)));

      assertThat(dead.state()).isEqualTo(TaskState.DEAD);
      assertThat(dead.lastError()).isEqualTo("two");
      assertThat(dead.attempt()).isEqualTo(2);
      assertThat(dead.lease()).isNull();
      assertThat(get(t.id())).isEqualTo(dead);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
      assertThat(claim("w-1", 1)).isEmpty();
    }

    @Test
    void a_permanent_failure_is_dead_at_once() {
      Task t = put("doomed");
      Task c = claimOne("w-1");

      Task dead = ok(store.taskFail(new FailParams(t.id(), c.lease().token(), "bad input", true, null)));

      assertThat(dead.state()).isEqualTo(TaskState.DEAD);
      assertThat(dead.attempt()).isEqualTo(1);
      assertThat(dead.lastError()).isEqualTo("bad input");
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
    }

    @Test
    void with_the_token_of_a_taken_over_claim_is_stale() {
      put("job");
      Task first = claimOne("w-1", 10_000L);
      expireLeaseOf(first);
      Task second = claimOne("w-2", 10_000L);

      Task current = stale(store.taskFail(new FailParams(first.id(), first.lease().token(), "late", true, null)));

      assertThat(current.lease()).isEqualTo(second.lease());
      assertThat(get(first.id())).isEqualTo(second);
    }

    @Test
    void on_a_finished_task_is_already_finished() {
      put("job");
      Task c = claimOne("w-1");
      Task done = ok(store.taskComplete(c.id(), c.lease().token(), "1"));

      assertThat(finished(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", false, null))))
          .isEqualTo(done);
    }

    @Test
    void of_an_unknown_task_is_not_found() {
      assertNotFound(store.taskFail(new FailParams(UNKNOWN, SOME_TOKEN, "x", false, null)));
    }
  }

  // =============================================================================================

  @Nested
  class TaskRelease {
    @Test
    void puts_the_task_back_without_counting_the_attempt() {
      Task t = put("job");
      Task c = claimOne("w-1");
      clock.advanceMillis(10);

      Task released = ok(store.taskRelease(c.id(), c.lease().token(), 0));

      assertThat(released.state()).isEqualTo(TaskState.PENDING);
      assertThat(released.attempt()).isZero();
      assertThat(released.lease()).isNull();
      assertThat(released.runAt()).isEqualTo(START + 10);
      assertThat(get(t.id())).isEqualTo(released);
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
      assertThat(claimOne("w-2").attempt()).isEqualTo(1);
    }

    @Test
    void honours_the_delay() {
      put("job");
      Task c = claimOne("w-1");

      Task released = ok(store.taskRelease(c.id(), c.lease().token(), 5_000));

      assertThat(released.runAt()).isEqualTo(START + 5_000);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 1, 0, 0, 0, 0));
      advance(4_999);
      assertThat(claim("w-1", 1)).isEmpty();
      advance(1);
      assertThat(claimOne("w-1").id()).isEqualTo(c.id());
    }

    @Test
    void with_a_token_already_released_is_stale() {
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskRelease(c.id(), c.lease().token(), 0));

      Task current = stale(store.taskRelease(c.id(), c.lease().token(), 0));

      assertThat(current.state()).isEqualTo(TaskState.PENDING);
      assertThat(current.attempt()).isZero();
    }

    @Test
    void with_the_token_of_a_taken_over_claim_is_stale() {
      put("job");
      Task first = claimOne("w-1", 10_000L);
      expireLeaseOf(first);
      Task second = claimOne("w-2", 10_000L);

      stale(store.taskRelease(first.id(), first.lease().token(), 0));

      assertThat(get(first.id())).isEqualTo(second);
    }

    @Test
    void on_a_finished_task_is_already_finished() {
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskCancel(c.id()));

      assertThat(finished(store.taskRelease(c.id(), c.lease().token(), 0)).state()).isEqualTo(TaskState.CANCELLED);
    }

    @Test
    void of_an_unknown_task_is_not_found() {
      assertNotFound(store.taskRelease(UNKNOWN, SOME_TOKEN, 0));
    }
  }

  // =============================================================================================

  @Nested
  class TaskCancel {
    @Test
    void cancels_a_pending_task() {
      Task t = put("job");

      Task cancelled = ok(store.taskCancel(t.id()));

      assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
      assertThat(get(t.id())).isEqualTo(cancelled);
      assertThat(claim("w-1", 1)).isEmpty();
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0, 1));
    }

    @Test
    void cancels_a_scheduled_task() {
      Task t = put(delayed("later", 5_000));

      ok(store.taskCancel(t.id()));

      advance(10_000);
      assertThat(claim("w-1", 1)).isEmpty();
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0, 1));
    }

    @Test
    void cancels_a_working_task_and_ends_its_claim() {
      put("job");
      Task c = claimOne("w-1");

      Task cancelled = ok(store.taskCancel(c.id()));

      assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
      assertThat(cancelled.lease()).isNull();
      assertThat(finished(store.taskHeartbeat(c.id(), c.lease().token(), null)).state())
          .isEqualTo(TaskState.CANCELLED);
      assertThat(finished(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", false, null))).state())
          .isEqualTo(TaskState.CANCELLED);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0, 1));
    }

    @Test
    void a_finished_task_is_already_finished() {
      List<Task> tasks = putMany(3);
      List<Task> claimed = claim("w-1", 2);
      Task done = ok(store.taskComplete(claimed.get(0).id(), claimed.get(0).lease().token(), "1"));
      Task dead = ok(store.taskFail(new FailParams(claimed.get(1).id(), claimed.get(1).lease().token(), "x", true, null)));
      Task cancelled = ok(store.taskCancel(tasks.get(2).id()));

      assertThat(finished(store.taskCancel(done.id()))).isEqualTo(done);
      assertThat(finished(store.taskCancel(dead.id()))).isEqualTo(dead);
      assertThat(finished(store.taskCancel(cancelled.id()))).isEqualTo(cancelled);
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 1, 1));
    }

    @Test
    void of_an_unknown_task_is_not_found() {
      assertNotFound(store.taskCancel(UNKNOWN));
    }
  }

  // =============================================================================================

  @Nested
  class QueueRedrive {
    @Test
    void moves_a_dead_task_back_to_pending_with_its_attempts_reset() {
      Task t = put(attempts("fragile", 1));
      Task c = claimOne("w-1");
      Task dead = ok(store.taskFail(new FailParams(t.id(), c.lease().token(), "x", false, null)));
      assertThat(dead.state()).isEqualTo(TaskState.DEAD);
      clock.advanceMillis(1_000);

      assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 0));

      Task revived = get(t.id());
      assertThat(revived.state()).isEqualTo(TaskState.PENDING);
      assertThat(revived.attempt()).isZero();
      assertThat(revived.lease()).isNull();
      assertThat(revived.runAt()).isLessThanOrEqualTo(clock.millis());
      assertThat(revived.version().isAfter(dead.version())).isTrue();
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));

      assertThat(claimOne("w-1").attempt()).isEqualTo(1);
      assertThat(stale(store.taskHeartbeat(t.id(), c.lease().token(), null)).state()).isEqualTo(TaskState.WORKING);
    }

    @Test
    void honours_the_limit() {
      putAll(List.of(attempts("a", 1), attempts("b", 1), attempts("c", 1)));
      for (int i = 0; i < 3; i++) {
        Task c = claimOne("w-1");
        ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", true, null)));
      }
      assertThat(counts().dead()).isEqualTo(3);

      assertThat(store.queueRedrive(QUEUE, 2)).isEqualTo(new RedriveResult(2, 0));
      assertThat(counts()).isEqualTo(new QueueCounts(2, 0, 0, 0, 1, 0));
      assertThat(store.queueRedrive(QUEUE, 2)).isEqualTo(new RedriveResult(1, 0));
      assertThat(counts()).isEqualTo(new QueueCounts(3, 0, 0, 0, 0, 0));
      assertThat(store.queueRedrive(QUEUE, 2)).isEqualTo(RedriveResult.NONE);
    }

    @Test
    void leaves_other_states_and_other_queues_alone() {
      store.taskEnqueueMany(OTHER_QUEUE, List.of(attempts("other", 1)));
      Task o = store.taskClaimMany(new ClaimParams(OTHER_QUEUE, "w-1", 1, null, 0)).get(0);
      ok(store.taskFail(new FailParams(o.id(), o.lease().token(), "x", true, null)));
      putAll(List.of(TaskSpec.of("dead", "{}"), TaskSpec.of("done", "{}"), TaskSpec.of("cancelled", "{}"),
          TaskSpec.of("working", "{}"), TaskSpec.of("pending", "{}")));
      List<Task> c = claim("w-1", 4);
      ok(store.taskFail(new FailParams(c.get(0).id(), c.get(0).lease().token(), "x", true, null)));
      ok(store.taskComplete(c.get(1).id(), c.get(1).lease().token(), "1"));
      ok(store.taskCancel(c.get(2).id()));
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 1, 1, 1, 1));

      assertThat(store.queueRedrive(QUEUE, 100)).isEqualTo(new RedriveResult(1, 0));

      assertThat(counts()).isEqualTo(new QueueCounts(2, 0, 1, 1, 0, 1));
      assertThat(store.queueGet(OTHER_QUEUE).counts()).isEqualTo(new QueueCounts(0, 0, 0, 0, 1, 0));
    }

    @Test
    void on_an_unknown_queue_moves_nothing() {
      assertThat(store.queueRedrive("never-used", 10)).isEqualTo(RedriveResult.NONE);
    }

    @Test
    void passes_over_a_dead_task_whose_unique_key_a_live_task_holds() {
      Task keyed = killed(keyed("keyed", "k"));
      Task plain = killed(TaskSpec.of("plain", "{}"));
      Task holder = put(keyed("holder", "k"));

      assertThat(store.queueRedrive(QUEUE, 1)).isEqualTo(new RedriveResult(1, 1));

      assertThat(get(keyed.id()).state()).isEqualTo(TaskState.DEAD);
      assertThat(get(plain.id()).state()).isEqualTo(TaskState.PENDING);
      assertThat(enqueueOne(keyed("again", "k"))).isEqualTo(new EnqueueResult(get(holder.id()), true));
      assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(0, 1));

      Task claimed = claim("w-1", 2).stream().filter(t -> t.id().equals(holder.id())).findFirst().orElseThrow();
      ok(store.taskComplete(claimed.id(), claimed.lease().token(), null));
      assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 0));
      assertThat(get(keyed.id()).state()).isEqualTo(TaskState.PENDING);
    }

    @Test
    void of_two_dead_tasks_with_one_unique_key_moves_only_the_oldest() {
      Task first = killed(keyed("first", "k"));
      Task second = killed(keyed("second", "k"));

      assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 1));

      assertThat(get(first.id()).state()).isEqualTo(TaskState.PENDING);
      assertThat(get(second.id()).state()).isEqualTo(TaskState.DEAD);
      assertThat(enqueueOne(keyed("again", "k"))).isEqualTo(new EnqueueResult(get(first.id()), true));
    }

    @Test
    void counts_only_the_tasks_passed_over_before_the_limit_was_reached() {
      Task moved = killed(TaskSpec.of("moved", "{}"));
      Task blocked = killed(keyed("blocked", "k"));
      put(keyed("holder", "k"));

      assertThat(store.queueRedrive(QUEUE, 1)).isEqualTo(new RedriveResult(1, 0));

      assertThat(get(moved.id()).state()).isEqualTo(TaskState.PENDING);
      assertThat(get(blocked.id()).state()).isEqualTo(TaskState.DEAD);
    }

    /** Enqueues {@code spec} while nothing else is pending and has it fail permanently: a dead task. */
    private Task killed(TaskSpec spec) {
      Task t = put(spec);
      Task c = claimOne("w-killer");
      assertThat(c.id()).isEqualTo(t.id());
      return ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", true, null)));
    }
  }

  // =============================================================================================

  @Nested
  class TaskGet {
    @Test
    void returns_the_task_as_it_is_now() {
      Task t = put("job");
      assertThat(get(t.id())).isEqualTo(t);

      Task c = claimOne("w-1");
      assertThat(get(t.id())).isEqualTo(c);

      Task done = ok(store.taskComplete(c.id(), c.lease().token(), "\"r\""));
      assertThat(get(t.id())).isEqualTo(done);
    }

    @Test
    void an_unknown_task_is_empty() {
      assertThat(store.taskGet(UNKNOWN)).isEmpty();
    }
  }

  // =============================================================================================

  @Nested
  class TaskList {
    @Test
    void pages_cover_every_task_exactly_once_in_id_order() {
      List<TaskId> ids = putMany(23).stream().map(Task::id).toList();

      List<Task> listed = listAll(null, null, 5);

      assertThat(listed).extracting(Task::id).containsExactlyElementsOf(ids);
    }

    @Test
    void a_single_page_has_no_next_cursor() {
      List<Task> tasks = putMany(3);

      Page page = store.taskList(new ListParams(QUEUE, null, null, 10, null));

      assertThat(page.tasks()).containsExactlyElementsOf(tasks);
      assertThat(page.nextCursor()).isNull();
    }

    @Test
    void a_page_shows_the_tasks_as_they_are_now() {
      putMany(2);
      Task c = claimOne("w-1");

      Page page = store.taskList(new ListParams(QUEUE, null, null, 10, null));

      assertThat(page.tasks()).hasSize(2).contains(c);
    }

    @Test
    void filters_by_state() {
      List<Task> tasks = putAll(List.of(TaskSpec.of("done", "{}"), TaskSpec.of("dead", "{}"),
          TaskSpec.of("cancelled", "{}"), TaskSpec.of("working", "{}"), TaskSpec.of("p1", "{}"),
          TaskSpec.of("p2", "{}"), delayed("scheduled", 60_000)));
      List<Task> c = claim("w-1", 4);
      ok(store.taskComplete(c.get(0).id(), c.get(0).lease().token(), "1"));
      ok(store.taskFail(new FailParams(c.get(1).id(), c.get(1).lease().token(), "x", true, null)));
      ok(store.taskCancel(c.get(2).id()));

      assertThat(listAll(TaskState.PENDING, null, 2)).extracting(Task::name).containsExactly("p1", "p2", "scheduled");
      assertThat(listAll(TaskState.WORKING, null, 2)).extracting(Task::name).containsExactly("working");
      assertThat(listAll(TaskState.DONE, null, 2)).extracting(Task::name).containsExactly("done");
      assertThat(listAll(TaskState.DEAD, null, 2)).extracting(Task::name).containsExactly("dead");
      assertThat(listAll(TaskState.CANCELLED, null, 2)).extracting(Task::name).containsExactly("cancelled");
      assertThat(listAll(null, null, 3)).extracting(Task::id)
          .containsExactlyElementsOf(tasks.stream().map(Task::id).toList());
    }

    @Test
    void filters_by_name() {
      List<TaskSpec> specs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        specs.add(TaskSpec.of(i % 3 == 0 ? "beta ✓" : "alpha", "{\"i\":" + i + "}"));
      }
      List<Task> tasks = putAll(specs);

      List<Task> betas = listAll(null, "beta ✓", 2);

      assertThat(betas).extracting(Task::id).containsExactlyElementsOf(
          tasks.stream().filter(t -> t.name().equals("beta ✓")).map(Task::id).toList());
      assertThat(listAll(null, "gamma", 2)).isEmpty();
    }

    @Test
    void filters_by_state_and_name_together() {
      putAll(List.of(TaskSpec.of("a", "1"), TaskSpec.of("b", "2"), TaskSpec.of("a", "3"), TaskSpec.of("a", "4")));
      List<Task> c = claim("w-1", 2); // "a"(1) and "b"(2)

      assertThat(listAll(TaskState.PENDING, "a", 1)).extracting(Task::paramsJson).containsExactly("3", "4");
      assertThat(listAll(TaskState.WORKING, "a", 1)).extracting(Task::id).containsExactly(c.get(0).id());
      assertThat(listAll(TaskState.WORKING, "b", 1)).extracting(Task::id).containsExactly(c.get(1).id());
      assertThat(listAll(TaskState.DONE, "a", 1)).isEmpty();
    }

    @Test
    void lists_only_the_queue_asked_for() {
      store.taskEnqueueMany(OTHER_QUEUE, List.of(TaskSpec.of("elsewhere", "{}")));
      Task mine = put("mine");

      assertThat(listAll(null, null, 10)).extracting(Task::id).containsExactly(mine.id());
      Page none = store.taskList(new ListParams("never-used", null, null, 10, null));
      assertThat(none.tasks()).isEmpty();
      assertThat(none.nextCursor()).isNull();
    }
  }

  // =============================================================================================

  @Nested
  class QueueGet {
    @Test
    void a_never_used_queue_reads_as_zeros_with_default_settings() {
      QueueInfo info = store.queueGet("never-used");

      assertThat(info.name()).isEqualTo("never-used");
      assertThat(info.counts()).isEqualTo(QueueCounts.ZERO);
      assertThat(info.settings()).isEqualTo(QueueSettings.DEFAULT);
    }

    @Test
    void counts_follow_transitions() {
      putAll(List.of(TaskSpec.of("a", "{}"), TaskSpec.of("b", "{}"), TaskSpec.of("c", "{}"),
          TaskSpec.of("d", "{}"), TaskSpec.of("e", "{}"), delayed("f", 10_000)));
      assertThat(counts()).isEqualTo(new QueueCounts(5, 1, 0, 0, 0, 0));

      List<Task> c = claim("w-1", 4, 60_000L);
      assertThat(c).extracting(Task::name).containsExactly("a", "b", "c", "d");
      assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 4, 0, 0, 0));

      ok(store.taskComplete(c.get(0).id(), c.get(0).lease().token(), "1"));
      assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 3, 1, 0, 0));
      ok(store.taskFail(new FailParams(c.get(1).id(), c.get(1).lease().token(), "x", true, null)));
      assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 2, 1, 1, 0));
      ok(store.taskFail(new FailParams(c.get(2).id(), c.get(2).lease().token(), "x", false, 5_000L)));
      assertThat(counts()).isEqualTo(new QueueCounts(1, 2, 1, 1, 1, 0));
      ok(store.taskRelease(c.get(3).id(), c.get(3).lease().token(), 0));
      assertThat(counts()).isEqualTo(new QueueCounts(2, 2, 0, 1, 1, 0));
      ok(store.taskCancel(c.get(3).id()));
      assertThat(counts()).isEqualTo(new QueueCounts(1, 2, 0, 1, 1, 1));

      advance(10_000);
      assertThat(counts()).isEqualTo(new QueueCounts(3, 0, 0, 1, 1, 1));

      assertThat(store.queueRedrive(QUEUE, 10)).isEqualTo(new RedriveResult(1, 0));
      assertThat(counts()).isEqualTo(new QueueCounts(4, 0, 0, 1, 0, 1));

      Task w = claimOne("w-1", 10_000L);
      assertThat(counts()).isEqualTo(new QueueCounts(3, 0, 1, 1, 0, 1));
      expireLeaseOf(w);
      assertThat(counts()).isEqualTo(new QueueCounts(4, 0, 0, 1, 0, 1));
    }

    @Test
    void counts_only_its_own_queue() {
      store.taskEnqueueMany(OTHER_QUEUE, List.of(TaskSpec.of("x", "{}"), TaskSpec.of("y", "{}")));
      put("mine");

      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
      assertThat(store.queueGet(OTHER_QUEUE).counts()).isEqualTo(new QueueCounts(2, 0, 0, 0, 0, 0));
    }

    @Test
    void shows_the_queues_settings() {
      QueueSettings updated = store.queueUpdate(QUEUE, patchLease(42_000));

      QueueInfo info = store.queueGet(QUEUE);

      assertThat(info.name()).isEqualTo(QUEUE);
      assertThat(info.settings()).isEqualTo(updated);
      assertThat(info.counts()).isEqualTo(QueueCounts.ZERO);
    }
  }

  // =============================================================================================

  @Nested
  class QueueList {
    @Test
    void an_empty_store_lists_no_queues() {
      assertThat(store.queueList()).isEmpty();
    }

    @Test
    void lists_every_used_or_configured_queue_by_name() {
      store.taskEnqueueMany("zeta", List.of(TaskSpec.of("z", "{}"), TaskSpec.of("z", "{}")));
      store.taskEnqueueMany("alpha", List.of(TaskSpec.of("a", "{}")));
      QueueSettings mid = store.queueUpdate("mid", patchLease(1_234));

      List<QueueInfo> queues = store.queueList();

      assertThat(queues).extracting(QueueInfo::name).containsExactly("alpha", "mid", "zeta");
      assertThat(queues.get(0).counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
      assertThat(queues.get(1).counts()).isEqualTo(QueueCounts.ZERO);
      assertThat(queues.get(1).settings()).isEqualTo(mid);
      assertThat(queues.get(2).counts()).isEqualTo(new QueueCounts(2, 0, 0, 0, 0, 0));
      assertThat(queues.get(2).settings()).isEqualTo(QueueSettings.DEFAULT);
      for (QueueInfo q : queues) {
        assertThat(store.queueGet(q.name())).isEqualTo(q);
      }
    }

    @Test
    void reading_a_queue_does_not_list_it() {
      store.queueGet("ghost");
      store.taskList(new ListParams("ghost", null, null, 10, null));

      assertThat(store.queueList()).extracting(QueueInfo::name).doesNotContain("ghost");
    }
  }

  // =============================================================================================

  @Nested
  class QueueUpdate {
    @Test
    void returns_the_new_settings_and_keeps_the_rest() {
      QueueSettings first = store.queueUpdate(QUEUE, patchLease(12_345));
      assertThat(first).isEqualTo(new QueueSettings(12_345, QueueSettings.DEFAULT.maxAttempts(),
          QueueSettings.DEFAULT.backoff(), QueueSettings.DEFAULT.retentionMs(), false));

      QueueSettings second = store.queueUpdate(QUEUE, patchMaxAttempts(3));

      assertThat(second).isEqualTo(new QueueSettings(12_345, 3, QueueSettings.DEFAULT.backoff(),
          QueueSettings.DEFAULT.retentionMs(), false));
      assertThat(store.queueGet(QUEUE).settings()).isEqualTo(second);
    }

    @Test
    void changes_every_setting() {
      QueueSettings s = store.queueUpdate(QUEUE, new SettingsPatch(5_000L, 7, 250L, 1.5, 60_000L, 3_600_000L, true));

      QueueSettings expected = new QueueSettings(5_000, 7, new Backoff(250, 1.5, 60_000), 3_600_000, true);
      assertThat(s).isEqualTo(expected);
      assertThat(store.queueGet(QUEUE).settings()).isEqualTo(expected);
      assertThat(store.queueGet(OTHER_QUEUE).settings()).isEqualTo(QueueSettings.DEFAULT);
    }

    @Test
    void the_lease_setting_is_used_by_claims_without_lease_ms() {
      store.queueUpdate(QUEUE, patchLease(7_000));
      putMany(2);

      assertThat(claimOne("w-1", null).lease().expiresAt()).isEqualTo(START + 7_000);
      assertThat(claimOne("w-1", 9_000L).lease().expiresAt()).isEqualTo(START + 9_000);
    }

    @Test
    void a_paused_queue_gives_no_tasks_until_resumed() throws Exception {
      Task t = put("job");

      store.queueUpdate(QUEUE, patchPaused(true));

      assertThat(claim("w-1", 1)).isEmpty();
      assertThat(async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 100)))
          .get(5, TimeUnit.SECONDS)).isEmpty();
      assertThat(counts()).isEqualTo(new QueueCounts(1, 0, 0, 0, 0, 0));
      assertThat(store.queueGet(QUEUE).settings().paused()).isTrue();

      store.queueUpdate(QUEUE, patchPaused(false));

      assertThat(claim("w-1", 1)).extracting(Task::id).containsExactly(t.id());
    }

    @Test
    void resuming_a_paused_queue_wakes_a_waiting_claim() throws Exception {
      Task t = put("job");
      store.queueUpdate(QUEUE, patchPaused(true));
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 5_000)));
      assertStillWaiting(waiting);

      store.queueUpdate(QUEUE, patchPaused(false));

      assertThat(waiting.get(4, TimeUnit.SECONDS)).extracting(Task::id).containsExactly(t.id());
    }
  }

  // =============================================================================================

  @Nested
  class Retention {
    @Test
    void a_finished_task_is_pruned_after_the_retention() {
      store.queueUpdate(QUEUE, patchRetention(60_000));
      put("job");
      Task c = claimOne("w-1");
      ok(store.taskComplete(c.id(), c.lease().token(), "1"));

      advance(30_000);
      assertThat(store.taskGet(c.id())).isPresent();

      advance(30_000 + 1_000);
      assertThat(store.taskGet(c.id())).isEmpty();
      assertThat(counts()).isEqualTo(QueueCounts.ZERO);
      assertThat(listAll(null, null, 10)).isEmpty();
      assertNotFound(store.taskCancel(c.id()), c.id());
    }

    @Test
    void every_finished_state_is_pruned() {
      store.queueUpdate(QUEUE, patchRetention(60_000));
      List<Task> tasks = putMany(3);
      List<Task> c = claim("w-1", 2);
      ok(store.taskComplete(c.get(0).id(), c.get(0).lease().token(), "1"));
      ok(store.taskFail(new FailParams(c.get(1).id(), c.get(1).lease().token(), "x", true, null)));
      ok(store.taskCancel(tasks.get(2).id()));
      assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 1, 1));

      advance(61_000);

      for (Task t : tasks) {
        assertThat(store.taskGet(t.id())).isEmpty();
      }
      assertThat(counts()).isEqualTo(QueueCounts.ZERO);
    }

    @Test
    void the_retention_counts_from_when_the_task_finished() {
      store.queueUpdate(QUEUE, patchRetention(60_000));
      Task t = put("job");
      clock.advanceMillis(50_000);
      Task c = claimOne("w-1");
      ok(store.taskComplete(c.id(), c.lease().token(), "1"));

      advance(20_000); // 70 s after enqueue, 20 s after completion
      assertThat(store.taskGet(t.id())).isPresent();

      advance(41_000);
      assertThat(store.taskGet(t.id())).isEmpty();
    }

    @Test
    void live_tasks_are_never_pruned() {
      store.queueUpdate(QUEUE, patchRetention(1_000));
      Task working = put("working");
      Task pending = put("pending");
      Task scheduled = put(delayed("scheduled", 600_000));
      assertThat(claimOne("w-1", 600_000L).id()).isEqualTo(working.id());

      advance(300_000);

      assertThat(store.taskGet(working.id())).isPresent();
      assertThat(store.taskGet(pending.id())).isPresent();
      assertThat(store.taskGet(scheduled.id())).isPresent();
      assertThat(counts()).isEqualTo(new QueueCounts(1, 1, 1, 0, 0, 0));
    }
  }

  // =============================================================================================

  @Nested
  class Drain {
    @Test
    void ends_waiting_claims_and_later_claims_do_not_wait() throws Exception {
      Future<List<Task>> waiting = async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 30_000)));
      assertStillWaiting(waiting);

      store.drain();

      assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
      assertThat(async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 30_000)))
          .get(5, TimeUnit.SECONDS)).isEmpty();
      Task t = put("still works");
      assertThat(claim("w-1", 1)).extracting(Task::id).containsExactly(t.id());
    }
  }

  // =============================================================================================

  /** What reads may show of writes in flight (the contract in {@link TaskStore}'s Javadoc). */
  @Nested
  class ReadsAndAcknowledgements {
    private static final int BATCH = 10;
    private static final int BATCHES = 30;

    @Test
    void reads_show_every_acknowledged_write_and_each_write_whole() throws Exception {
      AtomicInteger acknowledged = new AtomicInteger();
      Future<?> writer = async(() -> {
        for (int i = 0; i < BATCHES; i++) {
          putMany(BATCH);
          acknowledged.incrementAndGet();
        }
        return null;
      });
      boolean done = false;
      while (!done) {
        done = writer.isDone();
        int before = acknowledged.get();
        int listed = store.taskList(new ListParams(QUEUE, null, null, 1_000, null)).tasks().size();
        long counted = counts().pending();
        int after = acknowledged.get();

        for (long seen : new long[] {listed, counted}) {
          assertThat(seen % BATCH).as("a batch is seen whole or not at all (seen %d)", seen).isZero();
          assertThat(seen).as("every write acknowledged before the read").isGreaterThanOrEqualTo(before * BATCH);
          // The one write in flight may show before its acknowledgement, nothing beyond it.
          assertThat(seen).isLessThanOrEqualTo((after + 1L) * BATCH);
        }
      }
      writer.get();
      assertThat(counts().pending()).isEqualTo(BATCH * BATCHES);
    }
  }

  // =============================================================================================
  // Helpers

  /** Six tasks whose claim order is c, b, a, d, f, e (by priority, then run_at, then id). */
  private List<TaskSpec> orderingSpecs() {
    return List.of(
        at("f", 0, START),
        at("a", 0, START - 1_000),
        at("e", -1, START - 5_000),
        at("b", 5, START),
        at("d", 0, START - 1_000), // same priority and run_at as "a", enqueued later
        at("c", 5, START - 500));
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
    return putAll(IntStream.range(0, n).mapToObj(i -> TaskSpec.of("task-" + i, "{\"i\":" + i + "}")).toList());
  }

  protected List<Task> claim(String worker, int max) {
    return claim(worker, max, null);
  }

  protected List<Task> claim(String worker, int max, Long leaseMs) {
    List<Task> got = store.taskClaimMany(new ClaimParams(QUEUE, worker, max, leaseMs, 0));
    assertThat(got.size()).as("claimed tasks").isLessThanOrEqualTo(max);
    assertThat(got).allMatch(t -> t.state() == TaskState.WORKING && t.lease() != null
        && t.lease().owner().equals(worker) && t.queue().equals(QUEUE));
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

  protected Task get(TaskId id) {
    return store.taskGet(id).orElseThrow(() -> new AssertionError("no task " + id));
  }

  protected QueueCounts counts() {
    return store.queueGet(QUEUE).counts();
  }

  /** Every task of {@link #QUEUE} matching the filters, page by page; checks the paging as it goes. */
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

  /** Moves the clock past {@code working}'s lease, by the margin a backend may allow for clock offset. */
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
   * Asserts that {@code claim} is still waiting a moment after it started: it neither returned at once
   * nor failed. This moment is also what lets the claim start waiting before the test wakes it.
   */
  protected static void assertStillWaiting(Future<?> claim) {
    assertThatThrownBy(() -> claim.get(100, TimeUnit.MILLISECONDS))
        .as("the claim should still be waiting")
        .isInstanceOf(TimeoutException.class);
  }
}
