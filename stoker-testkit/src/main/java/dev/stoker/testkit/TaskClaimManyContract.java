package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskClaimMany}. */
public abstract class TaskClaimManyContract extends StoreFixture {
  protected TaskClaimManyContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void a_claim_returns_the_traceparent_the_task_was_enqueued_with() {
    String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    Task t = put(TaskSpec.of("traced", "{}").inTrace(trace));
    Task untraced = put("untraced");
    assertThat(t.traceparent()).isEqualTo(trace);
    assertThat(untraced.traceparent()).isNull();
    assertThat(get(t.id()).traceparent()).isEqualTo(trace);

    Task claimed = claimOne("w-1");
    assertThat(claimed.id()).isEqualTo(t.id());
    assertThat(claimed.traceparent()).isEqualTo(trace);
    Task retried =
        ok(store.taskFail(new FailParams(t.id(), claimed.lease().token(), "again", false, 0L)));
    assertThat(retried.traceparent()).isEqualTo(trace);
    assertThat(get(untraced.id()).traceparent()).isNull();
  }

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

    assertThat(claim("w-1", 10))
        .extracting(Task::name)
        .containsExactly("c", "b", "a", "d", "f", "e");
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
    assertThat(all)
        .doesNotHaveDuplicates()
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
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 5_000)));
    assertStillWaiting(waiting);

    Task t = put("job");

    List<Task> got =
        waiting.get(4, TimeUnit.SECONDS); // woken by the enqueue, not by the end of the wait
    assertThat(got).extracting(Task::id).containsExactly(t.id());
    assertThat(got.get(0).state()).isEqualTo(TaskState.WORKING);
  }

  @Test
  void a_waiting_claim_is_woken_by_a_release() throws Exception {
    put("job");
    Task c = claimOne("w-1");
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-2", 1, null, 5_000)));
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
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-2", 1, null, 5_000)));
    assertStillWaiting(waiting);

    ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "oops", false, 0L)));

    List<Task> got = waiting.get(4, TimeUnit.SECONDS);
    assertThat(got).extracting(Task::id).containsExactly(c.id());
    assertThat(got.get(0).attempt()).isEqualTo(2);
  }

  @Test
  void a_waiting_claim_on_an_empty_queue_returns_empty_when_the_wait_ends() throws Exception {
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 200)));

    assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void a_waiting_claim_is_not_given_tasks_of_another_queue() throws Exception {
    Future<List<Task>> waiting =
        async(() -> store.taskClaimMany(new ClaimParams(QUEUE, "w-1", 1, null, 300)));
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
      workers.add(
          async(
              () -> {
                go.await();
                while (true) {
                  List<Task> got =
                      store.taskClaimMany(new ClaimParams(QUEUE, worker, max, 60_000L, 0));
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

    assertThat(claimed)
        .hasSize(500)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(counts()).isEqualTo(new QueueCounts(0, 0, 500, 0, 0, 0));
  }

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
}
