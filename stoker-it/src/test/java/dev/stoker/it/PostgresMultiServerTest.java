package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.testkit.PgTemp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Several real {@code stoker serve --store postgres} processes over one database, 32 workers spread
 * across them, every claim recorded: each task is completed, and in a healthy run none is claimed
 * twice.
 */
class PostgresMultiServerTest {
  private static final int WORKERS = 32;

  @Test
  void two_servers_complete_every_task_and_claim_none_twice() throws Exception {
    healthyRun(2, 20_000);
  }

  @Test
  void three_servers_complete_every_task_and_claim_none_twice() throws Exception {
    healthyRun(3, 50_000);
  }

  private static void healthyRun(int servers, int tasks) throws Exception {
    try (PgFleet fleet = new PgFleet(PgTemp.shared().url(), PgTemp.freshSchema(), servers)) {
      List<String> ids = fleet.enqueue("multi", tasks);
      assertThat(ids).hasSize(tasks).doesNotHaveDuplicates();

      PgFleet.await(fleet.startWorkers("multi", WORKERS, 120_000, tasks), Duration.ofMinutes(10));

      assertSameIds(fleet.done, ids, "completed");
      assertSameIds(fleet.claims.keySet(), ids, "claimed");
      assertThat(
              fleet.claims.entrySet().stream()
                  .filter(e -> e.getValue().get() != 1)
                  .map(Map.Entry::getKey)
                  .toList())
          .as("tasks claimed more than once")
          .isEmpty();
      assertThat(fleet.counts("multi"))
          .containsEntry("done", tasks)
          .containsEntry("pending", 0)
          .containsEntry("working", 0);
    }
  }

  @Test
  void a_server_killed_mid_run_loses_nothing_and_its_tasks_are_taken_over_after_the_lease()
      throws Exception {
    int tasks = 10_000;
    try (PgFleet fleet = new PgFleet(PgTemp.shared().url(), PgTemp.freshSchema(), 3)) {
      List<String> ids = fleet.enqueue("kill", tasks);
      List<Future<?>> workers = fleet.startWorkers("kill", WORKERS, 4_000, tasks);

      waitUntil(() -> fleet.done.size() >= tasks / 3);
      fleet.kill(2);

      PgFleet.await(workers, Duration.ofMinutes(10));
      assertSameIds(fleet.done, ids, "completed");
      // Only what the killed server's workers held (or a claim whose reply it never sent) runs
      // twice.
      assertThat(
              fleet.claims.entrySet().stream()
                  .filter(e -> e.getValue().get() > 1)
                  .filter(e -> !fleet.abandoned.contains(e.getKey()))
                  .map(Map.Entry::getKey)
                  .toList())
          .as("tasks claimed twice though no worker dropped them")
          .isEmpty();
      assertThat(fleet.counts("kill")).containsEntry("done", tasks).containsEntry("working", 0);
    }
  }

  @Test
  void the_database_killed_and_restarted_mid_run_gives_503_then_servers_resume_and_nothing_is_lost()
      throws Exception {
    int tasks = 6_000;
    try (PgTemp pg = PgTemp.start();
        PgFleet fleet = new PgFleet(pg.url(), "stoker", 2)) {
      List<String> ids = new java.util.ArrayList<>(fleet.enqueue("outage", tasks / 2));
      List<Future<?>> workers = fleet.startWorkers("outage", WORKERS, 10_000, tasks);

      waitUntil(() -> fleet.done.size() >= tasks / 6);
      pg.kill();
      for (Http http : fleet.https) {
        assertThat(http.get("/v1/queues/outage").status())
            .as("while the database is down")
            .isEqualTo(503);
        assertThat(http.get("/healthz").status())
            .as("the server itself keeps running")
            .isEqualTo(200);
      }
      pg.restart();

      // Enqueues acknowledged after the restart join those from before; every one must be done.
      ids.addAll(fleet.enqueue("outage", tasks - ids.size()));
      PgFleet.await(workers, Duration.ofMinutes(10));

      assertThat(fleet.unavailableReplies.get()).isPositive();
      assertSameIds(fleet.done, ids, "completed");
      Map<String, Integer> counts = fleet.counts("outage");
      assertThat(counts)
          .containsEntry("done", tasks)
          .containsEntry("pending", 0)
          .containsEntry("working", 0);
    }
  }

  /** The ids seen are exactly the ids enqueued (by set difference: fast for 50,000 ids). */
  private static void assertSameIds(
      java.util.Collection<String> seen, List<String> enqueued, String what) {
    java.util.Set<String> expected = new java.util.HashSet<>(enqueued);
    java.util.Set<String> actual = new java.util.HashSet<>(seen);
    assertThat(actual.size()).as("%s tasks", what).isEqualTo(expected.size());
    assertThat(expected.stream().filter(id -> !actual.contains(id)).limit(20).toList())
        .as("enqueued but not %s", what)
        .isEmpty();
  }

  private static void waitUntil(java.util.concurrent.Callable<Boolean> condition) {
    Awaitility.await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(20))
        .until(condition);
  }
}
