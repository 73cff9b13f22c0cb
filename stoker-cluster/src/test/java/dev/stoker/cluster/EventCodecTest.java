package dev.stoker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Hlc;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventCodecTest {

  @Test
  void every_event_of_generated_histories_round_trips() {
    for (int seed = 0; seed < 100; seed++) {
      for (Event e : Histories.generate(new SplittableRandom(seed), 100)) {
        assertThat(EventCodec.decode(EventCodec.encode(e))).as("seed %d", seed).isEqualTo(e);
      }
    }
  }

  @Test
  void a_flipped_bit_or_a_torn_record_is_refused() {
    byte[] bytes = EventCodec.encode(Histories.generate(new SplittableRandom(1), 5).getFirst());
    for (int i = 0; i < bytes.length; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x10;
      assertThatThrownBy(() -> EventCodec.decode(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    for (int n = 0; n < bytes.length; n++) {
      byte[] torn = java.util.Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> EventCodec.decode(torn))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /**
   * The figure docs/backends/cluster.md quotes: the size of each kind of state event of one
   * ordinary task (queue "default", name "send-email", no params or result), against the note's bar
   * of 100 bytes.
   */
  @Test
  void a_state_event_without_params_or_result_takes_at_most_100_bytes() {
    long[] now = {1_800_000_000_000L};
    Hlc hlc = new Hlc(() -> now[0]);
    Origin origin = new Origin(3, 41_999);
    Replica replica = new Replica();
    TaskId id = new TaskId((now[0] << 16) | 3, 0x1234_5678_9ABCL);
    Stamp at = Stamp.next(hlc, 3);
    Task t =
        Transitions.enqueue(
            id, "default", TaskSpec.of("send-email", null), QueueSettings.DEFAULT, at);
    Event enqueue = origin.stateEvent(null, t, at);
    replica.apply(enqueue);
    now[0] += 7;
    at = Stamp.next(hlc, 3);
    t = Transitions.claim(t, "worker-host-17:4242", 30_000, at);
    Event claim = origin.stateEvent(replica.get(id), t, at);
    replica.apply(claim);
    now[0] += 250;
    at = Stamp.next(hlc, 3);
    t =
        ((dev.stoker.core.Outcome.Ok) Transitions.heartbeat(t, t.lease().token(), 30_000, at))
            .task();
    Event heartbeat = origin.stateEvent(replica.get(id), t, at);
    replica.apply(heartbeat);
    now[0] += 900;
    at = Stamp.next(hlc, 3);
    t = ((dev.stoker.core.Outcome.Ok) Transitions.complete(t, t.lease().token(), null, at)).task();
    Event complete = origin.stateEvent(replica.get(id), t, at);
    replica.apply(complete);
    Event prune = origin.pruneEvent(replica.get(id), Stamp.next(hlc, 3));
    List<Event> events = List.of(enqueue, claim, heartbeat, complete, prune);
    StringBuilder figures = new StringBuilder("bytes per event:");
    for (Event e : events) {
      int size = EventCodec.encode(e).length;
      figures
          .append(' ')
          .append(e.register() == null ? "PRUNE" : e.register().state())
          .append('=')
          .append(size);
      assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
    }
    System.out.println(figures);
    for (Event e : List.of(claim, heartbeat, complete, prune)) {
      assertThat(EventCodec.encode(e).length).as("%s", e).isLessThanOrEqualTo(100);
    }
  }
}
