package dev.stoker.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The embedded backend under test: one {@code stoker serve} on its own data directory. A kill is a
 * crash of the process (the data directory stays, as after a power cut of the process but not of
 * the disk); the restart comes back on the same port and data. The data directory is verify's own
 * ({@code data-0} under {@code --out}): a new run deletes what an earlier run left there.
 */
final class EmbeddedCluster implements Cluster {
  private final Path data;
  private boolean leftOver;
  private ServerProcess server;
  private int port;

  EmbeddedCluster(Path dir) {
    this.data = dir.resolve("data-0");
  }

  @Override
  public void start() throws IOException {
    if (Files.exists(data)) {
      try (Stream<Path> entries = Files.list(data)) {
        leftOver = entries.findAny().isPresent();
      }
      deleteTree(data);
    }
    Files.createDirectories(data);
    server = ServerProcess.start(data, 0);
    port = server.port();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Override
  public String data() {
    return "empty data in " + data + (leftOver ? " (an earlier run's data there was deleted first)" : "");
  }

  @Override
  public List<String> urls() {
    return List.of("http://127.0.0.1:" + port);
  }

  @Override
  public void kill(int i) throws InterruptedException {
    server.kill();
  }

  @Override
  public void restart(int i) throws IOException {
    server = ServerProcess.start(data, port);
  }

  @Override
  public void pause(int i) throws IOException, InterruptedException {
    server.pause();
  }

  @Override
  public void resume(int i) throws IOException, InterruptedException {
    server.resume();
  }

  /** The server's recent output, for the report when it would not restart. */
  String output() {
    return server == null ? "" : server.output();
  }

  @Override
  public void close() throws InterruptedException {
    if (server != null) {
      server.close();
    }
  }
}
