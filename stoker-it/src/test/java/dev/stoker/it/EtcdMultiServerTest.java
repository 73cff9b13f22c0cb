package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.testkit.EtcdTemp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Real {@code stoker serve --store etcd} processes over one real 3-member etcd cluster, 16 workers
 * spread across them, every claim recorded: each task is completed, none is claimed twice in a
 * healthy run, a server SIGKILLed while its workers hold claims loses nothing, and a SIGKILLed etcd
 * leader (restarted later) only pauses the claims.
 */
class EtcdMultiServerTest {
  private static final int WORKERS = 16;

  @Test
  void two_servers_complete_every_task_through_the_other_and_claim_none_twice() throws Exception {
    int tasks = 3_000;
    try (PgFleet fleet = fleet(EtcdTemp.shared().endpoints(), 2)) {
      fleet.completeThroughNext = true;
      List<String> ids = fleet.enqueue("multi", tasks);
      assertThat(ids).hasSize(tasks).doesNotHaveDuplicates();

      PgFleet.await(fleet.startWorkers("multi", WORKERS, 120_000, tasks), Duration.ofMinutes(10));

      assertSameIds(fleet.done, ids, "completed");
      assertSameIds(fleet.claims.keySet(), ids, "claimed");
      assertThat(claimedMoreThanOnce(fleet)).as("tasks claimed more than once").isEmpty();
      assertThat(fleet.counts("multi"))
          .containsEntry("done", tasks)
          .containsEntry("pending", 0)
          .containsEntry("working", 0);
      // Both servers claimed from the head of one queue at once for thousands of tasks: some of
      // their claim transactions lost to the other's, and each loss is counted where it happened.
      double conflicts = 0;
      for (StokerProcess server : fleet.servers) {
        String metrics =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m =
            Pattern.compile("(?m)^stoker_etcd_claim_conflicts_total ([0-9.eE+]+)$")
                .matcher(metrics);
        assertThat(m.find()).as("the etcd store's contention counter on %s", server.url()).isTrue();
        conflicts += Double.parseDouble(m.group(1));
      }
      assertThat(conflicts).as("claim conflicts counted by the two servers").isPositive();
    }
  }

  @Test
  void a_server_killed_while_holding_claims_loses_nothing_and_the_other_recovers_its_tasks()
      throws Exception {
    int tasks = 2_000;
    // A short session: if the killed server was the sweeping one, the other takes over 2 s later.
    try (PgFleet fleet = fleet(EtcdTemp.shared().endpoints(), 2, "--etcd-session-ttl-s", "2")) {
      List<String> ids = fleet.enqueue("kill", tasks);
      List<Future<?>> workers = fleet.startWorkers("kill", WORKERS, 6_000, tasks);

      waitUntil(() -> fleet.done.size() >= tasks / 3);
      // Claims held through the server about to die, by a worker that dies with it.
      Http.Reply held =
          fleet
              .https
              .get(1)
              .post(
                  "/v1/queues/kill/claim",
                  "{\"worker\":\"doomed\",\"max\":8,\"lease_ms\":6000,\"wait_ms\":5000}");
      assertThat(held.status()).isEqualTo(200);
      List<String> heldIds = new java.util.ArrayList<>();
      held.at("/tasks").forEach(t -> heldIds.add(t.get("id").asText()));
      assertThat(heldIds).as("claims held through the server about to be killed").isNotEmpty();
      fleet.kill(1);

      PgFleet.await(workers, Duration.ofMinutes(10));
      assertSameIds(fleet.done, ids, "completed");
      assertThat(fleet.done)
          .as("the killed server's claims, recovered by the other")
          .containsAll(heldIds);
      // Only what the killed server's workers held (or a claim whose reply it never sent) runs
      // twice.
      assertThat(
              claimedMoreThanOnce(fleet).stream()
                  .filter(id -> !fleet.abandoned.contains(id))
                  .toList())
          .as("tasks claimed twice though no worker dropped them")
          .isEmpty();
      assertThat(fleet.counts("kill")).containsEntry("done", tasks).containsEntry("working", 0);
    }
  }

  @Test
  void the_etcd_leader_killed_under_load_and_restarted_pauses_claims_and_loses_nothing()
      throws Exception {
    int tasks = 3_000;
    try (EtcdTemp etcd = EtcdTemp.start(3);
        PgFleet fleet = fleet(etcd.endpoints(), 2)) {
      List<String> ids = fleet.enqueue("failover", tasks);
      // A claim whose answer etcd lost in the election is held by nobody until its lease runs out.
      List<Future<?>> workers = fleet.startWorkers("failover", WORKERS, 30_000, tasks);

      waitUntil(() -> fleet.done.size() >= tasks / 4);
      int leader = etcd.leader();
      etcd.kill(leader);
      int before = fleet.done.size();
      waitUntil(() -> fleet.done.size() >= before + tasks / 4); // claims go on with two members
      etcd.restart(leader);
      etcd.waitHealthy();

      PgFleet.await(workers, Duration.ofMinutes(10));
      assertSameIds(fleet.done, ids, "completed");
      // Workers complete at once, well within 30 s: a task claimed twice was held by two workers at
      // once.
      assertThat(claimedMoreThanOnce(fleet)).as("tasks held by two workers at once").isEmpty();
      assertThat(fleet.counts("failover"))
          .containsEntry("done", tasks)
          .containsEntry("pending", 0)
          .containsEntry("working", 0);
    }
  }

  private static PgFleet fleet(String endpoints, int servers, String... extraArgs)
      throws Exception {
    String prefix = EtcdTemp.freshPrefix();
    return new PgFleet(
        PgFleet.startAll(servers, () -> StokerProcess.startOnEtcd(endpoints, prefix, extraArgs)));
  }

  private static List<String> claimedMoreThanOnce(PgFleet fleet) {
    return fleet.claims.entrySet().stream()
        .filter(e -> e.getValue().get() != 1)
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The ids seen are exactly the ids enqueued. */
  private static void assertSameIds(Collection<String> seen, List<String> enqueued, String what) {
    Set<String> expected = new HashSet<>(enqueued);
    Set<String> actual = new HashSet<>(seen);
    assertThat(actual.size()).as("%s tasks", what).isEqualTo(expected.size());
    assertThat(expected.stream().filter(id -> !actual.contains(id)).limit(20).toList())
        .as("enqueued but not %s", what)
        .isEmpty();
  }

  private static void waitUntil(Callable<Boolean> condition) {
    Awaitility.await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(20))
        .until(condition);
  }
}
