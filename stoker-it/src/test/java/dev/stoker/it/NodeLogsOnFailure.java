package dev.stoker.it;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a test of real nodes fails, keeps their logs ({@code *.log} in the test's {@code TempDir},
 * which JUnit deletes afterwards) and a verify run's history and summary under {@code
 * target/node-logs/CLASS.METHOD/}, and prints the last lines of each log, so a failure on CI can be
 * read from its output alone.
 */
final class NodeLogsOnFailure implements TestExecutionExceptionHandler {
  private static final int TAIL_LINES = 40;

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    try {
      Path root = tempDir(context.getRequiredTestInstance());
      if (root != null) {
        keep(root, context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName());
      }
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    throw failure;
  }

  private static Path tempDir(Object test) throws IllegalAccessException {
    for (Field f : test.getClass().getDeclaredFields()) {
      if (f.isAnnotationPresent(TempDir.class) && f.getType() == Path.class) {
        f.setAccessible(true);
        return (Path) f.get(test);
      }
    }
    return null;
  }

  private static void keep(Path root, String name) throws IOException {
    Path kept = Path.of("target", "node-logs", name.replaceAll("[^A-Za-z0-9._-]", "_"));
    Files.createDirectories(kept);
    List<Path> logs;
    try (Stream<Path> files = Files.list(root)) {
      logs = files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
    for (String file : new String[] {"history.jsonl", "summary.txt"}) {
      if (Files.exists(root.resolve(file))) {
        Files.copy(root.resolve(file), kept.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    for (Path log : logs) {
      Files.copy(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      List<String> lines = Files.readAllLines(log);
      System.out.printf(
          "---- last %d of %d lines of %s (all of it in %s)%n",
          Math.min(TAIL_LINES, lines.size()),
          lines.size(),
          log.getFileName(),
          kept.toAbsolutePath());
      lines
          .subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())
          .forEach(System.out::println);
    }
  }
}
