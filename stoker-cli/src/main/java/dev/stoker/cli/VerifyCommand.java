package dev.stoker.cli;

import dev.stoker.verify.Backend;
import dev.stoker.verify.Fault;
import dev.stoker.verify.Verify;
import dev.stoker.verify.VerifyConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stoker verify}: fault injection against real server processes, with a total-queue checker.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Starts its own Stoker servers on loopback, runs producers and workers (that also crash and stall)"
          + " against them while killing (SIGKILL) and pausing (SIGSTOP) the servers (and, for postgres, killing the"
          + " database; for etcd, killing etcd members), then drains the queue and"
          + " checks the history: nothing acknowledged lost, nothing unexpected, every duplicate explained by an"
          + " expired lease. See docs/reliability.md.",
      "Exit codes: 0 valid, 1 invalid (loss, unexpected task, unexplained duplicate, ...), 2 usage or a"
          + " backend that is not available."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  stoker verify --duration 60s --faults kill,pause --seed 1",
      "  stoker verify --duration 30m --faults kill,pause --seed 7 --fault-interval 1s --out verify-7",
      "  stoker verify --duration 5m --faults kill,pause,power --seed 5",
      "  stoker verify --backend postgres --duration 5m --faults kill,pause,db-kill --seed 3",
      "  stoker verify --backend etcd --duration 5m --faults kill,pause,etcd-kill --seed 3",
      "  stoker verify --faults none --tasks 100000 --workers 16 --seed 9",
      "  stoker verify --check verify-7/history.jsonl"
    })
final class VerifyCommand implements Callable<Integer> {
  @Option(
      names = "--backend",
      paramLabel = "NAME",
      defaultValue = "embedded",
      description =
          "embedded (one server), postgres (its own throwaway PostgreSQL via bin/pg-temp and two servers"
              + " over it), etcd (its own 3-member etcd via bin/etcd-cluster and two servers over it); cluster (three AP-cluster"
              + " nodes, every link through a proxy of its own). Default: ${DEFAULT-VALUE}")
  String backend;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long load and faults run; the drain follows. Default: 60s, or no limit with --tasks")
  Duration duration;

  @Option(
      names = "--tasks",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Enqueue N tasks in all, then"
              + " stop the faults and drain (within --duration, when given). Default: no bound, --duration ends the load")
  long tasks;

  @Option(
      names = "--faults",
      paramLabel = "LIST",
      split = ",",
      defaultValue = "kill,pause",
      description =
          "Faults to inject: kill, pause, power (embedded and cluster: SIGKILL, then the loss of every write"
              + " not fsync'd, on bin/powerfs), db-kill (postgres only: SIGKILL of the database, restarted 0.5-3 s"
              + " later), etcd-kill (etcd only: SIGKILL of an etcd member, the leader every other time, restarted"
              + " 0.5-3 s later), partition and skew (cluster only: a node cut off from the"
              + " others and healed; a node restarted with its clock off); none: no faults at all, and workers that"
              + " neither crash nor stall, so that any duplicate is a bug. Default: ${DEFAULT-VALUE}")
  List<String> faults;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description =
          "Seeds the fault schedule and the workload. Default: " + "the current time (printed)")
  Long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Where the history, summary, timeline and server data" + " go. Default: verify-out/SEED")
  Path out;

  @Option(
      names = "--producers",
      paramLabel = "N",
      defaultValue = "2",
      description = "Default: ${DEFAULT-VALUE}")
  int producers;

  @Option(
      names = "--workers",
      paramLabel = "N",
      defaultValue = "8",
      description = "Default: ${DEFAULT-VALUE}")
  int workers;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "" + VerifyConfig.DEFAULT_BATCH,
      description = "The largest enqueue batch and claim (1-1000). Default: ${DEFAULT-VALUE}")
  int batch;

  @Option(
      names = "--lease",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "2500ms",
      description = "The lease every claim asks for. Default: ${DEFAULT-VALUE}")
  Duration lease;

  @Option(
      names = "--fault-interval",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "3s",
      description = "Mean quiet time between faults. Default: ${DEFAULT-VALUE}")
  Duration faultInterval;

  @Option(
      names = "--drain-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "300s",
      description = "How long the final drain may take. Default: ${DEFAULT-VALUE}")
  Duration drainTimeout;

  @Option(
      names = "--check",
      paramLabel = "FILE",
      description =
          "Start nothing: check the history file of an earlier" + " run again and print its table.")
  Path check;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (check != null) {
      return Verify.check(check, System.out).valid() ? 0 : 1;
    }
    VerifyConfig config;
    long s = seed != null ? seed : System.currentTimeMillis();
    try {
      Set<Fault> parsed =
          faults.stream()
              .filter(f -> !f.isBlank() && !f.trim().equalsIgnoreCase("none"))
              .map(Fault::parse)
              .collect(Collectors.toSet());
      Duration load =
          duration != null
              ? duration
              : tasks > 0 ? VerifyConfig.NO_TIME_LIMIT : Duration.ofSeconds(60);
      config =
          new VerifyConfig(
              Backend.parse(backend),
              load,
              parsed,
              s,
              out != null ? out : Path.of("verify-out", Long.toString(s)),
              producers,
              workers,
              lease,
              faultInterval,
              drainTimeout,
              tasks,
              batch);
      config.backend().check(config.faults());
    } catch (IllegalArgumentException | Backend.Unavailable e) {
      throw new PutCommand.Usage(e.getMessage());
    }
    return Verify.run(config, System.out).result().valid() ? 0 : 1;
  }
}
