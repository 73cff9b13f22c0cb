package dev.stoker.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The task record keeps a lease's progress, and records written before it still read. */
class CodecTest {
  private static final String PROGRESS = "{\"done\":3,\"of\":10,\"step\":\"résumé\"}";

  private final long now = 1_800_000_000_000L;
  private final Hlc hlc = new Hlc(() -> now);
  private final TaskId id = new TaskId((now << 16) | 1, 7);

  private Task working() {
    Task t =
        Transitions.enqueue(
            id, "q", TaskSpec.of("job", "{\"a\":1}"), QueueSettings.DEFAULT, Stamp.next(hlc, 1));
    return Transitions.claim(t, "w-1", 30_000, Stamp.next(hlc, 1));
  }

  @Test
  void a_working_task_with_a_progress_round_trips() {
    Task w = working();
    Outcome o = Transitions.heartbeat(w, w.lease().token(), 30_000, PROGRESS, Stamp.next(hlc, 1));
    Task beat = ((Outcome.Ok) o).task();

    Codec.Stored read = Codec.decodeTask(Codec.encodeTask(beat, 3, false), "q");

    assertThat(read.task()).isEqualTo(beat);
    assertThat(read.task().lease().progressJson()).isEqualTo(PROGRESS);
  }

  @Test
  void a_record_without_a_progress_is_the_record_of_before_and_reads_as_none() {
    Task plain = working();
    Task beat =
        ((Outcome.Ok)
                Transitions.heartbeat(
                    plain, plain.lease().token(), 0, PROGRESS, Stamp.next(hlc, 1)))
            .task();
    byte[] with = Codec.encodeTask(beat, 3, false);
    byte[] without = Codec.encodeTask(plain, 3, false);

    // The progress is the record's last field: without it, the record is the one written before
    // progress existed (ending at the traceparent), byte for byte.
    int tail = 4 + PROGRESS.getBytes(StandardCharsets.UTF_8).length;
    assertThat(without).isEqualTo(Arrays.copyOf(with, with.length - tail));
    Task old = Codec.decodeTask(without, "q").task();
    assertThat(old).isEqualTo(plain);
    assertThat(old.lease().progressJson()).isNull();
  }
}
