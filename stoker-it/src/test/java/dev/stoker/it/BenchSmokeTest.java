package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.bench.Bench;
import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Report;
import dev.stoker.testkit.PgTemp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seconds-long run of {@code stoker bench} against a real server, with a real beanstalkd as the
 * peer: every phase runs to the end and the server's counts add up (the load generator checks them
 * after each phase). Timings are printed, never asserted.
 */
class BenchSmokeTest {
  @TempDir Path data;

  /**
   * A real beanstalkd on a free loopback port, syncing every write, with its binlog in {@code dir}.
   */
  static Process beanstalkd(Path dir, int port) throws Exception {
    Process p =
        new ProcessBuilder(
                "beanstalkd",
                "-l",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-b",
                dir.toString(),
                "-f",
                "0")
            .redirectErrorStream(true)
            .start();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () -> {
              try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
              }
            });
    return p;
  }

  static int freePort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void a_short_bench_run_completes_every_phase_and_the_counts_add_up(@TempDir Path binlog)
      throws Exception {
    int port = freePort();
    Process peer = beanstalkd(binlog, port);
    try (StokerProcess server = StokerProcess.start(data)) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      BenchConfig config =
          new BenchConfig(
              server.url(),
              1_500,
              4,
              200,
              Set.of("w1", "w2", "latency", "references"),
              30,
              Duration.ofMillis(5),
              List.of("beanstalkd=127.0.0.1:" + port));
      Report report = Bench.run(config, new PrintStream(log, true, StandardCharsets.UTF_8));
      report.print(System.out);

      assertThat(report.phases())
          .extracting(p -> p.target() + " " + p.workload() + " " + p.phase())
          .containsExactly(
              "beanstalkd -f0 w1 enqueue",
              "beanstalkd -f0 w1 drain",
              "beanstalkd -f0 w1 end-to-end",
              "stoker w1 enqueue",
              "stoker w1 drain",
              "stoker w1 end-to-end",
              "stoker w2 enqueue",
              "stoker w2 drain",
              "stoker w2 end-to-end");
      assertThat(report.phases()).allSatisfy(p -> assertThat(p.tasks()).isEqualTo(1_500));
      assertThat(report.latencies())
          .extracting(Report.Latency::target)
          .containsExactly("beanstalkd -f0", "stoker");
      assertThat(report.latencies()).allSatisfy(l -> assertThat(l.tasks()).isEqualTo(30));
      assertThat(report.baseline()).as("the same-run references ran").isNotNull();
      assertThat(report.baseline().machine().helloPerSecond()).isPositive();
      assertThat(report.baseline().machine().fsyncSinglePerSecond()).isPositive();
      assertThat(report.baseline().machine().fsyncGroupedPerSecond()).isPositive();
      assertThat(report.baseline().claimsPerSecond()).isPositive();

      JsonNode json = Http.JSON.readTree(report.json());
      assertThat(json.get("phases")).hasSize(9);
      JsonNode queues = new Http(server.url()).get("/v1/queues").body().get("queues");
      long done = 0;
      for (JsonNode q : queues) {
        if (q.get("name").asText().endsWith("-claims")) {
          continue; // the claims reference only claims: its tasks stay working on purpose
        }
        done += q.at("/counts/done").asLong();
        assertThat(q.at("/counts/working").asLong())
            .as("nothing left working in %s", q.get("name"))
            .isZero();
      }
      assertThat(done)
          .as("every task the phases completed, and the latency run's")
          .isEqualTo(4 * 1_500 + 30);
      assertThat(json.get("references").get("claims_to_hello").asDouble()).isPositive();

      List<Path> charts = dev.stoker.bench.Charts.write(report, binlog.resolve("charts"));
      assertThat(charts)
          .extracting(p -> p.getFileName().toString())
          .containsExactly("throughput-w1.png", "throughput-w2.png", "latency.png");
      for (Path png : charts) {
        assertThat(javax.imageio.ImageIO.read(png.toFile()))
            .as("%s is a readable PNG", png)
            .isNotNull();
      }
    } finally {
      peer.destroy();
      peer.waitFor();
    }
  }

  /**
   * Stoker on PostgreSQL as rows of the run: one server, then two over one schema, beside the plain
   * SKIP LOCKED loop on the same database. Each of them runs every phase with the counts checked,
   * and the report compares them with the loop and two servers with one.
   */
  @Test
  void stoker_on_postgres_runs_beside_the_skip_locked_loop_on_one_and_two_servers()
      throws Exception {
    String pg = PgTemp.shared().url();
    try (StokerProcess server = StokerProcess.start(data);
        PgFleet fleet = new PgFleet(pg, PgTemp.freshSchema(), 2)) {
      String one = fleet.servers.get(0).url();
      String two = one + "," + fleet.servers.get(1).url();
      BenchConfig config =
          new BenchConfig(
              server.url(),
              1_000,
              4,
              200,
              Set.of("w1", "w2", "latency"),
              20,
              Duration.ofMillis(5),
              List.of("postgres=" + pg, "stoker-postgres=" + one, "stoker-postgres=" + two));
      Report report =
          Bench.run(
              config, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      report.print(System.out);

      assertThat(report.failures()).isEmpty();
      List<String> systems =
          List.of("postgres skip-locked", "stoker/postgres ×1", "stoker/postgres ×2", "stoker");
      assertThat(report.systems())
          .extracting(Report.SystemInfo::system)
          .containsExactlyElementsOf(systems);
      assertThat(report.systems())
          .extracting(s -> s.backend() + "/" + s.servers())
          .containsExactly("null/1", "postgres/1", "postgres/2", "under test/1");
      for (String system : systems) {
        assertThat(report.phases())
            .filteredOn(p -> p.target().equals(system))
            .extracting(p -> p.workload() + " " + p.phase())
            .as(system)
            .containsExactly(
                "w1 enqueue",
                "w1 drain",
                "w1 end-to-end",
                "w2 enqueue",
                "w2 drain",
                "w2 end-to-end");
        assertThat(report.latencies())
            .filteredOn(l -> l.target().equals(system))
            .singleElement()
            .satisfies(l -> assertThat(l.tasks()).isEqualTo(20));
      }
      JsonNode json = Http.JSON.readTree(report.json());
      assertThat(json.get("comparisons"))
          .extracting(JsonNode::asText)
          .hasSize(4)
          .allSatisfy(line -> assertThat(line).contains("× postgres skip-locked's"))
          .filteredOn(line -> line.startsWith("stoker/postgres ×2"))
          .allSatisfy(line -> assertThat(line).contains("× stoker/postgres ×1's"));
    }
  }
}
