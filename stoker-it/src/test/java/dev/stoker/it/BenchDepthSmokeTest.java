package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.bench.Bench;
import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Charts;
import dev.stoker.bench.Depth;
import dev.stoker.bench.Report;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The depth workload at tiny depths, on the real {@code stoker serve} process it starts, kills and
 * restarts itself: every depth is reached and its counts add up (the workload checks them), and
 * memory, disk and restart are measured; the depth chart is a readable PNG. No timing is asserted.
 */
class BenchDepthSmokeTest {
  @Test
  void the_depth_workload_measures_every_depth_and_draws_its_chart(@TempDir Path charts)
      throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    BenchConfig config =
        new BenchConfig(
            "http://127.0.0.1:1",
            1_000,
            4,
            200,
            Set.of("depth"),
            10,
            Duration.ofMillis(5),
            List.of(),
            List.of(1_000L, 5_000L),
            Duration.ofMillis(200));
    Report report = Bench.run(config, new PrintStream(log, true, StandardCharsets.UTF_8));
    report.print(System.out);

    assertThat(report.failures()).isEmpty();
    assertThat(report.depth()).extracting(Depth.Level::depth).containsExactly(1_000L, 5_000L);
    for (Depth.Level l : report.depth()) {
      assertThat(l.tasksHeld())
          .as("pending, and the done tasks of the measuring rounds")
          .isGreaterThan(l.depth());
      assertThat(l.payloadBytes())
          .as("name (5 bytes) and params (200) per task")
          .isEqualTo(l.tasksHeld() * 205);
      assertThat(l.enqueuePerSecond()).isPositive();
      assertThat(l.claimPerSecond()).isPositive();
      assertThat(l.rssBytes()).isPositive();
      assertThat(l.peakRssBytes()).isGreaterThanOrEqualTo(l.rssBytes());
      assertThat(l.diskBytes()).isPositive();
      assertThat(l.readySeconds()).as("restart measured").isPositive();
      assertThat(l.firstClaimSeconds()).isGreaterThanOrEqualTo(l.readySeconds());
    }
    JsonNode depth = Http.JSON.readTree(report.json()).get("depth");
    assertThat(depth).hasSize(2);
    assertThat(depth.get(1).get("pending").asLong()).isEqualTo(5_000);
    assertThat(depth.get(1).get("restart_to_ready_seconds").asDouble()).isPositive();

    List<Path> written = Charts.write(report, charts);
    assertThat(written).extracting(p -> p.getFileName().toString()).containsExactly("depth.png");
    BufferedImage png = ImageIO.read(written.get(0).toFile());
    assertThat(png).isNotNull();
    assertThat(png.getWidth()).isGreaterThanOrEqualTo(800);
    assertThat(png.getHeight()).isGreaterThanOrEqualTo(400);
  }

  @Test
  void the_cli_refuses_depths_that_are_not_ascending(@TempDir Path dir) throws Exception {
    Cli.Run run =
        Cli.run(
            dir,
            java.util.Map.of(),
            List.of("bench", "--workloads", "depth", "--depths", "5000,1000"),
            null);
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("depths must be positive and ascending");
  }
}
