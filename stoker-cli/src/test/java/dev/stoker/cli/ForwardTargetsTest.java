package dev.stoker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.cluster.VersionVector;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * When a claim that found nothing here counts the replica's ready tasks again to choose a peer, and
 * when it goes by the counts of an earlier claim (docs/backends/cluster.md, "Forwarded claims").
 */
class ForwardTargetsTest {
  private final Map<Integer, Long> replica = new HashMap<>(Map.of(2, 50L));
  private final ForwardTargets targets = new ForwardTargets(q -> Map.copyOf(replica), 1_000);

  /** The dispatch rules, reduced: the peer with ready tasks, if any. */
  private static final ToIntFunction<Map<Integer, Long>> CHOOSE =
      ready -> ready.getOrDefault(2, 0L) > 0 ? 2 : ready.getOrDefault(3, 0L) > 0 ? 3 : -1;

  private static VersionVector v(long seq) {
    return VersionVector.of(Map.of(2, seq));
  }

  /**
   * Under load the replica changes with every event: counts that point at a peer serve every claim
   * for a while all the same (the scan used to be made again whenever the vector had moved, which
   * under W1 meant at nearly every claim that found nothing).
   */
  @Test
  void counts_that_point_at_a_peer_serve_while_the_replica_changes() {
    assertThat(targets.target("q", v(1), 0, CHOOSE)).isEqualTo(new ForwardTargets.Target(2, true));
    for (int i = 2; i < 100; i++) {
      assertThat(targets.target("q", v(i), i * 10, CHOOSE).node()).isEqualTo(2);
    }
    assertThat(targets.scans()).isEqualTo(1);
    assertThat(targets.target("q", v(100), 1_000, CHOOSE).scanned()).as("a second later").isTrue();
    assertThat(targets.target("other", v(100), 1_000, CHOOSE).scanned()).as("per queue").isTrue();
  }

  /**
   * Counts that point at no peer serve only while the replica is the same: an event may have made a
   * task ready elsewhere, and a claim must not wait for the counts to age.
   */
  @Test
  void counts_that_point_at_no_peer_are_made_again_once_the_replica_changed() {
    replica.clear();
    assertThat(targets.target("q", v(1), 0, CHOOSE).node()).isEqualTo(-1);
    assertThat(targets.target("q", v(1), 10, CHOOSE))
        .isEqualTo(new ForwardTargets.Target(-1, false));
    replica.put(3, 4L);
    assertThat(targets.target("q", v(2), 20, CHOOSE)).isEqualTo(new ForwardTargets.Target(3, true));
    assertThat(targets.scans()).isEqualTo(2);
  }

  /** The peer the counts pointed at had nothing: the next claim counts again. */
  @Test
  void forgotten_counts_are_made_again() {
    targets.target("q", v(1), 0, CHOOSE);
    replica.clear();
    replica.put(3, 7L);
    targets.forget("q");
    assertThat(targets.target("q", v(2), 10, CHOOSE)).isEqualTo(new ForwardTargets.Target(3, true));
  }

  /**
   * The chooser is asked at every claim, on the kept counts: a peer that became unreachable or
   * whose link went down since the scan is not chosen for a second.
   */
  @Test
  void the_dispatch_rules_are_asked_again_on_kept_counts() {
    replica.put(3, 5L);
    targets.target("q", v(1), 0, CHOOSE);
    ToIntFunction<Map<Integer, Long>> without2 = ready -> ready.getOrDefault(3, 0L) > 0 ? 3 : -1;
    assertThat(targets.target("q", v(2), 10, without2))
        .isEqualTo(new ForwardTargets.Target(3, false));
  }
}
