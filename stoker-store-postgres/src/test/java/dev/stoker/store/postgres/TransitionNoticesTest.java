package dev.stoker.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.Transition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NOTIFY payloads of transitions: what is written parses back, each under NOTIFY's limit. */
class TransitionNoticesTest {

  private static Task task(long n) {
    return Transitions.enqueue(
        new TaskId(n, n * 31),
        "q",
        TaskSpec.of("t", "{}"),
        QueueSettings.DEFAULT,
        new Stamp(1_000, Long.MAX_VALUE - n, 9));
  }

  @Test
  void a_transaction_of_many_transitions_is_several_payloads_under_the_limit_that_parse_back() {
    TransitionNotices notices = new TransitionNotices(0xfffe);
    List<TransitionNotices.Notice> written = new ArrayList<>();
    Transition[] all = Transition.values();
    for (int i = 0; i < 1_000; i++) {
      Task t = task(i);
      Transition tr = all[i % all.length];
      notices.add(tr, t);
      written.add(new TransitionNotices.Notice(tr, t.id(), t.version().hlc()));
    }
    assertThat(notices.payloads()).hasSizeGreaterThan(1);
    List<TransitionNotices.Notice> read = new ArrayList<>();
    for (String p : notices.payloads()) {
      assertThat(p.getBytes(StandardCharsets.UTF_8).length).isLessThan(8_000);
      assertThat(TransitionNotices.isNotice(p)).isTrue();
      TransitionNotices.Parsed parsed = TransitionNotices.parse(p);
      assertThat(parsed.node()).isEqualTo(0xfffe);
      read.addAll(parsed.notices());
    }
    assertThat(read).isEqualTo(written);
  }

  @Test
  void a_wake_up_is_not_a_notice_and_no_transition_is_no_payload() {
    assertThat(TransitionNotices.isNotice("emails")).isFalse();
    assertThat(new TransitionNotices(1).payloads()).isEmpty();
  }
}
