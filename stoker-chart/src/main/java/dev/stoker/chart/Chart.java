package dev.stoker.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A small chart of values over one numeric axis — bars or lines, with shaded bands behind them
 * (e.g. the windows in which a fault was active) — drawn with plain Java2D and written as a PNG.
 * Needs no display: it draws into a {@link BufferedImage} in headless mode. For grouped bars over
 * categories (systems, phases), give bars an explicit width and offset, name the x positions with
 * {@link #xTicks}, and use {@link #logY} when the values span decades.
 *
 * <pre>{@code
 * new Chart("throughput", "seconds", "tasks/s")
 *     .band(12, 15.5, "kill", Chart.RED)
 *     .bars("completed/s", xs, ys, Chart.BLUE)
 *     .writePng(Path.of("timeline.png"), 1200, 500);
 * }</pre>
 */
public final class Chart {
  public static final Color BLUE = new Color(0x1f77b4);
  public static final Color ORANGE = new Color(0xff7f0e);
  public static final Color GREEN = new Color(0x2ca02c);
  public static final Color RED = new Color(0xd62728);
  public static final Color PURPLE = new Color(0x9467bd);
  public static final Color GREY = new Color(0x7f7f7f);

  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 75;
  private static final int LEGEND_ROW = 18;

  private enum Style {
    BARS,
    LINE,
    LINE_WITH_POINTS
  }

  /** A series; {@code width} is the bars' width, or NaN for the smallest step between x values. */
  private record Series(
      String label, Style style, double[] x, double[] y, Color color, double width) {}

  private record Band(double from, double to, String label, Color color) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private final List<Band> bands = new ArrayList<>();
  private double[] tickAt;
  private String[] tickLabels;
  private boolean logY;
  private double xFrom = Double.NaN;
  private double xTo = Double.NaN;
  private boolean valueLabels;

  public Chart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /**
   * Adds bars at {@code x[i]} of height {@code y[i]}, each as wide as the smallest step between x
   * values.
   */
  public Chart bars(String label, double[] x, double[] y, Color color) {
    return add(new Series(label, Style.BARS, x.clone(), y.clone(), color, Double.NaN));
  }

  /**
   * Adds bars from {@code x[i]} to {@code x[i] + width} of height {@code y[i]} (for grouped bars).
   */
  public Chart bars(String label, double[] x, double[] y, Color color, double width) {
    if (!(width > 0)) {
      throw new IllegalArgumentException("a bar's width must be positive");
    }
    return add(new Series(label, Style.BARS, x.clone(), y.clone(), color, width));
  }

  /** Adds a line through the points {@code (x[i], y[i])}. */
  public Chart line(String label, double[] x, double[] y, Color color) {
    return add(new Series(label, Style.LINE, x.clone(), y.clone(), color, Double.NaN));
  }

  /**
   * Adds a line through the points {@code (x[i], y[i])}, with each point marked (for a few points).
   */
  public Chart lineWithPoints(String label, double[] x, double[] y, Color color) {
    return add(new Series(label, Style.LINE_WITH_POINTS, x.clone(), y.clone(), color, Double.NaN));
  }

  /**
   * Labels the x axis with {@code labels[i]} at {@code at[i]} instead of numbers (categories, log
   * scales).
   */
  public Chart xTicks(double[] at, String[] labels) {
    if (at.length != labels.length) {
      throw new IllegalArgumentException("tick positions and labels differ in length");
    }
    tickAt = at.clone();
    tickLabels = labels.clone();
    return this;
  }

  /** Shows at least {@code [from, to]} on the x axis (room around the first and last points). */
  public Chart xRange(double from, double to) {
    xFrom = Math.min(from, to);
    xTo = Math.max(from, to);
    return this;
  }

  /** A logarithmic y axis, decade by decade (values of 0 or less sit on the axis). */
  public Chart logY() {
    logY = true;
    return this;
  }

  /** Writes each bar's value above it. */
  public Chart valueLabels() {
    valueLabels = true;
    return this;
  }

  /**
   * Shades {@code [from, to]} on the x axis behind the data; bands of one label share one legend
   * entry.
   */
  public Chart band(double from, double to, String label, Color color) {
    bands.add(new Band(Math.min(from, to), Math.max(from, to), label, color));
    return this;
  }

  private Chart add(Series s) {
    if (s.x.length != s.y.length) {
      throw new IllegalArgumentException("x and y of '" + s.label + "' differ in length");
    }
    series.add(s);
    return this;
  }

  /** Draws the chart into a new image of the given size. */
  public BufferedImage render(int width, int height) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      Frame f = frame(width, height, legendRows(g.getFontMetrics(), width));
      drawBands(g, f);
      drawAxes(g, f);
      for (Series s : series) {
        drawSeries(g, f, s);
      }
      drawLegend(g, f, height);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.setColor(Color.BLACK);
      g.drawString(title, LEFT, 24);
    } finally {
      g.dispose();
    }
    return image;
  }

  /** Draws the chart and writes it to {@code file} as a PNG. */
  public void writePng(Path file, int width, int height) throws IOException {
    if (!ImageIO.write(render(width, height), "png", file.toFile())) {
      throw new IOException("no PNG writer in this JDK");
    }
  }

  /**
   * The data range and the plot area, and the mapping between them; on a log axis {@code y0} is the
   * lowest decade shown (0 on a linear one).
   */
  private record Frame(
      double x0,
      double x1,
      double y0,
      double y1,
      boolean log,
      int left,
      int top,
      int width,
      int height) {
    double px(double x) {
      return left + (x - x0) / (x1 - x0) * width;
    }

    double py(double y) {
      if (log) {
        double v = Math.log10(Math.max(y, y0));
        return top + height - (v - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) * height;
      }
      return top + height - y / y1 * height;
    }
  }

  private Frame frame(int width, int height, int legendRows) {
    double x0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y1 = 0;
    double smallest = Double.POSITIVE_INFINITY;
    for (Series s : series) {
      double step = s.style == Style.BARS ? barWidth(s) : 0;
      for (int i = 0; i < s.x.length; i++) {
        x0 = Math.min(x0, s.x[i]);
        x1 = Math.max(x1, s.x[i] + step);
        y1 = Math.max(y1, s.y[i]);
        if (s.y[i] > 0) {
          smallest = Math.min(smallest, s.y[i]);
        }
      }
    }
    if (tickAt != null) {
      for (double t : tickAt) {
        x0 = Math.min(x0, t);
        x1 = Math.max(x1, t);
      }
    }
    if (!Double.isNaN(xFrom)) {
      x0 = Math.min(x0, xFrom);
      x1 = Math.max(x1, xTo);
    }
    for (Band b : bands) {
      x0 = Math.min(x0, b.from);
      x1 = Math.max(x1, b.to);
    }
    if (x0 > x1) {
      x0 = 0;
      x1 = 1;
    } else if (x0 == x1) {
      x1 = x0 + 1;
    }
    int bottom = BOTTOM + LEGEND_ROW * (legendRows - 1);
    if (logY) {
      double y0 = Double.isInfinite(smallest) ? 1 : Math.pow(10, Math.floor(Math.log10(smallest)));
      double top = y1 <= 0 ? 10 * y0 : Math.pow(10, Math.ceil(Math.log10(y1)));
      return new Frame(
          x0,
          x1,
          y0,
          top > y0 ? top : 10 * y0,
          true,
          LEFT,
          TOP,
          width - LEFT - RIGHT,
          height - TOP - bottom);
    }
    y1 = y1 <= 0 ? 1 : niceStep(y1 / 5) * Math.ceil(y1 / niceStep(y1 / 5));
    return new Frame(x0, x1, 0, y1, false, LEFT, TOP, width - LEFT - RIGHT, height - TOP - bottom);
  }

  private static double barWidth(Series s) {
    if (!Double.isNaN(s.width)) {
      return s.width;
    }
    double w = Double.POSITIVE_INFINITY;
    for (int i = 1; i < s.x.length; i++) {
      double d = s.x[i] - s.x[i - 1];
      if (d > 0) {
        w = Math.min(w, d);
      }
    }
    return Double.isInfinite(w) ? 1 : w;
  }

  private void drawBands(Graphics2D g, Frame f) {
    for (Band b : bands) {
      g.setColor(new Color(b.color.getRed(), b.color.getGreen(), b.color.getBlue(), 60));
      double from = f.px(b.from);
      g.fill(new Rectangle2D.Double(from, f.top, Math.max(1, f.px(b.to) - from), f.height));
    }
  }

  private void drawAxes(Graphics2D g, Frame f) {
    FontMetrics fm = g.getFontMetrics();
    List<Double> yTicks = new ArrayList<>();
    if (f.log) {
      for (double y = f.y0; y <= f.y1 * 1.001; y *= 10) {
        yTicks.add(y);
      }
    } else {
      double yStep = niceStep(f.y1 / 5);
      for (double y = 0; y <= f.y1 + yStep / 2; y += yStep) {
        yTicks.add(y);
      }
    }
    for (double y : yTicks) {
      int py = (int) Math.round(f.py(y));
      g.setColor(new Color(0xe5e5e5));
      g.drawLine(f.left, py, f.left + f.width, py);
      g.setColor(Color.DARK_GRAY);
      String label = format(y);
      g.drawString(label, f.left - 6 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
    }
    if (tickAt != null) {
      for (int i = 0; i < tickAt.length; i++) {
        xTick(g, f, tickAt[i], tickLabels[i]);
      }
    } else {
      double xStep = niceStep((f.x1 - f.x0) / 10);
      for (double x = Math.ceil(f.x0 / xStep) * xStep; x <= f.x1 + xStep / 1000; x += xStep) {
        xTick(g, f, x, format(x));
      }
    }
    g.setColor(Color.BLACK);
    g.drawRect(f.left, f.top, f.width, f.height);
    g.drawString(
        xLabel,
        f.left + (f.width - fm.stringWidth(xLabel)) / 2,
        f.top + f.height + 22 + fm.getAscent());
    Graphics2D rotated = (Graphics2D) g.create();
    rotated.rotate(-Math.PI / 2);
    rotated.drawString(yLabel, -(f.top + (f.height + fm.stringWidth(yLabel)) / 2), 16);
    rotated.dispose();
  }

  private static void xTick(Graphics2D g, Frame f, double x, String label) {
    FontMetrics fm = g.getFontMetrics();
    int px = (int) Math.round(f.px(x));
    g.setColor(Color.DARK_GRAY);
    g.drawLine(px, f.top + f.height, px, f.top + f.height + 4);
    g.drawString(label, px - fm.stringWidth(label) / 2, f.top + f.height + 6 + fm.getAscent());
  }

  private void drawSeries(Graphics2D g, Frame f, Series s) {
    g.setColor(s.color);
    if (s.style == Style.BARS) {
      double w = barWidth(s);
      for (int i = 0; i < s.x.length; i++) {
        double left = f.px(s.x[i]);
        double top = f.py(s.y[i]);
        double barWidth = Math.max(1, f.px(s.x[i] + w) - left - 0.5);
        g.fill(new Rectangle2D.Double(left, top, barWidth, f.top + f.height - top));
        if (valueLabels) {
          valueLabel(g, compact(s.y[i]), left + barWidth / 2, top - 3);
          g.setColor(s.color);
        }
      }
      return;
    }
    Path2D.Double path = new Path2D.Double();
    for (int i = 0; i < s.x.length; i++) {
      if (i == 0) {
        path.moveTo(f.px(s.x[i]), f.py(s.y[i]));
      } else {
        path.lineTo(f.px(s.x[i]), f.py(s.y[i]));
      }
    }
    g.setStroke(new BasicStroke(1.5f));
    g.draw(path);
    if (s.style == Style.LINE_WITH_POINTS) {
      for (int i = 0; i < s.x.length; i++) {
        double px = f.px(s.x[i]);
        double py = f.py(s.y[i]);
        g.fill(new java.awt.geom.Ellipse2D.Double(px - 3.5, py - 3.5, 7, 7));
        valueLabel(g, compact(s.y[i]), px, py - 6);
        g.setColor(s.color);
      }
    }
  }

  private static void valueLabel(Graphics2D g, String text, double centreX, double baseline) {
    Font before = g.getFont();
    g.setFont(before.deriveFont(10f));
    g.setColor(Color.DARK_GRAY);
    g.drawString(
        text, (float) (centreX - g.getFontMetrics().stringWidth(text) / 2.0), (float) baseline);
    g.setFont(before);
  }

  /** A value in a few characters: 12345 → "12.3k", 0.0834 → "0.083". */
  static String compact(double v) {
    double a = Math.abs(v);
    if (a >= 1e6) {
      return String.format(Locale.ROOT, "%.3gM", v / 1e6);
    } else if (a >= 1e4) {
      return String.format(Locale.ROOT, "%.3gk", v / 1e3);
    } else if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.2g", v);
  }

  /** The legend's entries: each series once, then each band label once. */
  private Map<String, Color> legend() {
    Map<String, Color> entries = new LinkedHashMap<>();
    for (Series s : series) {
      entries.putIfAbsent(s.label, s.color);
    }
    for (Band b : bands) {
      entries.putIfAbsent(
          b.label + " (shaded)",
          new Color(b.color.getRed(), b.color.getGreen(), b.color.getBlue(), 90));
    }
    return entries;
  }

  private static int entryWidth(FontMetrics fm, String label) {
    return 16 + fm.stringWidth(label) + 20;
  }

  /** How many rows the legend takes when it wraps at the image's right edge. */
  private int legendRows(FontMetrics fm, int width) {
    int rows = 1;
    int x = LEFT;
    for (String label : legend().keySet()) {
      if (x > LEFT && x + entryWidth(fm, label) > width - RIGHT) {
        rows++;
        x = LEFT;
      }
      x += entryWidth(fm, label);
    }
    return rows;
  }

  private void drawLegend(Graphics2D g, Frame f, int height) {
    FontMetrics fm = g.getFontMetrics();
    int x = f.left;
    int y = height - 14 - LEGEND_ROW * (legendRows(fm, f.left + f.width + RIGHT) - 1);
    for (Map.Entry<String, Color> e : legend().entrySet()) {
      if (x > f.left && x + entryWidth(fm, e.getKey()) > f.left + f.width) {
        x = f.left;
        y += LEGEND_ROW;
      }
      g.setColor(e.getValue());
      g.fillRect(x, y - 10, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(e.getKey(), x + 16, y);
      x += entryWidth(fm, e.getKey());
    }
  }

  /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
  static double niceStep(double rough) {
    if (rough <= 0 || Double.isNaN(rough)) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(rough)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= rough) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    // Three significant digits without trailing zeros, so that log axes read 0.01 and 0.001.
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v))
        .stripTrailingZeros()
        .toPlainString();
  }
}
