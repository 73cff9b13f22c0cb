package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskEnqueueMany}. */
public abstract class TaskEnqueueManyContract extends StoreFixture {
  protected TaskEnqueueManyContract(StoreBackend backend) {
    super(backend);
  }

  @Test
  void returns_pending_tasks_with_ids_in_spec_order() {
    List<EnqueueResult> results =
        store.taskEnqueueMany(
            QUEUE, List.of(TaskSpec.of("a", "{}"), TaskSpec.of("b", "{}"), TaskSpec.of("c", "{}")));

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
    List<String> params =
        List.of(
            "null",
            "\"text\"",
            "3.140",
            "-0",
            "[]",
            "true",
            "{\"deep\":{\"x\":[true,false,null,{}]}}",
            "  [ 1 ,2 ]  ");
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
    List<EnqueueResult> results =
        store.taskEnqueueMany(
            QUEUE, List.of(keyed("one", "k"), keyed("two", "other"), keyed("three", "k")));

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
    List<EnqueueResult> results =
        store.taskEnqueueMany(QUEUE, List.of(TaskSpec.of("same", "{}"), TaskSpec.of("same", "{}")));
    assertThat(results).noneMatch(EnqueueResult::duplicate);
    assertThat(put(TaskSpec.of("same", "{}")).id())
        .isNotIn(results.get(0).task().id(), results.get(1).task().id());
    assertThat(counts().pending()).isEqualTo(3);
  }
}
