package dev.stoker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.cluster.ClusterConfig;
import dev.stoker.cluster.Event;
import dev.stoker.cluster.Exchange;
import dev.stoker.cluster.Frame;
import dev.stoker.cluster.Membership;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.store.embedded.DispatchRights;
import dev.stoker.store.embedded.EmbeddedStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node in one process, its store real, its one peer a second store that never answers:
 * what the node does with a message from a home it steals from.
 */
class ClusterNodeTest {
  @TempDir Path stealerDir;
  @TempDir Path homeDir;

  private static final ClusterConfig FAST = new ClusterConfig(100, 300, 0);

  @Test
  void a_message_from_a_home_it_steals_from_ends_the_steal_before_its_events_are_applied()
      throws Exception {
    try (EmbeddedStore home = open(homeDir, 2);
        EmbeddedStore stealer = open(stealerDir, 1);
        ClusterNode node =
            new ClusterNode(
                stealer.replication(),
                // Nothing listens there: node 2 is silent, and past steal_delay node 1 steals.
                Map.of(2, URI.create("http://127.0.0.1:9/")),
                FAST,
                ClusterKey.unkeyed(List.of(1, 2)),
                () -> {})) {
      home.replication().rights(DispatchRights.only(2));
      node.start();
      awaitStatus(node, "\"steals\":[2]", Duration.ofSeconds(10));

      // Node 2 enqueued a task and handed it out; its first message after the heal carries only
      // the enqueue (the claim would be in the next page).
      Task t = home.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null"))).get(0).task();
      assertThat(home.taskClaimMany(new ClaimParams("q", "w2", 1, null, 0))).hasSize(1);
      List<Event> enqueueOnly = home.replication().read(2, 0, 1, 10);
      assertThat(enqueueOnly).hasSize(1);
      Frame frame = new Frame(2, 1, 1, Map.of(), Set.of(), Map.of(), home.replication().vector());
      Exchange message =
          new Exchange(
              frame,
              Exchange.membershipHash(new Membership(List.of(1, 2))),
              false,
              true,
              enqueueOnly);
      node.exchange(node.key.seal(message.encode()));

      assertThat(stealer.taskGet(t.id()))
          .as("the enqueue was applied")
          .get()
          .extracting(Task::state)
          .isEqualTo(TaskState.PENDING);
      assertThat(stealer.taskClaimMany(new ClaimParams("q", "w1", 10, null, 0)))
          .as("node 2 is heard: its task is its own to hand out, not node 1's")
          .isEmpty();
    }
  }

  private static EmbeddedStore open(Path dir, int node) {
    return EmbeddedStore.openCluster(
        dir, dev.stoker.core.Clock.system(), node, new SplittableRandom(node), 0);
  }

  private static void awaitStatus(ClusterNode node, String part, Duration within) {
    Awaitility.await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> assertThat(new String(node.status(), StandardCharsets.UTF_8)).contains(part));
  }
}
