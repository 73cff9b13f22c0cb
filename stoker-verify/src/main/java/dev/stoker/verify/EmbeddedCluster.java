package dev.stoker.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded backend under test: one {@code stoker serve} on its own data directory. A kill is a
 * crash of the process (the data directory stays, as after a power cut of the process but not of
 * the disk); the restart comes back on the same port and data.
 */
final class EmbeddedCluster implements Cluster {
  private final Path data;
  private ServerProcess server;
  private int port;

  EmbeddedCluster(Path dir) throws IOException {
    this.data = Files.createDirectories(dir.resolve("data-0"));
  }

  @Override
  public void start() throws IOException {
    server = ServerProcess.start(data, 0);
    port = server.port();
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
