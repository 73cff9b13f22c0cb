package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.Transition;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The change feed's window: what a subscriber may resume after, and the reset when it fell behind.
 */
class ChangeFeedTest {
  private static int n;

  private static Task task(String params) {
    n++;
    return Transitions.enqueue(
        new TaskId(n, 0),
        "q",
        TaskSpec.of("t", params),
        QueueSettings.DEFAULT,
        new Stamp(1_000, 1_000, 1));
  }

  private static List<Long> positions(ChangeFeed.Read r) {
    return r.events().stream().map(e -> e.position).toList();
  }

  @Test
  void a_subscriber_reads_what_came_after_its_position_in_order() throws Exception {
    ChangeFeed feed = new ChangeFeed(4, 1 << 20);
    long after = feed.resumeAfter(null);
    feed.publish(Transition.ENQUEUED, task("1"));
    feed.publish(Transition.CLAIMED, task("2"));
    ChangeFeed.Read r = feed.read(after, 0);
    assertThat(positions(r)).containsExactly(1L, 2L);
    assertThat(r.events().get(1).transition).isEqualTo(Transition.CLAIMED);
    assertThat(r.next()).isEqualTo(2);
    assertThat(feed.read(r.next(), 0).events()).isEmpty();
  }

  @Test
  void only_the_last_events_up_to_the_capacity_are_kept() throws Exception {
    ChangeFeed feed = new ChangeFeed(4, 1 << 20);
    for (int i = 0; i < 10; i++) {
      feed.publish(Transition.ENQUEUED, task("1"));
    }
    assertThat(feed.resumeAfter(feed.id(6))).isEqualTo(6);
    assertThat(positions(feed.read(6, 0))).containsExactly(7L, 8L, 9L, 10L);
    // event 6 was dropped: a subscriber after 5 missed it
    assertThat(feed.resumeAfter(feed.id(5))).isEqualTo(-1);
    ChangeFeed.Read behind = feed.read(5, 0);
    assertThat(behind.reset()).isTrue();
    assertThat(behind.next()).isEqualTo(10);
  }

  @Test
  void large_tasks_are_dropped_sooner_and_the_newest_is_always_kept() throws Exception {
    ChangeFeed feed = new ChangeFeed(100, 10);
    feed.publish(Transition.ENQUEUED, task("1234"));
    feed.publish(Transition.ENQUEUED, task("1234"));
    // each event counts its name (1) and params (4): two fit in 10 characters, not three
    feed.publish(Transition.ENQUEUED, task("1234"));
    assertThat(positions(feed.read(1, 0))).containsExactly(2L, 3L);
    feed.publish(Transition.ENQUEUED, task("x".repeat(50)));
    assertThat(positions(feed.read(3, 0))).containsExactly(4L);
  }

  @Test
  void ids_of_another_stream_or_not_numbers_are_not_resumable() {
    ChangeFeed feed = new ChangeFeed(4, 1 << 20);
    feed.publish(Transition.ENQUEUED, task("1"));
    assertThat(feed.resumeAfter(feed.id(1))).isEqualTo(1);
    assertThat(feed.resumeAfter(feed.id(0))).isEqualTo(0);
    assertThat(feed.resumeAfter(feed.id(2))).isEqualTo(-1);
    assertThat(feed.resumeAfter("other-1")).isEqualTo(-1);
    assertThat(feed.resumeAfter(feed.stream() + "-x")).isEqualTo(-1);
  }

  @Test
  void a_read_waits_for_the_next_event_and_close_ends_it() throws Exception {
    ChangeFeed feed = new ChangeFeed(4, 1 << 20);
    Thread publisher = Thread.ofVirtual().start(() -> feed.publish(Transition.ENQUEUED, task("1")));
    ChangeFeed.Read r = feed.read(0, 60_000_000_000L);
    publisher.join();
    assertThat(positions(r)).containsExactly(1L);
    Thread closer = Thread.ofVirtual().start(feed::close);
    assertThat(feed.read(1, 60_000_000_000L).closed()).isTrue();
    closer.join();
  }

  @Test
  void a_reset_mark_is_read_in_order_by_every_subscriber() throws Exception {
    ChangeFeed feed = new ChangeFeed(4, 1 << 20);
    long after = feed.resumeAfter(null);
    feed.publish(Transition.ENQUEUED, task("1"));
    feed.publishReset();
    feed.publish(Transition.CLAIMED, task("2"));
    ChangeFeed.Read r = feed.read(after, 0);
    assertThat(positions(r)).containsExactly(1L, 2L, 3L);
    assertThat(r.events().stream().map(ChangeFeed.Event::isReset))
        .containsExactly(false, true, false);
    assertThat(r.reset()).as("the subscriber did not fall behind").isFalse();
  }
}
