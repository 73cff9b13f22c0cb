package dev.stoker.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class TaskIdGeneratorTest {
  private static final long T = 1_700_000_000_000L;

  private static void assertStrictlyIncreasing(List<TaskId> ids) {
    for (int i = 1; i < ids.size(); i++) {
      assertThat(ids.get(i)).as("id %d", i).isGreaterThan(ids.get(i - 1));
      // The text form, which is what clients and stores see, increases too.
      assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
    }
  }

  @Test
  void ids_within_one_millisecond_strictly_increase() {
    TaskIdGenerator gen = new TaskIdGenerator(() -> T, 3, new SplittableRandom(1));
    List<TaskId> ids = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(gen.next());
    }
    assertStrictlyIncreasing(ids);
    assertThat(ids).allSatisfy(id -> assertThat(id.createdMillis()).isEqualTo(T));
  }

  @Test
  void ids_strictly_increase_when_the_clock_steps_back() {
    long[] times = {T, T, T - 1, T - 5_000, T + 1, T + 1, T, T - 1, T + 2, 0, T + 2};
    int[] i = {0};
    TaskIdGenerator gen =
        new TaskIdGenerator(
            () -> times[Math.min(i[0]++, times.length - 1)], 3, new SplittableRandom(2));
    List<TaskId> ids = new ArrayList<>();
    for (int k = 0; k < times.length; k++) {
      ids.add(gen.next());
    }
    assertStrictlyIncreasing(ids);
    // While the clock is behind, ids keep the last millisecond rather than going back in time.
    assertThat(ids.get(3).createdMillis()).isEqualTo(T);
    assertThat(ids.get(9).createdMillis()).isEqualTo(T + 2);
  }

  @Test
  void ids_follow_the_clock_forward() {
    long[] now = {T};
    TaskIdGenerator gen = new TaskIdGenerator(() -> now[0], 3, new SplittableRandom(3));
    TaskId a = gen.next();
    now[0] = T + 1;
    TaskId b = gen.next();
    now[0] = T + 60_000;
    TaskId c = gen.next();
    assertThat(a.createdMillis()).isEqualTo(T);
    assertThat(b.createdMillis()).isEqualTo(T + 1);
    assertThat(c.createdMillis()).isEqualTo(T + 60_000);
    assertStrictlyIncreasing(List.of(a, b, c));
  }

  @Test
  void ids_strictly_increase_when_the_counter_runs_out_within_a_millisecond() {
    // The worst seed: the counter starts at the top of its range and overflows on the next id.
    RandomGenerator worst = () -> -1L;
    TaskIdGenerator gen = new TaskIdGenerator(() -> T, 3, worst);
    List<TaskId> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(gen.next());
    }
    assertStrictlyIncreasing(ids);
  }

  @Test
  void the_node_is_in_every_id() {
    for (int node : new int[] {0, 1, 42, 0xFFFF}) {
      TaskIdGenerator gen = new TaskIdGenerator(() -> T, node, new SplittableRandom(4));
      for (int i = 0; i < 100; i++) {
        TaskId id = gen.next();
        assertThat(id.hi() & 0xFFFF).isEqualTo(node);
        assertThat(id.createdMillis()).isEqualTo(T);
      }
    }
  }

  @Test
  void two_nodes_never_issue_the_same_id_even_with_the_same_randomness() {
    TaskIdGenerator a = new TaskIdGenerator(() -> T, 1, new SplittableRandom(5));
    TaskIdGenerator b = new TaskIdGenerator(() -> T, 2, new SplittableRandom(5));
    Set<TaskId> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      assertThat(seen.add(a.next())).isTrue();
      assertThat(seen.add(b.next())).isTrue();
    }
  }

  @Test
  void node_ids_outside_16_bits_are_refused() {
    assertThatThrownBy(() -> new TaskIdGenerator(() -> T, -1, new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TaskIdGenerator(() -> T, 0x10000, new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
