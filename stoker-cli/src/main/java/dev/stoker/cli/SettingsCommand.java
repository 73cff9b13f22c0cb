package dev.stoker.cli;

import dev.stoker.client.QueueSettings;
import dev.stoker.client.SettingsUpdate;
import dev.stoker.client.StokerClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stoker settings QUEUE [changes]}: shows, or changes, a queue's settings. */
@Command(
    name = "settings",
    mixinStandardHelpOptions = true,
    description = "Shows a queue's settings, or changes those given.")
final class SettingsCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "QUEUE", description = "The queue.")
  String queue;

  @Option(
      names = "--lease",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Lease of a claim that names none, e.g. 30s.")
  Duration lease;

  @Option(
      names = "--max-attempts",
      paramLabel = "N",
      description = "Attempts before a task is dead.")
  Integer maxAttempts;

  @Option(
      names = "--backoff-initial",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Delay before the first retry.")
  Duration backoffInitial;

  @Option(
      names = "--backoff-multiplier",
      paramLabel = "X",
      description = "Growth of the delay per attempt.")
  Double backoffMultiplier;

  @Option(
      names = "--backoff-max",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Longest delay between attempts.")
  Duration backoffMax;

  @Option(
      names = "--retention",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long finished tasks are kept.")
  Duration retention;

  @ArgGroup(exclusive = true)
  Pause pause;

  static final class Pause {
    @Option(names = "--pause", description = "Stop handing out tasks.")
    boolean pause;

    @Option(names = "--resume", description = "Hand out tasks again.")
    boolean resume;
  }

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      SettingsUpdate u = SettingsUpdate.create();
      boolean change = false;
      if (lease != null) {
        u = u.lease(lease);
        change = true;
      }
      if (maxAttempts != null) {
        u = u.maxAttempts(maxAttempts);
        change = true;
      }
      if (backoffInitial != null) {
        u = u.backoffInitial(backoffInitial);
        change = true;
      }
      if (backoffMultiplier != null) {
        u = u.backoffMultiplier(backoffMultiplier);
        change = true;
      }
      if (backoffMax != null) {
        u = u.backoffMax(backoffMax);
        change = true;
      }
      if (retention != null) {
        u = u.retention(retention);
        change = true;
      }
      if (pause != null) {
        u = u.paused(pause.pause);
        change = true;
      }
      QueueSettings s = change ? client.updateSettings(queue, u) : client.queue(queue).settings();
      if (options.json) {
        Output.json(System.out, Output.settings(s));
        return 0;
      }
      new Output.Table("SETTING", "VALUE")
          .row("lease", Output.human(s.lease()))
          .row("max_attempts", s.maxAttempts())
          .row(
              "backoff",
              Output.human(s.backoff().initial())
                  + " x"
                  + s.backoff().multiplier()
                  + " up to "
                  + Output.human(s.backoff().max())
                  + " (±20% jitter)")
          .row("retention", Output.human(s.retention()))
          .row("paused", s.paused())
          .print(System.out);
      return 0;
    }
  }
}
