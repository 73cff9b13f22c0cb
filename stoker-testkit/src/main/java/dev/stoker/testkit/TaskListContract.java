package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of {@link TaskStore#taskList}. */
public abstract class TaskListContract extends StoreFixture {
  protected TaskListContract(StoreBackend backend) {
    super(backend);
  }

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
    List<Task> tasks =
        putAll(
            List.of(
                TaskSpec.of("done", "{}"),
                TaskSpec.of("dead", "{}"),
                TaskSpec.of("cancelled", "{}"),
                TaskSpec.of("working", "{}"),
                TaskSpec.of("p1", "{}"),
                TaskSpec.of("p2", "{}"),
                delayed("scheduled", 60_000)));
    List<Task> c = claim("w-1", 4);
    ok(store.taskComplete(c.get(0).id(), c.get(0).lease().token(), "1"));
    ok(store.taskFail(new FailParams(c.get(1).id(), c.get(1).lease().token(), "x", true, null)));
    ok(store.taskCancel(c.get(2).id()));

    assertThat(listAll(TaskState.PENDING, null, 2))
        .extracting(Task::name)
        .containsExactly("p1", "p2", "scheduled");
    assertThat(listAll(TaskState.WORKING, null, 2))
        .extracting(Task::name)
        .containsExactly("working");
    assertThat(listAll(TaskState.DONE, null, 2)).extracting(Task::name).containsExactly("done");
    assertThat(listAll(TaskState.DEAD, null, 2)).extracting(Task::name).containsExactly("dead");
    assertThat(listAll(TaskState.CANCELLED, null, 2))
        .extracting(Task::name)
        .containsExactly("cancelled");
    assertThat(listAll(null, null, 3))
        .extracting(Task::id)
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

    assertThat(betas)
        .extracting(Task::id)
        .containsExactlyElementsOf(
            tasks.stream().filter(t -> t.name().equals("beta ✓")).map(Task::id).toList());
    assertThat(listAll(null, "gamma", 2)).isEmpty();
  }

  @Test
  void filters_by_state_and_name_together() {
    putAll(
        List.of(
            TaskSpec.of("a", "1"),
            TaskSpec.of("b", "2"),
            TaskSpec.of("a", "3"),
            TaskSpec.of("a", "4")));
    List<Task> c = claim("w-1", 2); // "a"(1) and "b"(2)

    assertThat(listAll(TaskState.PENDING, "a", 1))
        .extracting(Task::paramsJson)
        .containsExactly("3", "4");
    assertThat(listAll(TaskState.WORKING, "a", 1))
        .extracting(Task::id)
        .containsExactly(c.get(0).id());
    assertThat(listAll(TaskState.WORKING, "b", 1))
        .extracting(Task::id)
        .containsExactly(c.get(1).id());
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
