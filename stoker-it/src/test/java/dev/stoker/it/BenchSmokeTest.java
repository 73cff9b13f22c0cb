package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.bench.Bench;
import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Report;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seconds-long run of {@code stoker bench} against a real server: every phase runs to the end and
 * the server's counts add up (the load generator checks them after each phase). Timings are
 * printed, never asserted.
 */
class BenchSmokeTest {
  @TempDir
  Path data;

  @Test
  void a_short_bench_run_completes_every_phase_and_the_counts_add_up() throws Exception {
    try (StokerProcess server = StokerProcess.start(data)) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      BenchConfig config = new BenchConfig(server.url(), 1_500, 4, 200, Set.of("w1", "w2", "latency", "references"), 30,
          Duration.ofMillis(5), null);
      Report report = Bench.run(config, new PrintStream(log, true, StandardCharsets.UTF_8));
      report.print(System.out);

      assertThat(report.phases()).extracting(p -> p.workload() + " " + p.phase()).containsExactly(
          "w1 enqueue", "w1 drain", "w1 end-to-end", "w2 enqueue", "w2 drain", "w2 end-to-end");
      assertThat(report.phases()).allSatisfy(p -> assertThat(p.tasks()).isEqualTo(1_500));
      assertThat(report.latency().tasks()).isEqualTo(30);
      assertThat(report.baseline()).as("the same-run references ran").isNotNull();
      assertThat(report.baseline().machine().helloPerSecond()).isPositive();
      assertThat(report.baseline().machine().fsyncSinglePerSecond()).isPositive();
      assertThat(report.baseline().machine().fsyncGroupedPerSecond()).isPositive();
      assertThat(report.baseline().claimsPerSecond()).isPositive();

      JsonNode json = Http.JSON.readTree(report.json());
      assertThat(json.get("phases")).hasSize(6);
      JsonNode queues = new Http(server.url()).get("/v1/queues").body().get("queues");
      long done = 0;
      for (JsonNode q : queues) {
        if (q.get("name").asText().endsWith("-claims")) {
          continue; // the claims reference only claims: its tasks stay working on purpose
        }
        done += q.at("/counts/done").asLong();
        assertThat(q.at("/counts/working").asLong()).as("nothing left working in %s", q.get("name")).isZero();
      }
      assertThat(done).as("every task the phases completed, and the latency run's").isEqualTo(4 * 1_500 + 30);
      assertThat(json.get("references").get("claims_to_hello").asDouble()).isPositive();
    }
  }
}
