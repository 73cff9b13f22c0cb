package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code stoker} command line, run as a real process against a real server. */
class CliTest {
  @TempDir static Path dir;
  @RegisterExtension static final ServerExtension server = new ServerExtension();
  static Http http;

  @BeforeAll
  static void start() {
    http = server.http();
  }

  static ProcessBuilder cli(List<String> args) {
    return Cli.builder(Map.of("STOKER_URL", server.url()), args);
  }

  static Cli.Run run(List<String> args, String stdin) throws IOException, InterruptedException {
    return Cli.run(dir, Map.of("STOKER_URL", server.url()), args, stdin);
  }

  @Test
  void put_from_a_json_lines_file_then_work_runs_a_command_per_task() throws Exception {
    Path lines = dir.resolve("tasks.jsonl");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      sb.append(Http.json(Map.of("name", i == 7 ? "broken" : "square", "params", Map.of("n", i))))
          .append('\n');
    }
    sb.append('\n').append("{\"name\":\"later\",\"params\":{\"n\":100},\"delay_ms\":200}\n");
    Files.writeString(lines, sb.toString());
    Cli.Run put = run(List.of("put", "cli-work", "--file", lines.toString()), null);
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.err()).contains("enqueued 26 tasks into cli-work");

    Path script = dir.resolve("square.sh");
    Files.writeString(
        script,
        """
        #!/bin/sh
        n=$(sed 's/[^0-9]//g')
        if [ "$STOKER_TASK_NAME" = broken ]; then echo "cannot do $n" >&2; exit 3; fi
        echo "{\\"square\\": $((n * n)), \\"task\\": \\"$STOKER_TASK_ID\\", \\"attempt\\": $STOKER_ATTEMPT}"
        """);
    Process worker =
        cli(List.of(
                "work", "--queue", "cli-work", "--concurrency", "4", "--", "sh", script.toString()))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("worker.log").toFile())
            .start();
    try {
      Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(
              () -> {
                JsonNode c = http.get("/v1/queues/cli-work").at("/counts");
                return c.get("done").asInt() == 25 && c.get("dead").asInt() == 1;
              });
    } finally {
      worker.destroy(); // SIGTERM: drains
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(worker.exitValue()).as(Files.readString(dir.resolve("worker.log"))).isZero();

    Cli.Run done = run(List.of("tasks", "cli-work", "--state", "done", "--all", "--json"), null);
    List<JsonNode> tasks = new ArrayList<>();
    for (String line : done.out().split("\n")) {
      tasks.add(Http.JSON.readTree(line));
    }
    assertThat(tasks).hasSize(25);
    for (JsonNode t : tasks) {
      int n = t.at("/params/n").asInt();
      assertThat(t.at("/result/square").asInt()).isEqualTo(n * n);
      assertThat(t.at("/result/task").asText()).isEqualTo(t.get("id").asText());
    }
    Cli.Run dead = run(List.of("tasks", "cli-work", "--state", "dead", "--json"), null);
    JsonNode deadTask = Http.JSON.readTree(dead.out()).at("/tasks/0");
    assertThat(deadTask.get("last_error").asText()).isEqualTo("exit 3: cannot do 7");
  }

  @Test
  void a_bad_line_is_named_and_nothing_of_its_batch_is_sent() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= 5; i++) {
      sb.append("{\"name\":\"ok\"}\n");
    }
    sb.append("{\"name\":\"bad\",\"priority\":\"high\"}\n");
    sb.append("{\"name\":\"ok\"}\n");
    Cli.Run put = run(List.of("put", "cli-bad", "--batch-size", "3"), sb.toString());
    assertThat(put.exit()).isNotZero();
    assertThat(put.err()).contains("line 6").contains("priority");
    // Lines 1-3 went in the first batch; the batch of lines 4-6 held the bad line and was not sent.
    assertThat(http.get("/v1/queues/cli-bad").at("/counts/pending").asInt()).isEqualTo(3);
  }

  @Test
  void a_line_the_server_refuses_is_named_and_its_batch_is_not_enqueued() throws Exception {
    String lines = "{\"name\":\"ok\"}\n{\"name\":\"" + "n".repeat(300) + "\"}\n";
    Cli.Run put = run(List.of("put", "cli-refused"), lines);
    assertThat(put.exit()).isEqualTo(1);
    assertThat(put.err()).contains("line 2").contains("256");
    assertThat(http.get("/v1/queues/cli-refused").at("/counts/pending").asInt()).isZero();
  }

  @Test
  void json_output_parses_and_matches_the_server() throws Exception {
    Cli.Run put =
        run(
            List.of(
                "put",
                "cli-json",
                "hello",
                "--params",
                "{\"a\":[1,2]}",
                "--priority",
                "4",
                "--json"),
            null);
    assertThat(put.exit()).as(put.err()).isZero();
    JsonNode task = Http.JSON.readTree(put.out());
    assertThat(task.get("state").asText()).isEqualTo("pending");
    JsonNode fromServer = http.get("/v1/tasks/" + task.get("id").asText()).body();
    assertThat(task.get("params")).isEqualTo(fromServer.get("params"));
    assertThat(task.get("priority").asInt()).isEqualTo(4);

    JsonNode get =
        Http.JSON.readTree(run(List.of("get", task.get("id").asText(), "--json"), null).out());
    assertThat(get.get("id")).isEqualTo(task.get("id"));
    JsonNode queues = Http.JSON.readTree(run(List.of("queues", "--json"), null).out());
    assertThat(queues.get("queues").findValuesAsText("name")).contains("cli-json");
    JsonNode settings =
        Http.JSON.readTree(
            run(List.of("settings", "cli-json", "--lease", "45s", "--json"), null).out());
    assertThat(settings.get("lease_ms").asLong()).isEqualTo(45_000);
    JsonNode cancelled =
        Http.JSON.readTree(run(List.of("cancel", task.get("id").asText(), "--json"), null).out());
    assertThat(cancelled.get("state").asText()).isEqualTo("cancelled");
    JsonNode retried =
        Http.JSON.readTree(run(List.of("retry", task.get("id").asText(), "--json"), null).out());
    assertThat(retried.get("state").asText()).isEqualTo("pending");
    assertThat(retried.get("attempt").asInt()).isZero();
    Cli.Run again = run(List.of("retry", task.get("id").asText()), null);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("is pending: only a dead or cancelled task can be retried");
  }

  @Test
  void errors_are_one_line_with_a_non_zero_exit() throws Exception {
    Cli.Run unknown = run(List.of("get", "01M84BBF4N0001K5GB42Z4DY2Z"), null);
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no task");
    Cli.Run down = run(List.of("queues", "--server", "http://127.0.0.1:9"), null);
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.err()).contains("cannot reach the server").doesNotContain("Exception");
    Cli.Run usage = run(List.of("put"), null);
    assertThat(usage.exit()).isEqualTo(2);
    Cli.Run badDuration = run(List.of("put", "q", "n", "--delay", "soon"), null);
    assertThat(badDuration.exit()).isEqualTo(2);
    assertThat(badDuration.err()).contains("not a duration");
  }

  @Test
  void serve_refuses_postgres_timings_out_of_range_naming_the_flag() throws Exception {
    // Checked before any connection is tried: the URL points at nothing.
    List<String> pg =
        List.of("serve", "--store", "postgres", "--pg-url", "jdbc:postgresql://127.0.0.1:9/none");
    Cli.Run shortTimeout = run(with(pg, "--pg-connection-timeout-ms", "249"), null);
    assertThat(shortTimeout.exit()).isEqualTo(2);
    assertThat(shortTimeout.err())
        .contains(
            "--pg-connection-timeout-ms: the connection timeout must be 250-300000 ms,"
                + " was 249 ms");
    Cli.Run notNumber = run(with(pg, "--pg-connection-timeout-ms", "2s"), null);
    assertThat(notNumber.exit()).isEqualTo(2);
    assertThat(notNumber.err()).contains("--pg-connection-timeout-ms");
    Cli.Run slowSweep = run(with(pg, "--pg-sweep-interval-ms", "60001"), null);
    assertThat(slowSweep.exit()).isEqualTo(2);
    assertThat(slowSweep.err())
        .contains("--pg-sweep-interval-ms: the sweep interval must be 10-60000 ms, was 60001 ms");
    Cli.Run fastSweep = run(with(pg, "--pg-sweep-interval-ms", "0"), null);
    assertThat(fastSweep.exit()).isEqualTo(2);
    assertThat(fastSweep.err()).contains("--pg-sweep-interval-ms");
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void verify_refuses_a_fault_the_backend_cannot_take() throws Exception {
    Cli.Run cluster =
        run(
            List.of("verify", "--backend", "cluster", "--faults", "db-kill", "--duration", "5s"),
            null);
    assertThat(cluster.exit()).isEqualTo(2);
    assertThat(cluster.err()).contains("cluster backend cannot take 'db-kill'");
    Cli.Run etcdDbKill =
        run(
            List.of("verify", "--backend", "etcd", "--faults", "db-kill", "--duration", "5s"),
            null);
    assertThat(etcdDbKill.exit()).isEqualTo(2);
    assertThat(etcdDbKill.err()).contains("etcd backend cannot take 'db-kill'", "use 'etcd-kill'");
    Cli.Run skew = run(List.of("verify", "--faults", "kill,skew", "--duration", "5s"), null);
    assertThat(skew.exit()).isEqualTo(2);
    assertThat(skew.err()).contains("cannot take 'skew'");
    Cli.Run dbKill = run(List.of("verify", "--faults", "db-kill", "--duration", "5s"), null);
    assertThat(dbKill.exit()).isEqualTo(2);
    assertThat(dbKill.err()).contains("embedded backend cannot take 'db-kill'");
    Cli.Run partition =
        run(
            List.of("verify", "--backend", "postgres", "--faults", "partition", "--duration", "5s"),
            null);
    assertThat(partition.exit()).isEqualTo(2);
    assertThat(partition.err()).contains("postgres backend cannot take 'partition'");
  }
}
