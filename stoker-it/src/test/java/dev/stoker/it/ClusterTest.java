package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AP cluster with real node processes on loopback, every link through a TCP proxy
 * (docs/backends/cluster.md; the fault scenarios are those of ap-cluster.md §6).
 */
@ExtendWith(NodeLogsOnFailure.class)
class ClusterTest {
  static final String QUEUE = "/v1/queues/c";

  @TempDir Path root;

  /** Workers, one thread per node, claiming from their node and completing what they get. */
  static final class Workers implements AutoCloseable {
    final Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();
    final AtomicInteger alreadyFinished = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final long leaseMs;

    Workers(ClusterNodes cluster) {
      this(cluster, 3_000, allNodes(cluster));
    }

    /** Workers on the given nodes only, one thread each. */
    Workers(ClusterNodes cluster, int... nodes) {
      this(cluster, 3_000, nodes);
    }

    private Workers(ClusterNodes cluster, long leaseMs, int[] nodes) {
      this.leaseMs = leaseMs;
      for (int node : nodes) {
        threads.add(Thread.ofPlatform().daemon().start(() -> work(cluster, node)));
      }
    }

    /**
     * One worker per node, claiming leases of {@code leaseMs}: long enough that no lease runs out
     * on a starved machine where a scenario expects none to (cause (a) is not what it tests).
     */
    static Workers leasing(ClusterNodes cluster, long leaseMs) {
      return new Workers(cluster, leaseMs, allNodes(cluster));
    }

    private static int[] allNodes(ClusterNodes cluster) {
      return java.util.stream.IntStream.rangeClosed(1, cluster.size()).toArray();
    }

    private void work(ClusterNodes cluster, int node) {
      while (!stop.get()) {
        try {
          Http http = cluster.http(node);
          Http.Reply r =
              http.post(
                  QUEUE + "/claim",
                  "{\"worker\":\"w"
                      + node
                      + "\",\"max\":20,\"lease_ms\":"
                      + leaseMs
                      + ",\"wait_ms\":300}");
          if (r.status() != 200) {
            Thread.sleep(50);
            continue;
          }
          for (JsonNode t : r.body().get("tasks")) {
            String id = t.get("id").asText();
            claims.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            Http.Reply c =
                http.post(
                    "/v1/tasks/" + id + "/complete",
                    Http.json(
                        Map.of(
                            "token", t.at("/lease/token").asText(), "result", Map.of("by", node))));
            if (c.status() == 409
                && "already-finished".equals(c.at("/type").asText().replaceAll(".*/", ""))) {
              alreadyFinished.incrementAndGet();
            }
          }
        } catch (Exception e) {
          try {
            Thread.sleep(100); // the node is down or restarting
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }

    /** Each worker thread's state and where it is, for a failure's message. */
    String describe() {
      StringBuilder out = new StringBuilder();
      for (Thread t : threads) {
        out.append("worker thread ").append(t.getName()).append(' ').append(t.getState());
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(8, stack.length); i++) {
          out.append("\n    at ").append(stack[i]);
        }
        out.append('\n');
      }
      return out.toString();
    }

    Set<String> duplicates() {
      Set<String> d = new HashSet<>();
      claims.forEach(
          (id, n) -> {
            if (n.get() > 1) {
              d.add(id);
            }
          });
      return d;
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(5_000);
      }
    }
  }

  /** Enqueues {@code count} tasks on {@code node} in batches; returns the acknowledged ids. */
  static List<String> enqueue(ClusterNodes cluster, int node, int count, String tag)
      throws Exception {
    return enqueue(cluster, node, QUEUE, count, tag);
  }

  /** As {@link #enqueue(ClusterNodes, int, int, String)}, into {@code queue} (a path). */
  static List<String> enqueue(ClusterNodes cluster, int node, String queue, int count, String tag)
      throws Exception {
    List<String> ids = new ArrayList<>();
    Http http = cluster.http(node);
    for (int done = 0; done < count; done += 10) {
      List<Map<String, Object>> specs = new ArrayList<>();
      for (int i = done; i < Math.min(count, done + 10); i++) {
        specs.add(Map.of("name", tag + "-" + i));
      }
      Http.Reply r = http.post(queue + "/tasks", Http.json(Map.of("tasks", specs)));
      assertThat(r.status()).as("enqueue on node %d: %s", node, r.body()).isEqualTo(201);
      r.body().get("tasks").forEach(t -> ids.add(t.get("id").asText()));
    }
    return ids;
  }

  /** Every id is done on every node: replicated everywhere and finished. */
  static void awaitDoneEverywhere(ClusterNodes cluster, List<String> ids, Duration within) {
    Awaitility.await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              for (int node = 1; node <= cluster.size(); node++) {
                assertThat(doneOn(cluster, node))
                    .as("tasks done on node %d", node)
                    .containsAll(ids);
              }
            });
  }

  /**
   * Waits until every id is done on {@code node}; when it is not in time, prints where the missing
   * tasks stand on each of {@code ask} (nodes that answer: a paused node would not), what those
   * nodes say of the cluster, and where the workers are, before failing.
   */
  static void awaitDoneOn(
      ClusterNodes cluster,
      Workers workers,
      int node,
      List<String> ids,
      Duration within,
      int... ask)
      throws Exception {
    try {
      Awaitility.await()
          .atMost(within)
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> assertThat(doneOn(cluster, node)).containsAll(ids));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      Set<String> missing = new java.util.TreeSet<>(ids);
      missing.removeAll(doneOn(cluster, node));
      StringBuilder why = new StringBuilder();
      why.append(missing.size())
          .append(" of ")
          .append(ids.size())
          .append(" tasks not done on node ")
          .append(node)
          .append(" after ")
          .append(within)
          .append('\n');
      int shown = 0;
      for (String id : missing) {
        if (shown++ == 20) {
          why.append("...\n");
          break;
        }
        why.append(id);
        for (int n : ask) {
          JsonNode t = cluster.http(n).get("/v1/tasks/" + id).body();
          why.append("\n  on node ")
              .append(n)
              .append(": ")
              .append(t.path("state").asText())
              .append(" attempts=")
              .append(t.path("attempts").asText())
              .append(" version=")
              .append(t.path("version").asText())
              .append(" lease=")
              .append(t.path("lease"));
        }
        why.append('\n');
      }
      for (int n : ask) {
        why.append("node ")
            .append(n)
            .append(" at ")
            .append(java.time.Instant.now())
            .append(": ")
            .append(cluster.http(n).get("/v1/cluster").body())
            .append('\n');
      }
      why.append(workers.describe());
      System.out.println(why);
      throw new AssertionError(why.toString(), e);
    }
  }

  /** The ids of the tasks done on {@code node}. */
  static Set<String> doneOn(ClusterNodes cluster, int node) throws Exception {
    return tasksOn(cluster, node, QUEUE, "state=done&").keySet();
  }

  /**
   * Every task of {@code queue} on {@code node} by id, in id order, as the node lists them; {@code
   * filter} is empty or a query such as {@code "state=done&"}.
   */
  static Map<String, JsonNode> tasksOn(ClusterNodes cluster, int node, String queue, String filter)
      throws Exception {
    Map<String, JsonNode> tasks = new java.util.LinkedHashMap<>();
    Http http = cluster.http(node);
    String cursor = null;
    do {
      Http.Reply r =
          http.get(
              queue
                  + "/tasks?"
                  + filter
                  + "limit=1000"
                  + (cursor == null ? "" : "&cursor=" + cursor));
      r.body().get("tasks").forEach(t -> tasks.put(t.get("id").asText(), t));
      JsonNode next = r.body().get("next_cursor");
      cursor = next == null || next.isNull() ? null : next.asText();
    } while (cursor != null);
    return tasks;
  }

  /**
   * The duplicates the nodes counted ({@code /v1/cluster} {@code duplicates}), summed over the
   * nodes and the causes; prints each node's, with its forwarded claims.
   */
  static long countedDuplicates(ClusterNodes cluster, String scenario) throws Exception {
    long counted = 0;
    for (int node = 1; node <= cluster.size(); node++) {
      JsonNode status = cluster.http(node).get("/v1/cluster").body();
      System.out.printf(
          "%s: node %d counted duplicates %s, forwarded claims %s%n",
          scenario, node, status.get("duplicates"), status.get("forwarded_claims"));
      for (JsonNode n : status.get("duplicates")) {
        counted += n.asLong();
      }
    }
    return counted;
  }

  /** Every node's vector, as its /v1/cluster shows it. */
  static Map<Integer, JsonNode> vectors(ClusterNodes cluster) throws Exception {
    Map<Integer, JsonNode> v = new HashMap<>();
    for (int node = 1; node <= cluster.size(); node++) {
      v.put(node, cluster.http(node).get("/v1/cluster").body().get("vector"));
    }
    return v;
  }

  static void awaitEqualVectors(ClusterNodes cluster) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> new HashSet<>(vectors(cluster).values()).size() == 1);
  }

  @Test
  void c1_healthy_cluster_runs_every_task_once_and_every_node_sees_it_done() throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll();
        Workers workers = new Workers(cluster)) {
      List<String> ids = new ArrayList<>();
      for (int round = 0; round < 10; round++) {
        for (int node = 1; node <= 3; node++) {
          ids.addAll(enqueue(cluster, node, 20, "c1-" + node + "-" + round));
        }
      }
      awaitDoneEverywhere(cluster, ids, Duration.ofSeconds(60));
      assertThat(workers.claims.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(workers.duplicates()).as("tasks handed out twice in a healthy cluster").isEmpty();
      awaitEqualVectors(cluster);

      JsonNode status = cluster.http(1).get("/v1/cluster").body();
      assertThat(status.get("node").asInt()).isEqualTo(1);
      assertThat(status.get("steals")).isEmpty();
      for (JsonNode peer : status.get("peers")) {
        assertThat(peer.get("reachable").asBoolean())
            .as("peer %s reachable", peer.get("node"))
            .isTrue();
        assertThat(peer.get("lag_events").asLong()).isZero();
      }
    }
  }

  @Test
  void c5_a_node_killed_and_restarted_catches_up_and_its_acknowledged_tasks_are_everywhere()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      List<String> beforeKill = enqueue(cluster, 1, 50, "c5-before");
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  cluster.http(2).get(QUEUE).at("/counts/pending").asInt() == 50
                      && cluster.http(3).get(QUEUE).at("/counts/pending").asInt() == 50);
      cluster.node(1).kill();

      // While node 1 is down the others go on, and after steal_delay node 2 hands out node 1's
      // tasks.
      List<String> whileDown = enqueue(cluster, 2, 30, "c5-down");
      try (Workers workers = new Workers(cluster)) {
        List<String> all = new ArrayList<>(beforeKill);
        all.addAll(whileDown);
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .untilAsserted(
                () -> {
                  assertThat(doneOn(cluster, 2)).containsAll(all);
                  assertThat(doneOn(cluster, 3)).containsAll(all);
                });
        JsonNode status = cluster.http(3).get("/v1/cluster").body();
        assertThat(status.at("/peers/0/node").asInt()).isEqualTo(1);
        assertThat(status.at("/peers/0/reachable").asBoolean()).isFalse();

        cluster.start(1);
        List<String> afterRestart = enqueue(cluster, 1, 20, "c5-after");
        all.addAll(afterRestart);
        awaitDoneEverywhere(cluster, all, Duration.ofSeconds(30));
        assertThat(workers.claims.keySet()).containsAll(all);
      }
      awaitEqualVectors(cluster);
      assertThat(vectors(cluster).get(1).get("1").asLong())
          .as("node 1's log went on after its last event")
          .isGreaterThanOrEqualTo(50 + 20);
    }
  }

  @Test
  void c2_c3_a_partition_under_load_both_sides_go_on_and_after_the_heal_nothing_is_lost()
      throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll();
        Workers workers = new Workers(cluster)) {
      List<String> beforeCut = new ArrayList<>();
      for (int node = 1; node <= 3; node++) {
        beforeCut.addAll(enqueue(cluster, node, 30, "c2-before-" + node));
      }
      cluster.isolate(1);
      List<String> lonely = enqueue(cluster, 1, 30, "c2-cut-1");
      List<String> majority = new ArrayList<>(enqueue(cluster, 2, 30, "c2-cut-2"));
      majority.addAll(enqueue(cluster, 3, 30, "c2-cut-3"));
      // Past steal_delay each side dispatches the other side's tasks: 2 steals 1's, 1 steals 2's
      // and 3's.
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                assertThat(cluster.http(2).get("/v1/cluster").body().get("steals").toString())
                    .isEqualTo("[1]");
                assertThat(cluster.http(1).get("/v1/cluster").body().get("steals").toString())
                    .isEqualTo("[2,3]");
              });
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () -> {
                assertThat(doneOn(cluster, 1))
                    .as("the lone side completes its own tasks")
                    .containsAll(lonely);
                assertThat(doneOn(cluster, 2))
                    .as("the majority completes its tasks")
                    .containsAll(majority);
              });
      assertThat(doneOn(cluster, 2))
          .as("nothing crosses the cut")
          .doesNotContainAnyElementsOf(lonely);

      cluster.healAll();
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                for (int node = 1; node <= 3; node++) {
                  assertThat(cluster.http(node).get("/v1/cluster").body().get("steals"))
                      .as("steals of node %d", node)
                      .isEmpty();
                }
              });
      List<String> afterHeal = new ArrayList<>();
      for (int node = 1; node <= 3; node++) {
        afterHeal.addAll(enqueue(cluster, node, 30, "c3-after-" + node));
      }
      List<String> all = new ArrayList<>(beforeCut);
      all.addAll(lonely);
      all.addAll(majority);
      all.addAll(afterHeal);
      awaitRunToTheEnd(cluster, workers, all, "C2/C3");
      assertThat(workers.duplicates())
          .as("only tasks pending or working when the link was cut run twice (b)")
          .isSubsetOf(new HashSet<>(beforeCut));
    }
  }

  /**
   * Every task of {@code all} done once on every node, with equal vectors, each handed out at least
   * once; prints how many were handed out twice.
   */
  static void awaitRunToTheEnd(
      ClusterNodes cluster, Workers workers, List<String> all, String scenario) throws Exception {
    awaitDoneEverywhere(cluster, all, Duration.ofSeconds(60));
    awaitEqualVectors(cluster);
    assertThat(workers.claims.keySet()).containsAll(all);
    System.out.printf(
        "%s: %d tasks, %d handed out twice, %d completions answered already-finished%n",
        scenario, all.size(), workers.duplicates().size(), workers.alreadyFinished.get());
    for (int node = 1; node <= cluster.size(); node++) {
      assertThat(cluster.http(node).get(QUEUE).at("/counts/done").asInt())
          .as("done on node %d", node)
          .isEqualTo(all.size());
    }
  }

  @Test
  void
      c7_a_node_restarted_on_an_empty_data_directory_refuses_to_serve_and_rejoin_brings_its_log_back()
          throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(root, 3).startAll()) {
      List<String> ids = enqueue(cluster, 1, 40, "c7");
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> cluster.http(2).get(QUEUE).at("/counts/pending").asInt() == 40);
      cluster.node(1).kill();
      cluster.wipe(1);

      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> cluster.start(1)))
          .as("a node whose data directory the cluster knows to be lost does not serve")
          .hasMessageContaining("refusing to serve");

      cluster.start(1, "--rejoin");
      Http one = cluster.http(1);
      assertThat(one.get(QUEUE).at("/counts/pending").asInt())
          .as("its tasks are back before it serves")
          .isEqualTo(40);
      String next = enqueue(cluster, 1, 1, "c7-next").get(0);
      awaitEqualVectors(cluster);
      assertThat(vectors(cluster).get(2).get("1").asLong())
          .as("numbering went on after the held events")
          .isEqualTo(41);
      try (Workers workers = new Workers(cluster)) {
        List<String> all = new ArrayList<>(ids);
        all.add(next);
        awaitDoneEverywhere(cluster, all, Duration.ofSeconds(30));
        assertThat(workers.duplicates()).isEmpty();
      }
    }
  }
}
