package dev.stoker.cli;

import dev.stoker.client.StokerClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code stoker retry ID}. */
@Command(
    name = "retry",
    mixinStandardHelpOptions = true,
    description =
        "Retries one dead or cancelled task: pending again, attempts reset. The queue's other dead"
            + " tasks stay dead.")
final class RetryCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "ID", description = "The task's id.")
  String id;

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      Output.changed(options, "retried", client.retry(id));
      return 0;
    }
  }
}
