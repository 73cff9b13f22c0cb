package dev.stoker.verify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code stoker serve} process on loopback, started with this JVM's java and classpath (so
 * it runs the very build under test), and the signals a fault injector sends it: SIGKILL, SIGSTOP,
 * SIGCONT, SIGTERM. The JVM is sized for a small shared machine and a fast restart ({@link
 * #FAST_RESTART}) unless the caller gives its own options (a benchmark wants the JVM that {@code
 * ./stoker serve} runs in).
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("listening on (https?)://([^ ]+):(\\d+)");
  private static final int KEPT_LINES = 200;

  /** The default JVM options: small, and quick to start rather than fast once warm. */
  public static final List<String> FAST_RESTART =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** The JVM options of {@code ./stoker serve} (its STOKER_JAVA_OPTS default). */
  public static final List<String> AS_LAUNCHED = List.of("-Xmx512m");

  private final Process process;
  private final String scheme;
  private final int port;
  private final Deque<String> output;

  private ServerProcess(Process process, String scheme, int port, Deque<String> output) {
    this.scheme = scheme;
    this.process = process;
    this.port = port;
    this.output = output;
  }

  /**
   * Where a server's output is kept beside the Deque of its last lines: {@code DIR.log} next to its
   * data directory {@code DIR}, appended at every restart, so a long run's node logs outlive it;
   * null for a server without a data directory of its own.
   */
  private static Path logFileOf(List<String> storeArgs) {
    int i = storeArgs.indexOf("--data");
    if (i < 0 || i + 1 >= storeArgs.size()) {
      return null;
    }
    Path data = Path.of(storeArgs.get(i + 1)).toAbsolutePath();
    return data.resolveSibling(data.getFileName() + ".log");
  }

  /** The log file opened for appending, or null without one (or when it cannot be written). */
  private static Writer logWriter(Path file, long pid) {
    if (file == null) {
      return null;
    }
    try {
      Writer w =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      w.write("---- stoker serve, pid " + pid + ", started " + java.time.Instant.now() + "\n");
      return w;
    } catch (IOException e) {
      return null; // the log is a help, not a condition of the run
    }
  }

  /**
   * Starts {@code stoker serve --listen 127.0.0.1:PORT --data DIR EXTRA...} and waits until it
   * listens.
   *
   * @param port the port, or 0 for a free one (restart on the returned {@link #port()} to come back
   *     where the clients expect the server)
   */
  public static ServerProcess start(Path data, int port, String... extraArgs) throws IOException {
    return start(List.of("--data", data.toString()), port, extraArgs);
  }

  /**
   * Starts {@code stoker serve --listen 127.0.0.1:PORT STORE... EXTRA...}, where {@code storeArgs}
   * choose the store (e.g. {@code --store postgres --pg-url URL}), and waits until it listens.
   */
  public static ServerProcess start(List<String> storeArgs, int port, String... extraArgs)
      throws IOException {
    return start(FAST_RESTART, storeArgs, port, extraArgs);
  }

  /** As {@link #start(List, int, String...)}, in a JVM started with {@code jvmOptions}. */
  public static ServerProcess start(
      List<String> jvmOptions, List<String> storeArgs, int port, String... extraArgs)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmOptions);
    cmd.addAll(testSwitches());
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.stoker.cli.Main",
            "serve",
            "--listen",
            "127.0.0.1:" + port));
    cmd.addAll(storeArgs);
    cmd.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("STOKER_LOG_LEVEL", "INFO");
    Process p = pb.start();
    Deque<String> output = new ArrayDeque<>();
    CompletableFuture<Matcher> bound = new CompletableFuture<>();
    Path logFile = logFileOf(storeArgs);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  Writer log = logWriter(logFile, p.pid())) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  if (log != null) {
                    log.write(line);
                    log.write('\n');
                    log.flush();
                  }
                  synchronized (output) {
                    output.addLast(line);
                    if (output.size() > KEPT_LINES) {
                      output.removeFirst();
                    }
                  }
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    bound.complete(m);
                  }
                }
              } catch (IOException e) {
                // the process is gone
              }
              bound.completeExceptionally(
                  new IllegalStateException("stoker exited before listening"));
            },
            "stoker-serve-output-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    try {
      // Generous: on a shared machine under load a JVM can take minutes to start, and a node of the
      // AP
      // cluster on new data first waits to hear from a peer.
      Matcher listening = bound.get(180, TimeUnit.SECONDS);
      return new ServerProcess(p, listening.group(1), Integer.parseInt(listening.group(3)), output);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IOException(
          "stoker serve did not start: " + e.getMessage() + "\n" + tail(output), e);
    }
  }

  /**
   * The test-only switches ({@code -Dstoker.test.*}) this JVM was given, passed on to the server:
   * how a test, or {@code stoker verify} run by hand, turns on a server's deliberate bug (the
   * negative control of the power fault, docs/reliability.md).
   */
  private static List<String> testSwitches() {
    return System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith("stoker.test."))
        .sorted()
        .map(k -> "-D" + k + "=" + System.getProperty(k))
        .toList();
  }

  private static String tail(Deque<String> output) {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT}, or https when the server was started with TLS. */
  public String url() {
    return scheme + "://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The server's last lines of output, for a report on why it failed. */
  public String output() {
    return tail(output);
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes, its sockets stay open, requests queue up unanswered. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a paused process carries on. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    // The JDK sends only TERM and KILL; kill(1) sends the rest.
    Process k =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (k.waitFor() != 0 && process.isAlive()) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed: " + out.trim());
    }
  }

  /** SIGTERM; returns the exit code once the process is gone. */
  public int stop(Duration within) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("stoker did not stop within " + within + " of SIGTERM");
    }
    return process.exitValue();
  }

  /** Kills the process if it still runs (after a SIGCONT, so a paused one dies too). */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      try {
        resume();
      } catch (IOException e) {
        // SIGKILL works on a stopped process anyway
      }
      kill();
    }
  }
}
