package dev.stoker.it;

import static dev.stoker.it.ClusterTest.QUEUE;
import static dev.stoker.it.ClusterTest.enqueue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the links between the AP cluster's nodes, not of the nodes, on real processes
 * (ap-cluster.md §6): C4, one link cut (both ways, or one way) while a third node reaches both
 * ends; C11, every link reset in the middle of its exchanges, again and again.
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterLinksTest {
  private static final long STEAL_DELAY_MS = Long.parseLong(ClusterNodes.STEAL_DELAY_MS);

  @TempDir Path root;

  /**
   * Polls every node's {@code /v1/cluster} until closed and keeps what must not happen while every
   * node reaches every other one directly or through a third: a steal, a peer found unreachable.
   */
  private static final class StealWatch implements AutoCloseable {
    final List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    StealWatch(ClusterNodes cluster) {
      thread = Thread.ofPlatform().daemon().start(() -> watch(cluster));
    }

    private void watch(ClusterNodes cluster) {
      while (!stop.get()) {
        for (int node = 1; node <= cluster.size(); node++) {
          try {
            JsonNode status = cluster.http(node).get("/v1/cluster").body();
            if (!status.get("steals").isEmpty()) {
              seen.add(java.time.Instant.now() + " node " + node + " steals " + status);
            }
            for (JsonNode peer : status.get("peers")) {
              if (!peer.get("reachable").asBoolean()) {
                seen.add(java.time.Instant.now() + " node " + node + " finds unreachable " + peer);
              }
            }
          } catch (Exception e) {
            seen.add(java.time.Instant.now() + " node " + node + " did not answer: " + e);
          }
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(5_000);
    }
  }

  /** Node {@code node}'s view of {@code peer} in its {@code /v1/cluster}. */
  private static JsonNode peer(ClusterNodes cluster, int node, int peer) throws Exception {
    for (JsonNode p : cluster.http(node).get("/v1/cluster").body().get("peers")) {
      if (p.get("node").asInt() == peer) {
        return p;
      }
    }
    throw new AssertionError("node " + node + " does not list peer " + peer);
  }

  /**
   * Enqueues a few tasks on every node and waits until node 2 holds every event node 1 had made by
   * then; returns the ids and adds how long that took to {@code reachedTwo}.
   */
  private static List<String> roundReachingTwo(
      ClusterNodes cluster, String tag, List<Long> reachedTwo) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int node = 1; node <= 3; node++) {
      ids.addAll(enqueue(cluster, node, 10, tag + "-" + node));
    }
    long made = cluster.http(1).get("/v1/cluster").body().at("/vector/1").asLong();
    long start = System.nanoTime();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> cluster.http(2).get("/v1/cluster").body().at("/vector/1").asLong() >= made);
    reachedTwo.add((System.nanoTime() - start) / 1_000_000);
    return ids;
  }

  @Test
  void c4_a_cut_link_between_two_nodes_that_both_reach_a_third_costs_no_steal_and_no_duplicate()
      throws Exception {
    List<String> all = new ArrayList<>();
    List<Long> bothWays = new ArrayList<>();
    List<Long> oneWay = new ArrayList<>();
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll();
        ClusterTest.Workers workers = ClusterTest.Workers.leasing(cluster, 30_000)) {
      for (int node = 1; node <= 3; node++) {
        all.addAll(enqueue(cluster, node, 20, "c4-before-" + node));
      }
      try (StealWatch watch = new StealWatch(cluster)) {
        // Both ways: 1 and 2 hear of each other only through 3's frames, and node 2 gets node 1's
        // events only from node 3. Held until neither has had a direct frame from the other for
        // twice steal_delay.
        cluster.cut(1, 2);
        cluster.cut(2, 1);
        int round = 0;
        do {
          all.addAll(roundReachingTwo(cluster, "c4-cut-" + round++, bothWays));
        } while (peer(cluster, 2, 1).get("last_contact_ms").asLong() < 2 * STEAL_DELAY_MS
            || peer(cluster, 1, 2).get("last_contact_ms").asLong() < 2 * STEAL_DELAY_MS);
        for (int[] pair : new int[][] {{1, 2}, {2, 1}}) {
          JsonNode view = peer(cluster, pair[0], pair[1]);
          assertThat(view.get("connected").asBoolean())
              .as("node %d's link to node %d is cut: %s", pair[0], pair[1], view)
              .isFalse();
          assertThat(view.get("reachable").asBoolean())
              .as(
                  "node %d still finds node %d reachable, through node 3: %s",
                  pair[0], pair[1], view)
              .isTrue();
        }
        cluster.healAll();

        // One way: node 1 cannot reach node 2, node 2 still reaches node 1 (and hears from it in
        // the answers). Node 1's pushes to node 2 fail; node 2 pulls them from node 1 or node 3.
        // Held for twice steal_delay.
        cluster.cut(1, 2);
        long until = System.nanoTime() + 2 * STEAL_DELAY_MS * 1_000_000;
        round = 0;
        do {
          all.addAll(roundReachingTwo(cluster, "c4-one-way-" + round++, oneWay));
        } while (System.nanoTime() < until);
        assertThat(peer(cluster, 1, 2).get("connected").asBoolean())
            .as("node 1's link to node 2 is cut")
            .isFalse();
        cluster.healAll();
        ClusterTest.awaitRunToTheEnd(cluster, workers, all, "C4");
        assertThat(watch.seen).as("steals or unreachable peers while the link was cut").isEmpty();
      }
      System.out.printf(
          "C4: node 1's events reached node 2 in %s ms (both ways cut, through node 3), %s ms"
              + " (node 1 -> node 2 cut)%n",
          bothWays, oneWay);
      long counted = ClusterTest.countedDuplicates(cluster, "C4");
      assertThat(workers.duplicates()).as("tasks handed out twice").isEmpty();
      assertThat(counted).as("duplicates the nodes counted").isZero();
    }
  }

  /**
   * Every link resets its connections after a random number of bytes (log-uniform, 256 B to 128
   * KB), so exchanges are torn off mid-request or mid-answer: a push the receiver applied whose
   * answer is lost, a catch-up page cut in two. Node 3 is first cut off while nodes 1 and 2 take
   * tasks, so its catch-up comes in large pages. With the resets going on the cluster still
   * converges, and after the heal every node holds every task in the same state and version.
   */
  @Test
  void c11_links_reset_in_the_middle_of_exchanges_again_and_again_end_in_the_same_state_everywhere()
      throws Exception {
    long seed = Long.getLong("stoker.c11.seed", System.nanoTime());
    System.out.println("C11: seed " + seed + " (-Dstoker.c11.seed to replay the reset points)");
    Random random = new Random(seed);
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      List<String> all = new ArrayList<>();
      cluster.isolate(3);
      for (int round = 0; round < 16; round++) {
        all.addAll(enqueue(cluster, 1 + round % 2, 20, "c11-backlog-" + round));
      }
      cluster.healAll();
      cluster.resetLinksAfter(
          () -> {
            synchronized (random) {
              return (long) Math.exp(Math.log(256) + random.nextDouble() * Math.log(512));
            }
          });
      try (ClusterTest.Workers workers = new ClusterTest.Workers(cluster)) {
        // Resets come with the bytes the links carry: new tasks until there were enough of them.
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int round = 0;
        do {
          for (int node = 1; node <= 3; node++) {
            all.addAll(enqueue(cluster, node, 10, "c11-reset-" + round + "-" + node));
          }
          round++;
        } while (cluster.resets() < 20 && System.nanoTime() < until);
        // Still resetting: the cluster converges through the torn exchanges.
        ClusterTest.awaitDoneEverywhere(cluster, all, Duration.ofSeconds(60));
        long resets = cluster.resets();
        cluster.healAll();
        ClusterTest.awaitRunToTheEnd(cluster, workers, all, "C11");
        System.out.printf("C11: %d connections reset mid-stream%n", resets);
        assertThat(resets).as("connections reset").isGreaterThanOrEqualTo(20);
      }
      Map<String, JsonNode> first = ClusterTest.tasksOn(cluster, 1, QUEUE, "");
      assertThat(first.keySet()).containsExactlyInAnyOrderElementsOf(all);
      for (int node = 2; node <= 3; node++) {
        Map<String, JsonNode> other = ClusterTest.tasksOn(cluster, node, QUEUE, "");
        assertThat(other.keySet()).as("tasks on node %d", node).isEqualTo(first.keySet());
        for (String id : all) {
          for (String field : new String[] {"state", "version", "attempt", "result"}) {
            assertThat(other.get(id).get(field))
                .as("%s of %s on node %d and node 1", field, id, node)
                .isEqualTo(first.get(id).get(field));
          }
        }
      }
    }
  }
}
