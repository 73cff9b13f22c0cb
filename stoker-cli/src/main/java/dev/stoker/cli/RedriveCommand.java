package dev.stoker.cli;

import dev.stoker.client.StokerClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stoker redrive QUEUE}: dead tasks back to pending. */
@Command(
    name = "redrive",
    mixinStandardHelpOptions = true,
    description = "Moves dead tasks of a queue back to pending, with their attempts reset.")
final class RedriveCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "QUEUE", description = "The queue.")
  String queue;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      description = "At most this many (1-100000). Default: ${DEFAULT-VALUE}")
  int limit;

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      int moved = client.redrive(queue, limit);
      if (options.json) {
        Output.json(System.out, Output.JSON.createObjectNode().put("moved", moved));
      } else {
        System.out.println(
            "redrove " + moved + " dead task" + (moved == 1 ? "" : "s") + " of " + queue);
      }
      return 0;
    }
  }
}
