package dev.stoker.cli;

import dev.stoker.client.QueueCounts;
import dev.stoker.client.QueueInfo;
import dev.stoker.client.StokerClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code stoker queues}: every queue with its counts. */
@Command(
    name = "queues",
    mixinStandardHelpOptions = true,
    description = "Lists the queues with their counts.")
final class QueuesCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      List<QueueInfo> queues = client.queues();
      if (options.json) {
        var array = Output.JSON.createArrayNode();
        queues.forEach(q -> array.add(Output.queue(q)));
        Output.json(System.out, Output.JSON.createObjectNode().set("queues", array));
        return 0;
      }
      Output.Table table =
          new Output.Table(
              "QUEUE", "PENDING", "SCHEDULED", "WORKING", "DONE", "DEAD", "CANCELLED", "PAUSED");
      for (QueueInfo q : queues) {
        QueueCounts c = q.counts();
        table.row(
            q.name(),
            c.pending(),
            c.scheduled(),
            c.working(),
            c.done(),
            c.dead(),
            c.cancelled(),
            q.paused() ? "yes" : "");
      }
      table.print(System.out);
      return 0;
    }
  }
}
