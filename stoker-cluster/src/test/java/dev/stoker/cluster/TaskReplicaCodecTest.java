package dev.stoker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TaskReplicaCodecTest {

  /**
   * Every state a replica passes through in generated histories: live, body-pending, pruned,
   * redriven.
   */
  @Test
  void every_replica_state_of_generated_histories_round_trips() {
    int states = 0;
    for (int seed = 0; seed < 100; seed++) {
      Replica replica = new Replica();
      for (Event e : Histories.generate(new SplittableRandom(seed), 100)) {
        TaskReplica t = replica.apply(e).after();
        assertThat(TaskReplicaCodec.decode(TaskReplicaCodec.encode(t)))
            .as("seed %d", seed)
            .isEqualTo(t);
        states++;
      }
    }
    assertThat(states).as("states checked").isGreaterThan(4_000);
  }

  @Test
  void a_flipped_bit_is_refused() {
    Replica replica = new Replica();
    TaskReplica t = null;
    for (Event e : Histories.generate(new SplittableRandom(3), 20)) {
      t = replica.apply(e).after();
    }
    byte[] bytes = TaskReplicaCodec.encode(t);
    for (int i = 0; i < bytes.length; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x01;
      assertThatThrownBy(() -> TaskReplicaCodec.decode(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
