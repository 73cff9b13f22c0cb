package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.TaskStore;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link TaskStore#observe}: the store reports the leases it ends on its own and
 * the tasks a redrive moves, each once, as the task is after the transition, and no sooner than it
 * is durable (a read then shows it). A store may report from its own threads, a little after the
 * call that caused it returned: the tests wait for each report, up to a deadline.
 */
public abstract class StoreObserverContract extends StoreFixture {
  private static final long DEADLINE_MS = 20_000;
  private final BlockingQueue<String> reports = new LinkedBlockingQueue<>();

  protected StoreObserverContract(StoreBackend backend) {
    super(backend);
  }

  @BeforeEach
  void observe() {
    store.observe(
        new StoreObserver() {
          @Override
          public void leaseExpired(Task task) {
            reports.add(
                "expired " + task.id() + " " + task.state().wireName() + " " + task.attempt());
          }

          @Override
          public void redriven(Task task) {
            reports.add(
                "redriven " + task.id() + " " + task.state().wireName() + " " + task.attempt());
          }
        });
  }

  private String nextReport() throws InterruptedException {
    String r = reports.poll(DEADLINE_MS, TimeUnit.MILLISECONDS);
    assertThat(r).as("a report within " + DEADLINE_MS + " ms").isNotNull();
    return r;
  }

  @Test
  void a_lease_that_ran_out_is_reported_with_the_task_after_it() throws Exception {
    Task t = put(attempts("slow", 2));
    Task first = claimOne("w-1");
    expireLeaseOf(first);
    assertThat(nextReport()).isEqualTo("expired " + t.id() + " pending 1");
    assertThat(get(t.id()).state()).isEqualTo(TaskState.PENDING);

    Task second = claimOne("w-2");
    expireLeaseOf(second);
    // the last attempt: dead
    assertThat(nextReport()).isEqualTo("expired " + t.id() + " dead 2");
    assertThat(reports).isEmpty();
  }

  @Test
  void each_task_a_redrive_moves_is_reported() throws Exception {
    Task a = put(attempts("a", 1));
    Task b = put(attempts("b", 1));
    for (int i = 0; i < 2; i++) {
      Task c = claimOne("w-1");
      ok(store.taskFail(new FailParams(c.id(), c.lease().token(), "x", true, null)));
    }
    assertThat(store.queueRedrive(QUEUE, 10).moved()).isEqualTo(2);
    assertThat(java.util.List.of(nextReport(), nextReport()))
        .containsExactlyInAnyOrder(
            "redriven " + a.id() + " pending 0", "redriven " + b.id() + " pending 0");
    assertThat(store.queueRedrive(QUEUE, 10).moved()).isZero();
    assertThat(reports).isEmpty();
  }
}
