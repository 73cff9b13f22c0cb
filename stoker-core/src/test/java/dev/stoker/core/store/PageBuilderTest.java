package dev.stoker.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.InvalidInput;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import org.junit.jupiter.api.Test;

/** The paging rules every store's taskList follows. */
class PageBuilderTest {
  private static final Stamp AT = new Stamp(1_700_000_000_000L, 1_700_000_000_000L << 16, 1);

  @Test
  void a_full_page_ends_with_the_last_row_read_as_cursor_when_more_rows_follow() {
    PageBuilder page = new PageBuilder(new ListParams("q", null, null, 2, null));
    assertThat(page.offer(id(1), task(1, "a"))).isTrue();
    assertThat(page.offer(id(2), task(2, "a"))).isTrue();
    assertThat(page.offer(id(3), task(3, "a"))).as("the page is full").isFalse();

    assertThat(page.page().tasks()).extracting(Task::id).containsExactly(id(1), id(2));
    assertThat(page.page().nextCursor()).isEqualTo(id(2).toString());
  }

  @Test
  void a_page_that_read_the_last_row_has_no_cursor() {
    PageBuilder page = new PageBuilder(new ListParams("q", null, null, 2, null));
    page.offer(id(1), task(1, "a"));
    page.offer(id(2), task(2, "a"));

    assertThat(page.page().nextCursor()).isNull();
  }

  @Test
  void the_name_filter_skips_rows_and_gone_tasks_are_skipped() {
    PageBuilder page = new PageBuilder(new ListParams("q", null, "b", 10, null));
    page.offer(id(1), task(1, "a"));
    page.offer(id(2), null);
    page.offer(id(3), task(3, "b"));

    assertThat(page.page().tasks()).extracting(Task::id).containsExactly(id(3));
  }

  @Test
  void a_name_filter_reads_at_most_the_scan_budget_then_ends_with_a_cursor() {
    PageBuilder page = new PageBuilder(new ListParams("q", null, "wanted", 10, null));
    assertThat(page.rowsToRead()).isEqualTo(PageBuilder.SCAN_BUDGET + 1);
    int read = 0;
    while (page.offer(id(read + 1), task(read + 1, "other"))) {
      read++;
    }

    assertThat(read).isEqualTo(PageBuilder.SCAN_BUDGET);
    assertThat(page.page().tasks()).isEmpty();
    assertThat(page.page().nextCursor()).isEqualTo(id(PageBuilder.SCAN_BUDGET).toString());
  }

  @Test
  void the_cursor_is_where_the_next_page_starts_and_a_foreign_one_is_refused() {
    assertThat(new PageBuilder(new ListParams("q", null, null, 5, id(7).toString())).after())
        .isEqualTo(id(7));
    assertThat(new PageBuilder(new ListParams("q", null, null, 5, null)).after()).isNull();
    assertThat(new PageBuilder(new ListParams("q", null, null, 5, null)).rowsToRead()).isEqualTo(6);

    assertThatThrownBy(() -> new PageBuilder(new ListParams("q", null, null, 5, "not-a-cursor")))
        .isInstanceOf(InvalidInput.class)
        .hasMessageContaining("cursor");
  }

  private static TaskId id(int n) {
    return new TaskId((1_700_000_000_000L << 16) | 1, n);
  }

  private static Task task(int n, String name) {
    return Transitions.enqueue(id(n), "q", TaskSpec.of(name, "{}"), QueueSettings.DEFAULT, AT);
  }
}
