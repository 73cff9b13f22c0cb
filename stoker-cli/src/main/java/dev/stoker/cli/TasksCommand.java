package dev.stoker.cli;

import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskPage;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskState;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stoker tasks QUEUE}: a page of a queue's tasks, or all of them. */
@Command(
    name = "tasks",
    mixinStandardHelpOptions = true,
    description = "Lists a queue's tasks in id order.")
final class TasksCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  @Parameters(paramLabel = "QUEUE", description = "The queue.")
  String queue;

  @Option(
      names = "--state",
      paramLabel = "STATE",
      description = "Only tasks in this state: ${COMPLETION-CANDIDATES}.")
  TaskState state;

  @Option(names = "--name", paramLabel = "NAME", description = "Only tasks with this name.")
  String name;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "50",
      description = "Tasks per page (1-1000). Default: ${DEFAULT-VALUE}")
  int limit;

  @Option(
      names = "--cursor",
      paramLabel = "CURSOR",
      description = "Start after this cursor (printed after a page).")
  String cursor;

  @Option(names = "--all", description = "Follow the cursors and print every matching task.")
  boolean all;

  @Override
  public Integer call() {
    try (StokerClient client = options.client()) {
      TaskQuery query = TaskQuery.create().limit(limit);
      if (state != null) {
        query = query.state(state);
      }
      if (name != null) {
        query = query.name(name);
      }
      if (cursor != null) {
        query = query.cursor(cursor);
      }
      if (all) {
        Output.Table table = options.json ? null : header();
        client
            .allTasks(queue, query)
            .forEach(
                t -> {
                  if (table == null) {
                    Output.json(System.out, Output.task(t));
                  } else {
                    row(table, t);
                  }
                });
        if (table != null) {
          table.print(System.out);
        }
        return 0;
      }
      TaskPage page = client.tasks(queue, query);
      if (options.json) {
        var array = Output.JSON.createArrayNode();
        page.tasks().forEach(t -> array.add(Output.task(t)));
        var doc = Output.JSON.createObjectNode().set("tasks", array);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc)
            .put("next_cursor", page.nextCursor());
        Output.json(System.out, doc);
        return 0;
      }
      Output.Table table = header();
      List<Task> tasks = page.tasks();
      tasks.forEach(t -> row(table, t));
      table.print(System.out);
      if (page.nextCursor() != null) {
        System.out.println("more: --cursor " + page.nextCursor());
      }
      return 0;
    }
  }

  private static Output.Table header() {
    return new Output.Table("ID", "NAME", "STATE", "PRIORITY", "ATTEMPT", "RUN_AT", "LAST_ERROR");
  }

  private static void row(Output.Table table, Task t) {
    String error =
        t.lastError() == null
            ? null
            : t.lastError().length() > 40 ? t.lastError().substring(0, 39) + "…" : t.lastError();
    table.row(
        t.id(),
        t.name(),
        Output.state(t),
        t.priority(),
        t.attempt() + "/" + t.maxAttempts(),
        t.runAt(),
        error);
  }
}
