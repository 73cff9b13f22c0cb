package dev.stoker.cli;

import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code stoker get ID}: one task. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Shows one task.")
final class GetCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "ID", description = "The task's id.")
  String id;

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      Task t = client.task(id).orElse(null);
      if (t == null) {
        System.err.println("stoker: no task " + id);
        return 1;
      }
      if (options.json) {
        Output.json(System.out, Output.task(t));
        return 0;
      }
      Output.Table table =
          new Output.Table("FIELD", "VALUE")
              .row("id", t.id())
              .row("queue", t.queue())
              .row("name", t.name())
              .row("state", Output.state(t))
              .row("params", t.params())
              .row("priority", t.priority())
              .row("run_at", t.runAt())
              .row("attempt", t.attempt() + " of " + t.maxAttempts());
      if (t.uniqueKey() != null) {
        table.row("unique_key", t.uniqueKey());
      }
      if (t.lease() != null) {
        table.row("lease", t.lease().owner() + " until " + t.lease().expiresAt());
      }
      if (t.result() != null) {
        table.row("result", t.result());
      }
      if (t.lastError() != null) {
        table.row("last_error", t.lastError());
      }
      table.row("created_at", t.createdAt()).row("updated_at", t.updatedAt()).print(System.out);
      return 0;
    }
  }
}
