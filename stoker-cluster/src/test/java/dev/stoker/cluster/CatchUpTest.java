package dev.stoker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CatchUpTest {
  final List<Event> history = Histories.generate(new SplittableRandom(7), 300);

  static MemoryEventLog logOf(List<Event> events) {
    MemoryEventLog log = new MemoryEventLog();
    events.forEach(log::add);
    return log;
  }

  @Test
  void a_node_receives_exactly_the_events_it_lacks_of_every_origin() {
    MemoryEventLog full = logOf(history);
    List<Event> half = history.subList(0, history.size() / 2);
    MemoryEventLog behind = logOf(half);
    CatchUp.Page page = CatchUp.answer(full, behind.vector(), 10_000);
    assertThat(page.complete()).isTrue();
    assertThat(page.events())
        .hasSize(history.size() - half.size())
        .doesNotContainAnyElementsOf(half);
    page.events().forEach(e -> assertThat(behind.add(e)).as("new: %s", e).isTrue());
    assertThat(behind.vector()).isEqualTo(full.vector());
    assertThat(CatchUp.answer(full, behind.vector(), 10_000).events()).isEmpty();
  }

  @Test
  void pages_are_exact_and_end_complete() {
    MemoryEventLog full = logOf(history);
    MemoryEventLog empty = new MemoryEventLog();
    int pages = 0;
    CatchUp.Page page;
    do {
      page = CatchUp.answer(full, empty.vector(), 17);
      assertThat(page.events().size()).isLessThanOrEqualTo(17);
      page.events().forEach(e -> assertThat(empty.add(e)).isTrue());
      pages++;
    } while (!page.complete());
    assertThat(pages).isEqualTo((history.size() + 16) / 17);
    assertThat(empty.vector()).isEqualTo(full.vector());
  }

  /**
   * A and C cannot talk; both talk to B. C still gets A's events, from B's copy of A's log (C4).
   */
  @Test
  void events_of_a_third_node_flow_around_a_cut_link() {
    List<Event> ofA = history.stream().filter(e -> e.origin() == 1).toList();
    MemoryEventLog b = logOf(ofA);
    MemoryEventLog c = new MemoryEventLog();
    CatchUp.answer(b, c.vector(), 10_000).events().forEach(c::add);
    assertThat(c.highWater(1)).isEqualTo(ofA.size());
  }

  @Test
  void an_event_received_past_a_gap_is_held_and_the_mark_waits_for_the_gap() {
    List<Event> ofA = history.stream().filter(e -> e.origin() == 1).limit(5).toList();
    MemoryEventLog log = new MemoryEventLog();
    List<Event> order = new ArrayList<>(List.of(ofA.get(0), ofA.get(2), ofA.get(4)));
    order.forEach(log::add);
    assertThat(log.highWater(1)).isEqualTo(1);
    assertThat(log.add(ofA.get(2))).as("a redelivery is a no-op").isFalse();
    log.add(ofA.get(1));
    assertThat(log.highWater(1)).isEqualTo(3);
    log.add(ofA.get(3));
    assertThat(log.highWater(1)).isEqualTo(5);
  }
}
