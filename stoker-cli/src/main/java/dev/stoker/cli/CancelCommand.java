package dev.stoker.cli;

import dev.stoker.client.StokerClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code stoker cancel ID}. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = "Cancels a pending or working task.")
final class CancelCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "ID", description = "The task's id.")
  String id;

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      Output.changed(options, "cancelled", client.cancel(id));
      return 0;
    }
  }
}
