package dev.stoker.cli;

import java.io.PrintStream;

/**
 * A one-line progress display on a terminal (count, rate, ETA); silent when output is not a
 * terminal.
 */
final class Progress {
  private final PrintStream out;
  private final long totalBytes;
  private final long start = System.nanoTime();
  private long lastDraw;
  private boolean drawn;

  private Progress(PrintStream out, long totalBytes) {
    this.out = out;
    this.totalBytes = totalBytes;
  }

  /**
   * A progress line on stderr when there is a terminal; {@code totalBytes} (or -1) gives the ETA.
   */
  static Progress forTerminal(long totalBytes) {
    return new Progress(isTerminal() ? System.err : null, totalBytes);
  }

  void update(long count, long bytes) {
    if (out == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    double seconds = (now - start) / 1e9;
    double rate = count / Math.max(seconds, 1e-3);
    String eta = "";
    if (totalBytes > 0 && bytes > 0 && bytes < totalBytes) {
      long left = (long) (seconds * (totalBytes - bytes) / bytes);
      eta = String.format("  ETA %d:%02d", left / 60, left % 60);
    }
    out.printf("\r%,d tasks  %,.0f/s%s   ", count, rate, eta);
    out.flush();
    drawn = true;
  }

  void clear() {
    if (out != null && drawn) {
      out.print("\r\033[K");
      out.flush();
      drawn = false;
    }
  }

  private static boolean isTerminal() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try { // Console.isTerminal() exists from Java 22; on 21 a console means a terminal
      return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
