package dev.stoker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.stoker.client.PermanentFailure;
import dev.stoker.client.ReleaseTask;
import dev.stoker.client.StokerClient;
import dev.stoker.client.TaskContext;
import dev.stoker.client.Worker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stoker work -- CMD ARGS…}: a worker that runs a command per task, with the params on its
 * stdin; exit 0 completes (stdout is the result), exit 75 fails for a retry, any other exit fails
 * permanently with the end of stderr as the error.
 */
@Command(
    name = "work",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs a command for each task of a queue.",
      "CMD gets the params JSON on its stdin, and STOKER_TASK_ID, STOKER_TASK_NAME, STOKER_ATTEMPT and",
      "STOKER_QUEUE in its environment. Exit 0 completes the task with stdout as",
      "the result (JSON when it parses, else a string); exit 75 (EX_TEMPFAIL) fails it to be retried after",
      "the queue's backoff; any other exit fails it for good (dead), with the last lines of stderr as the",
      "error. The lease is heartbeated while CMD runs. SIGTERM or SIGINT stops claiming and lets running",
      "commands finish within --grace; a command the same signal ended (Ctrl-C, or SIGTERM to the process",
      "group) gives its task back, the attempt not counted."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  stoker work --queue images --concurrency 4 -- ./resize.sh",
      "  stoker work --queue emails --timeout 30s -- python3 send.py"
    })
final class WorkCommand implements Callable<Integer> {
  static final int EXIT_RETRY = 75;
  private static final int STDERR_LINES = 20;
  private static final int MAX_OUTPUT = 1 << 20;

  /** Exit codes of a command ended by SIGHUP, SIGINT or SIGTERM (128 + the signal's number). */
  private static final Set<Integer> STOP_SIGNAL_EXITS = Set.of(129, 130, 143);

  /**
   * How long a command ended by such a signal waits for {@code stoker work} to get its own stop
   * signal: one signal sent to the process group reaches both, in either order.
   */
  private static final Duration SAME_SIGNAL_WINDOW = Duration.ofSeconds(5);

  /** Counted down when a stop signal (or the JVM's exit) starts the shutdown. */
  private final CountDownLatch stopping = new CountDownLatch(1);

  private final AtomicInteger givenBack = new AtomicInteger();

  @Mixin ClientOptions options;

  @Option(
      names = {"-q", "--queue"},
      required = true,
      paramLabel = "QUEUE",
      description = "The queue to work.")
  String queue;

  @Option(
      names = {"-c", "--concurrency"},
      paramLabel = "N",
      defaultValue = "1",
      description = "Commands run at once. Default: ${DEFAULT-VALUE}")
  int concurrency;

  @Option(
      names = "--lease",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Lease of each claim (default: the queue's).")
  Duration lease;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Kill a command (its whole process tree) that runs longer, and fail its task.")
  Duration timeout;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "30s",
      description =
          "On SIGTERM, how long running commands may take to finish. Default: ${DEFAULT-VALUE}")
  Duration grace;

  @Option(
      names = "--worker",
      paramLabel = "NAME",
      description = "The name claims are made under (default: host-pid).")
  String workerName;

  @Parameters(
      paramLabel = "CMD",
      arity = "1..*",
      description = "The command and its arguments (after --).")
  List<String> command;

  @Override
  public Integer call() {
    StokerClient client = options.client();
    Worker.Builder b =
        Worker.builder(client)
            .queue(queue)
            .concurrency(concurrency)
            .shutdownGrace(grace)
            .defaultHandler(this::run);
    if (lease != null) {
      b.lease(lease);
    }
    if (timeout != null) {
      b.taskTimeout(timeout);
    }
    if (workerName != null) {
      b.worker(workerName);
    }
    Worker worker = b.build();
    Termination termination =
        Termination.install(
            () -> {
              stopping.countDown();
              System.err.println(
                  "stoker work: stopping; running commands may finish within "
                      + Output.human(grace));
              worker.close();
              client.close();
              int n = givenBack.get();
              if (n > 0) {
                System.err.println(
                    "stoker work: gave back "
                        + n
                        + " task(s) the stop interrupted (the attempt not counted)");
              }
            });
    worker.start();
    System.err.println(
        "stoker work: "
            + worker.name()
            + " working "
            + queue
            + " on "
            + options.server
            + " with "
            + concurrency
            + " at once: "
            + String.join(" ", command));
    termination.await();
    return 0;
  }

  /** Runs the command for one task; its outcome becomes the task's. */
  private Object run(TaskContext task) throws Exception {
    if (stopping.getCount() == 0) {
      throw giveBack("not started: stoker work is stopping");
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("STOKER_TASK_ID", task.id());
    pb.environment().put("STOKER_TASK_NAME", task.name());
    pb.environment().put("STOKER_ATTEMPT", Integer.toString(task.attempt()));
    pb.environment().put("STOKER_QUEUE", queue);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      // The JDK starts commands through a helper process, which a signal to the group also reaches.
      boolean helperSignalled = String.valueOf(e.getMessage()).contains("spawn helper");
      if (stoppedByTheStopSignal(helperSignalled)) {
        throw giveBack("the stop signal came as the command started", e);
      }
      throw e;
    }
    Thread stdin = Thread.ofVirtual().start(() -> feed(p.getOutputStream(), task.params()));
    Capture stdout = Capture.of(p.getInputStream(), MAX_OUTPUT);
    StderrTail stderr = StderrTail.of(p.getErrorStream());
    int exit;
    try {
      exit = p.waitFor();
      stdout.join();
      stderr.join();
    } catch (InterruptedException e) {
      // A timeout, a lost lease or a shutdown past its grace: the command and all it started go.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw e;
    } finally {
      stdin.interrupt();
    }
    if (exit == 0) {
      return result(stdout.text());
    }
    if (stoppedByTheStopSignal(STOP_SIGNAL_EXITS.contains(exit))) {
      throw giveBack("the stop signal ended the command (exit " + exit + ")");
    }
    String error = "exit " + exit + (stderr.text().isEmpty() ? "" : ": " + stderr.text());
    if (exit == EXIT_RETRY) {
      throw new RetryableExit(error);
    }
    throw new PermanentFailure(error);
  }

  /**
   * Whether the command's run ended because {@code stoker work} is being stopped: a stop signal
   * came already, or the command looks ended by a signal ({@code signalShaped}) and the stop signal
   * comes within a short window (the process group's signal reaches the command and this JVM in
   * either order).
   */
  private boolean stoppedByTheStopSignal(boolean signalShaped) throws InterruptedException {
    if (stopping.getCount() == 0) {
      return true;
    }
    return signalShaped && stopping.await(SAME_SIGNAL_WINDOW.toMillis(), TimeUnit.MILLISECONDS);
  }

  private ReleaseTask giveBack(String why) {
    return giveBack(why, null);
  }

  private ReleaseTask giveBack(String why, Throwable cause) {
    givenBack.incrementAndGet();
    return new ReleaseTask(why, cause);
  }

  /** A command that exited 75: fail the task so it is retried after the backoff. */
  static final class RetryableExit extends Exception {
    RetryableExit(String message) {
      super(message, null, false, false);
    }
  }

  /** The result of a successful command: its stdout as JSON when it parses, else as a string. */
  static JsonNode result(String stdout) {
    String text = stdout.strip();
    if (text.isEmpty()) {
      return null;
    }
    try {
      return Output.JSON.readTree(text);
    } catch (IOException e) {
      return TextNode.valueOf(text);
    }
  }

  private static void feed(OutputStream stdin, JsonNode params) {
    try (stdin) {
      stdin.write(Output.JSON.writeValueAsBytes(params));
    } catch (IOException e) {
      // the command closed its stdin without reading it: its choice
    }
  }

  /** Everything a stream says, up to a limit. */
  private static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Thread thread;

    private Capture(InputStream in, int limit) {
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    byte[] buf = new byte[8192];
                    try (in) {
                      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        if (bytes.size() < limit) {
                          bytes.write(buf, 0, Math.min(n, limit - bytes.size()));
                        }
                      }
                    } catch (IOException e) {
                      // the process is gone
                    }
                  });
    }

    static Capture of(InputStream in, int limit) {
      return new Capture(in, limit);
    }

    void join() throws InterruptedException {
      thread.join();
    }

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  /** The last lines a stream says. */
  private static final class StderrTail {
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final Thread thread;

    private StderrTail(InputStream in) {
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (var r =
                        new java.io.BufferedReader(
                            new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                      for (String line = r.readLine(); line != null; line = r.readLine()) {
                        synchronized (lines) {
                          lines.addLast(line.length() > 500 ? line.substring(0, 500) + "…" : line);
                          if (lines.size() > STDERR_LINES) {
                            lines.removeFirst();
                          }
                        }
                      }
                    } catch (IOException e) {
                      // the process is gone
                    }
                  });
    }

    static StderrTail of(InputStream in) {
      return new StderrTail(in);
    }

    void join() throws InterruptedException {
      thread.join();
    }

    String text() {
      synchronized (lines) {
        return String.join("\n", lines).strip();
      }
    }
  }
}
