package dev.stoker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.client.ProblemException;
import dev.stoker.client.StokerClient;
import dev.stoker.client.Task;
import dev.stoker.client.TaskRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stoker put}: one task from flags, or many from JSON lines (a file or stdin) sent in
 * batches. A bad line stops the command before its batch is sent, naming the line.
 */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Enqueues tasks.",
      "One task when NAME is given; otherwise JSON lines from --file or stdin. Each line is a task as the API takes it: {\"name\": …, \"params\": …, \"priority\": …, \"delay_ms\": …,",
      "\"run_at\": …, \"unique_key\": …, \"max_attempts\": …}. Lines go in batches, each all or nothing."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  stoker put emails send_welcome --params '{\"to\": \"ada@example.com\"}' --priority 5",
      "  stoker put reports monthly --delay 1h --unique report-2026-11",
      "  stoker put emails --file tasks.jsonl",
      "  generate-tasks | stoker put emails"
    })
final class PutCommand implements Callable<Integer> {
  private static final Pattern AT_INDEX = Pattern.compile("^tasks\\[(\\d+)]\\.?(.*)$");

  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue.")
  String queue;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "NAME",
      description = "The task's name (one task).")
  String name;

  @Option(
      names = "--params",
      paramLabel = "JSON",
      description = "The task's params, any JSON value.")
  String params;

  @Option(names = "--priority", paramLabel = "N", description = "Higher runs first. Default: 0")
  Integer priority;

  @Option(
      names = "--delay",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Not claimable before this delay, e.g. 30s, 5m.")
  Duration delay;

  @Option(
      names = "--run-at",
      paramLabel = "TIME",
      description = "Not claimable before this RFC 3339 time.")
  String runAt;

  @Option(
      names = "--unique",
      paramLabel = "KEY",
      description = "Deduplicate while a task with this key is live.")
  String unique;

  @Option(
      names = "--max-attempts",
      paramLabel = "N",
      description = "Attempts before the task is dead.")
  Integer maxAttempts;

  @Option(
      names = "--file",
      paramLabel = "FILE",
      description = "Read JSON lines from FILE ('-' is stdin).")
  String file;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Tasks per request (1-1000). Default: ${DEFAULT-VALUE}")
  int batchSize;

  @Override
  public Integer call() throws IOException {
    try (StokerClient client = options.client()) {
      return name != null ? putOne(client) : putLines(client);
    }
  }

  private int putOne(StokerClient client) {
    if (file != null) {
      throw new Usage("give NAME for one task, or --file for JSON lines, not both");
    }
    TaskRequest r = TaskRequest.of(name);
    if (params != null) {
      r = r.paramsJson(checkedJson(params, "--params"));
    }
    if (priority != null) {
      r = r.priority(priority);
    }
    if (delay != null && runAt != null) {
      throw new Usage("give --delay or --run-at, not both");
    }
    if (delay != null) {
      r = r.delay(delay);
    }
    if (runAt != null) {
      r = r.runAt(instant(runAt, "--run-at"));
    }
    if (unique != null) {
      r = r.uniqueKey(unique);
    }
    if (maxAttempts != null) {
      r = r.maxAttempts(maxAttempts);
    }
    Task t = client.enqueue(queue, r);
    if (options.json) {
      Output.json(System.out, Output.task(t));
    } else {
      System.out.println(
          (t.duplicate() ? "duplicate of " : "enqueued ") + t.id() + " (" + t.name() + ")");
    }
    return 0;
  }

  private int putLines(StokerClient client) throws IOException {
    if (params != null
        || priority != null
        || delay != null
        || runAt != null
        || unique != null
        || maxAttempts != null) {
      throw new Usage(
          "task flags (--params, --priority, …) go with NAME; JSON lines carry their own fields");
    }
    if (batchSize < 1 || batchSize > 1000) {
      throw new Usage("--batch-size must be 1-1000, was " + batchSize);
    }
    boolean fromStdin = file == null || file.equals("-");
    long totalBytes = fromStdin ? -1 : Files.size(Path.of(file));
    InputStream in = fromStdin ? System.in : Files.newInputStream(Path.of(file));
    Progress progress = Progress.forTerminal(totalBytes);
    long sent = 0;
    long duplicates = 0;
    long start = System.nanoTime();
    try (Lines lines =
        new Lines(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))) {
      while (true) {
        List<TaskRequest> batch = new ArrayList<>(batchSize);
        List<Long> lineNumbers = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && lines.hasNext()) {
          String line = lines.next();
          if (line.isBlank()) {
            continue;
          }
          try {
            batch.add(TaskLine.parse(line));
          } catch (TaskLine.BadLine e) {
            progress.clear();
            System.err.printf("stoker: line %d: %s%n", lines.number(), e.getMessage());
            System.err.printf(
                "stoker: sent %d task%s from the lines before its batch; nothing from line %d on%n",
                sent,
                sent == 1 ? "" : "s",
                lineNumbers.isEmpty() ? lines.number() : lineNumbers.get(0));
            return 1;
          }
          lineNumbers.add(lines.number());
        }
        if (batch.isEmpty()) {
          break;
        }
        try {
          for (Task t : client.enqueueAll(queue, batch)) {
            if (t.duplicate()) {
              duplicates++;
            }
            if (options.json) {
              Output.json(System.out, Output.task(t));
            }
          }
        } catch (ProblemException e) {
          progress.clear();
          System.err.println("stoker: " + located(e, lineNumbers));
          System.err.printf(
              "stoker: sent %d task%s before that batch; none of it (lines %d-%d)%n",
              sent,
              sent == 1 ? "" : "s",
              lineNumbers.get(0),
              lineNumbers.get(lineNumbers.size() - 1));
          return 1;
        }
        sent += batch.size();
        progress.update(sent, lines.bytesRead());
      }
    }
    progress.clear();
    double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    System.err.printf(
        "enqueued %d task%s into %s in %.1f s (%.0f/s)%s%n",
        sent,
        sent == 1 ? "" : "s",
        queue,
        seconds,
        sent / seconds,
        duplicates > 0 ? ", " + duplicates + " of them duplicates of live tasks" : "");
    return 0;
  }

  /** The problem's message, with {@code tasks[i]} turned into the line it came from. */
  private static String located(ProblemException e, List<Long> lineNumbers) {
    Matcher m = e.field() == null ? null : AT_INDEX.matcher(e.field());
    if (m != null && m.matches()) {
      int i = Integer.parseInt(m.group(1));
      if (i < lineNumbers.size()) {
        String detail =
            e.detail().replace(e.field(), m.group(2).isEmpty() ? "the task" : m.group(2));
        return "line " + lineNumbers.get(i) + ": " + detail;
      }
    }
    return e.detail();
  }

  private static String checkedJson(String text, String flag) {
    try {
      Output.JSON.readTree(text);
      return text;
    } catch (JsonProcessingException e) {
      throw new Usage(flag + " is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static Instant instant(String text, String flag) {
    try {
      return java.time.OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new Usage(
          flag + " must be an RFC 3339 time like 2026-01-31T12:00:00Z, was '" + text + "'");
    }
  }

  /** A wrong combination of arguments: exit code 2, like picocli's own usage errors. */
  static final class Usage extends RuntimeException {
    Usage(String message) {
      super(message);
    }
  }

  /** Lines with their numbers and the bytes read so far. */
  private static final class Lines implements Iterator<String>, AutoCloseable {
    private final BufferedReader reader;
    private String next;
    private long number;
    private long bytes;

    Lines(BufferedReader reader) throws IOException {
      this.reader = reader;
      this.next = reader.readLine();
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public String next() {
      String line = next;
      number++;
      bytes += line.length() + 1;
      try {
        next = reader.readLine();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return line;
    }

    long number() {
      return number;
    }

    long bytesRead() {
      return bytes;
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** Reads one JSON line into a task request, checking its fields the way the server does. */
  static final class TaskLine {
    static final class BadLine extends Exception {
      BadLine(String message) {
        super(message);
      }
    }

    static TaskRequest parse(String line) throws BadLine {
      JsonNode n;
      try {
        n = Output.JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new BadLine("not valid JSON: " + e.getOriginalMessage());
      }
      if (n == null || !n.isObject()) {
        throw new BadLine("expected a JSON object, one task per line");
      }
      JsonNode nameNode = n.get("name");
      if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isEmpty()) {
        throw new BadLine("name is required: a non-empty string");
      }
      TaskRequest r = TaskRequest.of(nameNode.asText());
      for (var it = n.fields(); it.hasNext(); ) {
        var f = it.next();
        JsonNode v = f.getValue();
        switch (f.getKey()) {
          case "name" -> {}
          case "params" -> r = r.paramsJson(v.toString());
          case "priority" ->
              r = r.priority((int) integer(v, "priority", Integer.MIN_VALUE, Integer.MAX_VALUE));
          case "delay_ms" ->
              r = r.delay(Duration.ofMillis(integer(v, "delay_ms", 0, Long.MAX_VALUE)));
          case "run_at" -> {
            if (!v.isTextual()) {
              throw new BadLine("run_at must be an RFC 3339 time string");
            }
            try {
              r = r.runAt(java.time.OffsetDateTime.parse(v.asText()).toInstant());
            } catch (DateTimeParseException e) {
              throw new BadLine(
                  "run_at must be an RFC 3339 time like 2026-01-31T12:00:00Z, was '"
                      + v.asText()
                      + "'");
            }
          }
          case "unique_key" -> {
            if (!v.isTextual()) {
              throw new BadLine("unique_key must be a string");
            }
            r = r.uniqueKey(v.asText());
          }
          case "max_attempts" -> r = r.maxAttempts((int) integer(v, "max_attempts", 1, 1000));
          default -> throw new BadLine("unknown field '" + f.getKey() + "'");
        }
      }
      if (n.has("delay_ms") && n.has("run_at")) {
        throw new BadLine("give either run_at or delay_ms, not both");
      }
      return r;
    }

    private static long integer(JsonNode v, String field, long min, long max) throws BadLine {
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
        throw new BadLine(field + " must be an integer between " + min + " and " + max);
      }
      return v.asLong();
    }
  }
}
