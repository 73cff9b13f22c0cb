package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the {@code stoker} command line as a real process from this JVM's classpath. */
final class Cli {
  private Cli() {}

  /** What a finished run printed, and its exit code. */
  record Run(int exit, String out, String err) {}

  static ProcessBuilder builder(Map<String, String> env, List<String> args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.stoker.cli.Main"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    return pb;
  }

  /**
   * Runs {@code stoker args} with {@code stdin} (or none), its output kept in files under {@code
   * dir}.
   */
  static Run run(Path dir, Map<String, String> env, List<String> args, String stdin)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stoker %s finished", args).isTrue();
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** {@code stoker token create} of a token for {@code queues} into {@code file}: exit 0. */
  static Run createToken(Path dir, Path file, String name, String role, String queues)
      throws IOException, InterruptedException {
    Run r =
        run(
            dir,
            Map.of(),
            List.of(
                "token",
                "create",
                "--name",
                name,
                "--role",
                role,
                "--queues",
                queues,
                "--file",
                file.toString()),
            null);
    assertThat(r.exit()).as(r.err()).isZero();
    return r;
  }
}
