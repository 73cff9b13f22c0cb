package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example providers and workers in examples/ run end to end against a real server. */
class ExamplesTest {
  private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

  @RegisterExtension static final ServerExtension server = new ServerExtension();

  /** Runs a command with STOKER_URL set; returns its output, asserting it exits 0 within 60 s. */
  private static String run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("example", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("STOKER_URL", server.url());
    Process p = pb.start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    String output = Files.readString(out, StandardCharsets.UTF_8);
    if (!exited) {
      p.destroyForcibly();
    }
    assertThat(exited).as("%s finished in time; output:%n%s", command, output).isTrue();
    assertThat(p.exitValue()).as("%s exit code; output:%n%s", command, output).isZero();
    return output;
  }

  private static void assertFinished(String queue, String workerOutput) throws Exception {
    JsonNode counts = new Http(server.url()).get("/v1/queues/" + queue).at("/counts");
    assertThat(counts.get("done").asInt()).as(workerOutput).isEqualTo(5);
    assertThat(counts.get("dead").asInt()).as(workerOutput).isEqualTo(1);
    assertThat(workerOutput).contains("transcode").contains("-> pending").contains("-> dead");
  }

  @Test
  void the_shell_provider_and_worker_run_end_to_end() throws Exception {
    String provided =
        run(List.of("bash", EXAMPLES.resolve("shell/provider.sh").toString(), "ex-shell"));
    assertThat(provided.lines().filter(l -> l.startsWith("enqueued"))).hasSize(6);
    assertFinished(
        "ex-shell",
        run(List.of("bash", EXAMPLES.resolve("shell/worker.sh").toString(), "ex-shell")));
  }

  @Test
  void the_java_provider_and_worker_run_end_to_end() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    String provided = run(List.of(java, "-cp", cp, "dev.stoker.examples.Provider", "ex-java"));
    assertThat(provided.lines().filter(l -> l.startsWith("enqueued"))).hasSize(6);
    String worked = run(List.of(java, "-cp", cp, "dev.stoker.examples.WorkerMain", "ex-java"));
    JsonNode counts = new Http(server.url()).get("/v1/queues/ex-java").at("/counts");
    assertThat(counts.get("done").asInt()).as(worked).isEqualTo(5);
    assertThat(counts.get("dead").asInt()).as(worked).isEqualTo(1);
    assertThat(worked).contains("transcode after 3 s of heartbeats").contains("flaky on attempt 2");
  }

  @Test
  void the_python_provider_and_worker_run_end_to_end() throws Exception {
    String provided =
        run(List.of("python3", EXAMPLES.resolve("python/provider.py").toString(), "ex-python"));
    assertThat(provided.lines().filter(l -> l.startsWith("enqueued"))).hasSize(6);
    assertFinished(
        "ex-python",
        run(List.of("python3", EXAMPLES.resolve("python/worker.py").toString(), "ex-python")));
  }
}
