package dev.stoker.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code stoker serve} process on a free loopback port, started from this JVM's classpath.
 * Killed for real: {@link #kill()} is SIGKILL, {@link #stop()} is SIGTERM.
 */
final class StokerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on (https?)://([^ ]+):(\\d+)");

  private final Process process;
  private final int port;
  private final String scheme;
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

  private StokerProcess(Process process, int port, String scheme) {
    this.process = process;
    this.port = port;
    this.scheme = scheme;
  }

  static StokerProcess start(Path data, String... extraArgs) throws IOException {
    return start(data, 0, extraArgs);
  }

  /** A server on {@code port} (0: a free one), e.g. to restart one where its clients expect it. */
  static StokerProcess start(Path data, int port, String... extraArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "dev.stoker.cli.Main", "serve", "--listen", "127.0.0.1:" + port,
        "--data", data.toString()));
    cmd.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("STOKER_LOG_LEVEL", "INFO");
    Process p = pb.start();
    CompletableFuture<Matcher> bound = new CompletableFuture<>();
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            bound.complete(m);
          }
        }
      } catch (IOException e) {
        // the process is gone
      }
      bound.completeExceptionally(new IllegalStateException("stoker exited before listening:\n"
          + String.join("\n", lines)));
    }, "stoker-output");
    reader.setDaemon(true);
    reader.start();
    try {
      Matcher m = bound.get(60, TimeUnit.SECONDS);
      StokerProcess sp = new StokerProcess(p, Integer.parseInt(m.group(3)), m.group(1));
      sp.log.addAll(lines);
      return sp;
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IllegalStateException("stoker did not start: " + e.getMessage() + "\n" + String.join("\n", lines), e);
    }
  }

  int port() {
    return port;
  }

  String url() {
    return scheme + "://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM; returns the exit code once the process is gone. */
  int stop(Duration within) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("stoker did not stop within " + within + " of SIGTERM");
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
