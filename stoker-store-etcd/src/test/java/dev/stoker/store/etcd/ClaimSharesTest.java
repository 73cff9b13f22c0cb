package dev.stoker.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Clock;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How the tasks of a batch of claims are shared out among its requests. */
class ClaimSharesTest {
  private static final ClaimParams A = new ClaimParams("q", "a", 2, null, 0);
  private static final ClaimParams B = new ClaimParams("q", "b", 1, null, 0);
  private static final ClaimParams C = new ClaimParams("q", "c", 3, null, 0);
  private final TaskIdGenerator ids =
      new TaskIdGenerator(Clock.system(), 1, new SplittableRandom(1));

  private List<Task> tasks(int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                Transitions.enqueue(
                    ids.next(),
                    "q",
                    TaskSpec.of("t", "{}"),
                    QueueSettings.DEFAULT,
                    new Stamp(0, 0, 1)))
        .toList();
  }

  @Test
  void tasks_fill_the_requests_in_the_order_they_came() {
    ClaimShares shares = new ClaimShares(List.of(A, B, C));
    assertThat(shares.left()).isEqualTo(6);
    assertThat(shares.nextTasksGoTo(4)).containsExactly(A, A, B, C);

    List<Task> first = tasks(4);
    shares.handOut(first);
    assertThat(shares.left()).isEqualTo(2);
    assertThat(shares.nextTasksGoTo(10)).containsExactly(C, C);
    List<Task> second = tasks(2);
    shares.handOut(second);

    assertThat(shares.left()).isZero();
    assertThat(shares.nextTasksGoTo(1)).isEmpty();
    assertThat(shares.got())
        .containsExactly(
            first.subList(0, 2),
            first.subList(2, 3),
            List.of(first.get(3), second.get(0), second.get(1)));
  }

  @Test
  void too_few_tasks_answer_the_first_requests_in_full_and_leave_the_rest_empty() {
    ClaimShares shares = new ClaimShares(List.of(A, B, C));
    List<Task> only = tasks(3);
    shares.handOut(only);
    assertThat(shares.got()).containsExactly(only.subList(0, 2), only.subList(2, 3), List.of());
    assertThat(shares.nextTasksGoTo(3)).containsExactly(C, C, C);
  }

  /** A finish-and-claim whose completion did not commit is taken out of the batch's claims. */
  @Test
  void a_withdrawn_request_gets_nothing_and_the_others_are_filled_in_order() {
    ClaimShares shares = new ClaimShares(List.of(A, B, C));
    shares.withdraw(0);
    assertThat(shares.left()).isEqualTo(4);
    assertThat(shares.nextTasksGoTo(10)).containsExactly(B, C, C, C);

    List<Task> all = tasks(4);
    shares.handOut(all);
    assertThat(shares.left()).isZero();
    assertThat(shares.got()).containsExactly(List.of(), all.subList(0, 1), all.subList(1, 4));
  }
}
