package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Report;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A seconds-long run of each peer driver of {@code stoker bench} against the real peer process,
 * started by bench/peer-temp as bench/compare.sh starts it: every phase of W1, W2 (where the peer
 * has batches) and pickup latency runs to the end, and the counts add up (the drivers check, after
 * each phase, that every task was taken once and completed, and what the peer says is left). All
 * peers run in one bench run beside one Stoker server, as in bench/compare.sh. Timings are printed,
 * never asserted. RabbitMQ takes ~10 s to start; the others a second or two.
 */
class PeerSmokeTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  private static final int TASKS = 300;
  private static final int LATENCY_TASKS = 10;

  /**
   * The peers, each on the system bench/peer-temp starts for it (pg-boss on PostgreSQL, BullMQ on
   * Redis).
   */
  private static final Map<String, String> PEERS = new LinkedHashMap<>();

  static {
    PEERS.put("postgres", "postgres");
    PEERS.put("rabbitmq", "rabbitmq");
    PEERS.put("nats", "nats");
    PEERS.put("etcd", "etcd");
    PEERS.put("bullmq", "redis");
    PEERS.put("pgboss", "postgres");
  }

  @Test
  void every_peer_runs_every_phase_and_its_counts_add_up() throws Exception {
    Path dir = Files.createTempDirectory("stoker-peers-");
    // PostgreSQL and RabbitMQ's helpers run as their own users: they must reach the directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> started = new LinkedHashMap<>();
    try {
      List<String> specs = new ArrayList<>();
      for (Map.Entry<String, String> peer : PEERS.entrySet()) {
        String backing = peer.getValue();
        if (!started.containsKey(backing)) {
          String spec = peerTemp("start", backing, dir).strip();
          started.put(backing, spec.substring(spec.indexOf('=') + 1));
        }
        String address = started.get(backing);
        specs.add(
            peer.getKey()
                + "="
                + (peer.getKey().equals("pgboss") ? postgresUrl(address) : address));
      }
      BenchConfig config =
          new BenchConfig(
              server.url(),
              TASKS,
              4,
              200,
              Set.of("w1", "w2", "latency"),
              LATENCY_TASKS,
              Duration.ofMillis(5),
              specs);
      Report report = BenchRuns.run(config);

      assertThat(report.failures()).as("no peer's workload failed").isEmpty();
      assertThat(report.systems()).hasSize(PEERS.size() + 1);
      for (Report.SystemInfo info : report.systems()) {
        assertThat(info.durability()).as("%s states its durability", info.system()).isNotBlank();
        List<String> expected =
            info.noBatches() == null
                ? List.of(
                    "w1 enqueue",
                    "w1 drain",
                    "w1 end-to-end",
                    "w2 enqueue",
                    "w2 drain",
                    "w2 end-to-end")
                : List.of("w1 enqueue", "w1 drain", "w1 end-to-end");
        assertThat(report.phases())
            .filteredOn(p -> p.target().equals(info.system()))
            .extracting(p -> p.workload() + " " + p.phase())
            .as(info.system())
            .containsExactlyElementsOf(expected);
        assertThat(report.latencies())
            .filteredOn(l -> l.target().equals(info.system()))
            .singleElement()
            .satisfies(l -> assertThat(l.tasks()).isEqualTo(LATENCY_TASKS));
      }
      assertThat(report.phases()).allSatisfy(p -> assertThat(p.tasks()).isEqualTo(TASKS));
      assertThat(report.systems())
          .filteredOn(s -> !s.durable())
          .extracting(Report.SystemInfo::system)
          .as("only NATS 2.9 acknowledges before it syncs")
          .containsExactly("nats jetstream");
      assertThat(Http.JSON.readTree(report.json()).get("systems")).hasSize(PEERS.size() + 1);
    } finally {
      for (String backing : started.keySet()) {
        peerTemp("stop", backing, dir);
      }
      deleteTree(dir);
    }
  }

  /** postgres://USER@HOST:PORT/DB from bin/pg-temp's jdbc:postgresql://HOST:PORT/DB?user=USER. */
  static String postgresUrl(String jdbc) {
    String rest = jdbc.substring("jdbc:postgresql://".length());
    return "postgres://"
        + rest.substring(rest.indexOf("user=") + 5)
        + "@"
        + rest.substring(0, rest.indexOf('?'));
  }

  private static String peerTemp(String command, String kind, Path dir) throws Exception {
    Process p =
        new ProcessBuilder(
                repo().resolve("bench/peer-temp").toString(), command, kind, dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("bench/peer-temp %s %s", command, kind).isZero();
    return out;
  }

  private static Path repo() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isExecutable(d.resolve("bench/peer-temp"))) {
        return d;
      }
    }
    throw new IllegalStateException("no bench/peer-temp above " + Path.of("").toAbsolutePath());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
