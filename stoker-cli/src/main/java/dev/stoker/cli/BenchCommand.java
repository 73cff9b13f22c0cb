package dev.stoker.cli;

import dev.stoker.bench.Bench;
import dev.stoker.bench.BenchConfig;
import dev.stoker.bench.Charts;
import dev.stoker.bench.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code stoker bench}: the load generator. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures a Stoker server: throughput of one-at-a-time (w1) and batched (w2) work, and pickup latency.",
      "Each phase runs on a fresh queue and is checked: the server's counts must add up. See docs/benchmarks.md."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  stoker bench                                   the full run: 50,000 tasks, 16 workers",
      "  stoker bench --tasks 2000 --workloads w1 --json-out w1.json",
      "  stoker bench --workloads depth --charts bench/results   10 k, 1 M and 10 M pending, with charts"
    })
final class BenchCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Option(
      names = "--tasks",
      paramLabel = "N",
      defaultValue = "50000",
      description = "Tasks per throughput phase. Default: ${DEFAULT-VALUE}")
  int tasks;

  @Option(
      names = "--workers",
      paramLabel = "N",
      defaultValue = "16",
      description = "Concurrent workers. Default: ${DEFAULT-VALUE}")
  int workers;

  @Option(
      names = "--params-bytes",
      paramLabel = "BYTES",
      defaultValue = "200",
      description = "Size of each task's params JSON. Default: ${DEFAULT-VALUE}")
  int paramsBytes;

  @Option(
      names = "--workloads",
      paramLabel = "LIST",
      split = ",",
      defaultValue = "w1,w2,latency,references",
      description =
          "Any of w1, w2, latency, references (a bare hello server on the same HTTP stack, fsync'd "
              + "appends, and Stoker's claim requests/s beside them), depth (on a server of its own: rates, memory, "
              + "disk and restart at each of --depths), partition (an AP cluster of three nodes of its own: node 1 "
              + "cut off for 30 s while --tasks tasks are enqueued over the nodes and --workers work them; "
              + "the time until the nodes agree after the heal). Default: ${DEFAULT-VALUE}")
  Set<String> workloads;

  @Option(
      names = "--latency-tasks",
      paramLabel = "N",
      defaultValue = "200",
      description = "Tasks in the latency run. Default: ${DEFAULT-VALUE}")
  int latencyTasks;

  @Option(
      names = "--latency-interval",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "10ms",
      description = "Time between enqueues in the latency run. Default: ${DEFAULT-VALUE}")
  Duration latencyInterval;

  @Option(
      names = "--peer",
      paramLabel = "KIND=ADDRESS",
      description = {
        "Also run the same workloads against this peer, in the same run (repeatable; bench/compare.sh "
            + "starts them all). Kinds: beanstalkd=HOST:PORT, postgres=JDBC_URL, rabbitmq=amqp://HOST:PORT, "
            + "nats=nats://HOST:PORT, etcd=http://HOST:PORT, bullmq=redis://HOST:PORT, pgboss=postgres://USER@HOST:PORT/DB, "
            + "stoker-postgres=URL[,URL], stoker-etcd=URL[,URL] (Stoker servers over one database / etcd cluster), "
            + "stoker-cluster=URL,URL[,URL] (the nodes of one AP cluster)"
      })
  List<String> peers = List.of();

  @Option(
      names = "--depths",
      paramLabel = "LIST",
      split = ",",
      defaultValue = "10000,1000000,10000000",
      description =
          "Pending tasks at which the depth workload measures, ascending. Default: ${DEFAULT-VALUE}")
  List<Long> depths;

  @Option(
      names = "--depth-window",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "10s",
      description = "How long each rate is timed at each depth. Default: ${DEFAULT-VALUE}")
  Duration depthWindow;

  @Option(
      names = "--depth-etcd",
      paramLabel = "URLS",
      description =
          "The depth workload's server stores its tasks in this etcd cluster (comma-separated endpoints, "
              + "a fresh key prefix per run) instead of the embedded store.")
  String depthEtcd;

  @Option(
      names = "--charts",
      paramLabel = "DIR",
      description =
          "Also draw the results as PNG charts into DIR: throughput per system, pickup latency, rate vs depth.")
  Path charts;

  @Option(
      names = "--separate-claims",
      description =
          "Stoker's W1 workers claim with a request of their own after "
              + "each completion instead of claiming in the completion: for comparing the two.")
  boolean separateClaims;

  @Option(
      names = "--json-out",
      paramLabel = "FILE",
      description = "Also write the results as JSON to FILE.")
  Path jsonOut;

  @Override
  public Integer call() throws InterruptedException, IOException {
    BenchConfig config;
    try {
      config =
          new BenchConfig(
              options.server,
              tasks,
              workers,
              paramsBytes,
              workloads,
              latencyTasks,
              latencyInterval,
              peers,
              depths,
              depthWindow,
              separateClaims,
              depthEtcd);
    } catch (IllegalArgumentException e) {
      throw new PutCommand.Usage(e.getMessage());
    }
    Report report = Bench.run(config, System.err);
    if (options.json) {
      System.out.println(report.json());
    } else {
      report.print(System.out);
    }
    if (jsonOut != null) {
      Files.writeString(jsonOut, report.json() + "\n");
    }
    if (charts != null) {
      for (Path png : Charts.write(report, charts)) {
        System.err.println("chart: " + png);
      }
    }
    return report.failures().isEmpty() ? 0 : 1;
  }
}
