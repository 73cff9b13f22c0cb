package dev.stoker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The charts of a report: one PNG per kind of figure the run has, readable, of the documented size.
 */
class ChartsTest {
  @TempDir Path dir;

  private static Report report() {
    Report r =
        new Report(
            new BenchConfig(
                "http://127.0.0.1:1",
                1_000,
                4,
                200,
                Set.of("w1"),
                10,
                Duration.ofMillis(5),
                List.of()));
    for (String system : List.of("beanstalkd -f0", "postgres skip-locked", Bench.TARGET)) {
      for (String phase : List.of("enqueue", "drain", "end-to-end")) {
        r.add(new Report.Phase(system, "w1", phase, 1_000, system.length() / 10.0));
      }
      r.latency(new Report.Latency(system, 10, 200, 0.1 * system.length(), 1, 2.5, 3));
    }
    r.add(new Report.Phase(Bench.TARGET, "w2", "enqueue", 1_000, 0.01));
    return r;
  }

  @Test
  void writes_a_png_per_workload_latency_and_depth_when_measured() throws Exception {
    Report r = report();
    r.depth(List.of(level(10_000, 30_000, 4_000), level(1_000_000, 29_000, 3_900)));

    List<Path> files = Charts.write(r, dir.resolve("charts"));

    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .containsExactly("throughput-w1.png", "throughput-w2.png", "latency.png", "depth.png");
    for (Path png : files) {
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image).as("%s is a PNG", png).isNotNull();
      assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
      assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
    }
  }

  @Test
  void a_report_without_depth_or_latency_gets_only_its_throughput_charts() throws Exception {
    Report r =
        new Report(
            new BenchConfig(
                "http://127.0.0.1:1",
                1_000,
                4,
                200,
                Set.of("w1"),
                10,
                Duration.ofMillis(5),
                List.of()));
    r.add(new Report.Phase(Bench.TARGET, "w1", "drain", 1_000, 0.5));
    assertThat(Charts.write(r, dir))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("throughput-w1.png");
  }

  @Test
  void depths_are_labelled_in_thousands_and_millions() {
    assertThat(
            java.util.stream.LongStream.of(10_000, 1_000_000, 2_500_000, 999)
                .mapToObj(Charts::depthLabel))
        .containsExactly("10 k", "1 M", "2.5 M", "999");
  }

  @Test
  void the_depth_table_states_each_target_at_the_deepest_level() {
    List<Depth.Level> levels =
        List.of(level(10_000, 30_000, 4_000), level(10_000_000, 20_000, 3_900));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Depth.print(
        levels, null, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    String table = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    // 20,000/s is 67 % of 30,000/s: that target is missed; the others are met.
    assertThat(table)
        .contains("enqueue 67 % and claim 98 % of the 10000 case (≥ 90 %: MISSED)")
        .contains("RSS 300 MiB (≤ 1024: met)")
        .contains("disk 1.50 × payload (≤ 2: met)");
    assertThat(Depth.json(levels))
        .startsWith("[{\"pending\":10000,")
        .contains("\"rss_bytes\":314572800");
  }

  private static Depth.Level level(long depth, double enqueue, double claim) {
    return new Depth.Level(
        depth,
        depth,
        depth / 10,
        enqueue,
        claim,
        300L << 20,
        400L << 20,
        3 * depth * 100,
        2 * depth * 100,
        2.5,
        2.7,
        1);
  }
}
