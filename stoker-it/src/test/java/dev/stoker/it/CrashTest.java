package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.testkit.PowerFs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 in the middle of a stream of enqueues: after a restart every acknowledged task is there
 * exactly once, and no batch is there in part. Then the same with the power cut as well: the data
 * on bin/powerfs, which drops what was not synced (or keeps a torn prefix of it), so that what
 * comes back is what the disk held, and RocksDB's recovery must drop a torn tail rather than serve
 * it.
 */
class CrashTest {
  private static final int PRODUCERS = 8;
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir Path dir;

  /** What happens to the disk when the server is killed. */
  interface Disk {
    void afterKill() throws Exception;
  }

  @Test
  void sigkill_mid_stream_loses_no_acknowledged_enqueue_and_leaves_no_partial_batch()
      throws Exception {
    crashMidStream(dir.resolve("data"), () -> {});
  }

  @Test
  void power_cut_mid_stream_loses_no_acknowledged_enqueue_and_leaves_no_partial_batch()
      throws Exception {
    try (PowerFs disk = PowerFs.mount(dir)) {
      crashMidStream(disk.path(), disk::cut);
      assertThat(disk.counters().get("dropped_bytes"))
          .as("the cut dropped unsynced writes")
          .isPositive();
    }
  }

  @Test
  void a_torn_wal_tail_after_a_power_cut_is_dropped_not_served() throws Exception {
    try (PowerFs disk = PowerFs.mount(dir)) {
      for (int i = 0; i < 3; i++) {
        crashMidStream(disk.path(), disk::tear);
      }
      assertThat(disk.counters().get("torn_files")).as("tails were torn").isPositive();
    }
  }

  /** One task as a producer sent it: producer, batch, index, batch size. */
  record Sent(int producer, int batch, int index, int size) {}

  /**
   * Enqueues from several producers, kills the server mid-stream, lets {@code disk} do what a power
   * cut would, restarts, and checks that every acknowledged task of this round is there once, that
   * every batch is whole, and that the counts match.
   */
  private void crashMidStream(Path data, Disk disk) throws Exception {
    String queue = "crash-" + RUNS.incrementAndGet();
    Map<String, Sent> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger acknowledgedBatches = new AtomicInteger();
    AtomicBoolean killed = new AtomicBoolean();
    CountDownLatch warm = new CountDownLatch(PRODUCERS);
    try (StokerProcess server = StokerProcess.start(data)) {
      Http http = new Http(server.url());
      ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
      for (int p = 0; p < PRODUCERS; p++) {
        int producer = p;
        pool.submit(
            () -> {
              boolean counted = false;
              for (int batch = 0; !killed.get() || batch < 3; batch++) {
                int size = batch % 4 == 0 ? 1 : ThreadLocalRandom.current().nextInt(2, 40);
                List<Map<String, Object>> specs = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                  specs.add(
                      Map.of(
                          "name",
                          "crash-" + producer,
                          "params",
                          Map.of(
                              "p",
                              producer,
                              "b",
                              batch,
                              "i",
                              i,
                              "n",
                              size,
                              "pad",
                              "x".repeat(100))));
                }
                String body =
                    size == 1 ? Http.json(specs.get(0)) : Http.json(Map.of("tasks", specs));
                try {
                  Http.Reply r = http.post("/v1/queues/" + queue + "/tasks", body);
                  if (r.status() != 201) {
                    return null;
                  }
                  JsonNode tasks = size == 1 ? r.body() : r.body().get("tasks");
                  for (int i = 0; i < size; i++) {
                    JsonNode t = size == 1 ? tasks : tasks.get(i);
                    acknowledged.put(t.get("id").asText(), new Sent(producer, batch, i, size));
                  }
                  acknowledgedBatches.incrementAndGet();
                } catch (Exception e) {
                  return null; // the server died under this request: its outcome is unknown
                } finally {
                  if (!counted && batch >= 5) {
                    counted = true;
                    warm.countDown();
                  }
                }
              }
              return null;
            });
      }
      assertThat(warm.await(60, TimeUnit.SECONDS)).as("producers got going").isTrue();
      server.kill();
      disk.afterKill();
      killed.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acknowledgedBatches.get())
        .as("batches acknowledged before the kill")
        .isGreaterThan(PRODUCERS * 5);

    try (StokerProcess restarted = StokerProcess.start(data)) {
      Http http = new Http(restarted.url());
      Map<String, Sent> present = new HashMap<>();
      Map<List<Integer>, Integer> perBatch = new HashMap<>();
      String cursor = null;
      do {
        Http.Reply page =
            http.get(
                "/v1/queues/"
                    + queue
                    + "/tasks?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + cursor));
        assertThat(page.status()).isEqualTo(200);
        for (JsonNode t : page.body().get("tasks")) {
          JsonNode p = t.get("params");
          Sent s =
              new Sent(
                  p.get("p").asInt(), p.get("b").asInt(), p.get("i").asInt(), p.get("n").asInt());
          assertThat(present.put(t.get("id").asText(), s))
              .as("listed once: %s", t.get("id"))
              .isNull();
          perBatch.merge(List.of(s.producer(), s.batch()), 1, Integer::sum);
        }
        cursor =
            page.body().get("next_cursor").isNull()
                ? null
                : page.body().get("next_cursor").asText();
      } while (cursor != null);

      assertThat(present)
          .as("every acknowledged task is present")
          .containsAllEntriesOf(acknowledged);
      assertThat(Set.copyOf(present.values())).as("no task stored twice").hasSize(present.size());
      for (Map.Entry<String, Sent> e : present.entrySet()) {
        Sent s = e.getValue();
        assertThat(perBatch.get(List.of(s.producer(), s.batch())))
            .as("batch %s of producer %s is whole", s.batch(), s.producer())
            .isEqualTo(s.size());
      }
      Http.Reply q = http.get("/v1/queues/" + queue);
      assertThat(q.at("/counts/pending").asLong())
          .as("counts match the tasks after recovery")
          .isEqualTo(present.size());
    }
  }
}
