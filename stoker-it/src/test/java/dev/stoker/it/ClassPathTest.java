package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The class paths {@code ./stoker} runs: {@code serve} on the packaged CLI and its {@code lib/}
 * alone, which hold what the server needs and none of the developers' tools; every other command
 * with {@code tools/} too, which brings {@code bench} and {@code verify}.
 */
class ClassPathTest {
  private static final Path CLI =
      Path.of("..", "stoker-cli", "target").toAbsolutePath().normalize();
  private static final String SERVER =
      CLI.resolve("stoker-cli.jar") + ":" + CLI.resolve("lib") + "/*";
  private static final String WITH_TOOLS = SERVER + ":" + CLI.resolve("tools") + "/*";

  @Test
  void the_servers_libraries_hold_neither_the_tools_nor_the_test_kit_nor_the_peers_clients()
      throws IOException {
    // HdrHistogram is in lib since the server's metrics (Micrometer, a run-time dependency of it)
    // came
    assertThat(jars("lib"))
        .contains(
            "stoker-server",
            "stoker-store-embedded",
            "stoker-store-postgres",
            "stoker-store-etcd",
            "micrometer-registry-prometheus")
        .doesNotContain(
            "stoker-bench",
            "stoker-verify",
            "stoker-chart",
            "stoker-testkit",
            "stoker-testbeds",
            "amqp-client",
            "jnats",
            "junit-jupiter-api",
            "assertj-core");
    assertThat(jars("tools"))
        .contains("stoker-bench", "stoker-verify", "stoker-testbeds", "amqp-client", "jnats")
        .doesNotContain("stoker-testkit", "junit-jupiter-api", "assertj-core");
  }

  @Test
  void bench_and_verify_are_offered_with_the_tools_only() throws Exception {
    assertThat(help(SERVER)).contains("serve", "work").doesNotContain("  bench ", "  verify ");
    assertThat(help(WITH_TOOLS)).contains("serve", "work", "  bench ", "  verify ");
  }

  /** The artifact names of the jars in {@code stoker-cli/target/DIR}, without their versions. */
  private static List<String> jars(String dir) throws IOException {
    try (Stream<Path> files = Files.list(CLI.resolve(dir))) {
      return files
          .map(p -> p.getFileName().toString().replaceAll("-\\d.*\\.jar$", ""))
          .sorted()
          .toList();
    }
  }

  private static String help(String classPath) throws Exception {
    Process p =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                classPath,
                "dev.stoker.cli.Main",
                "--help")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
