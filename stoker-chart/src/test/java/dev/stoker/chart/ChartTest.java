package dev.stoker.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartTest {
  @TempDir Path dir;

  @Test
  void writes_a_png_with_bars_in_the_series_colour_and_a_shaded_band() throws Exception {
    double[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    double[] y = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    double[] top = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
    Path png = dir.resolve("t.png");
    new Chart("t", "s", "n")
        .band(6, 8, "pause", Chart.RED)
        .bars("done/s", x, y, Chart.BLUE)
        .line("other", x, top, Chart.GREEN)
        .writePng(png, 800, 400);

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(800);
    assertThat(image.getHeight()).isEqualTo(400);
    // The plot spans x 70..780; x = 1.5 is inside a bar, low in the plot.
    int barX = 70 + (int) (1.5 / 10 * 710);
    assertThat(image.getRGB(barX, 300) & 0xffffff).isEqualTo(Chart.BLUE.getRGB() & 0xffffff);
    // Above the bars, inside the band, the background is tinted red, not white.
    int bandX = 70 + (int) (7.0 / 10 * 710);
    int tinted = image.getRGB(bandX, 50) & 0xffffff;
    assertThat(tinted).isNotEqualTo(0xffffff);
    assertThat((tinted >> 16) & 0xff).isGreaterThan(tinted & 0xff);
    assertThat(image.getRGB(70 + (int) (3.5 / 10 * 710), 50) & 0xffffff).isEqualTo(0xffffff);
    assertThat(Files.size(png)).isPositive();
  }

  @Test
  void an_empty_chart_still_renders() {
    assertThat(new Chart("empty", "x", "y").render(300, 200).getWidth()).isEqualTo(300);
  }

  @Test
  void refuses_series_of_unequal_length() {
    assertThatThrownBy(
            () ->
                new Chart("t", "x", "y")
                    .bars("b", new double[] {1, 2}, new double[] {1}, Chart.BLUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void steps_are_one_two_or_five_times_a_power_of_ten() {
    assertThat(Chart.niceStep(0.7)).isEqualTo(1);
    assertThat(Chart.niceStep(13)).isEqualTo(20);
    assertThat(Chart.niceStep(42)).isEqualTo(50);
    assertThat(Chart.niceStep(51)).isEqualTo(100);
  }

  @Test
  void grouped_bars_of_an_explicit_width_on_a_log_axis_with_named_ticks() throws Exception {
    // Two groups (x 0 and 1), two bars each, 0.4 wide: values 10 and 1000 on a log axis from 10 to
    // 1000.
    BufferedImage image =
        new Chart("g", "phase", "n")
            .logY()
            .valueLabels()
            .bars("a", new double[] {-0.4, 0.6}, new double[] {10, 1000}, Chart.BLUE, 0.4)
            .bars("b", new double[] {0, 1}, new double[] {1000, 10}, Chart.ORANGE, 0.4)
            .xTicks(new double[] {0, 1}, new String[] {"enqueue", "drain"})
            .render(800, 400);
    // The plot spans x 70..780 for data -0.4..1.4, y 40..325 (bottom margin 75).
    double perUnit = 710 / 1.8;
    int aSecond = 70 + (int) ((0.8 + 0.4) * perUnit); // inside a's second bar (1000: full height)
    int bSecond =
        70 + (int) ((1.2 + 0.4) * perUnit); // inside b's second bar (10: the axis's bottom)
    assertThat(image.getRGB(aSecond, 60) & 0xffffff).isEqualTo(Chart.BLUE.getRGB() & 0xffffff);
    assertThat(image.getRGB(bSecond, 60) & 0xffffff).isNotEqualTo(Chart.ORANGE.getRGB() & 0xffffff);
  }

  @Test
  void a_legend_too_long_for_one_row_wraps() {
    Chart c = new Chart("many", "x", "y");
    for (int i = 0; i < 12; i++) {
      c.bars("a rather long system name " + i, new double[] {i}, new double[] {1}, Chart.GREY, 0.5);
    }
    assertThat(c.render(600, 400).getHeight()).isEqualTo(400);
  }

  @Test
  void values_are_written_compactly() {
    assertThat(Chart.compact(12_345)).isEqualTo("12.3k");
    assertThat(Chart.compact(2_500_000)).isEqualTo("2.50M");
    assertThat(Chart.compact(4_321)).isEqualTo("4321");
    assertThat(Chart.compact(0.0834)).isEqualTo("0.083");
  }
}
