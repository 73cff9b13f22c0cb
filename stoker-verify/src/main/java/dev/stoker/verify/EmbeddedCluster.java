package dev.stoker.verify;

import dev.stoker.testkit.PowerFs;
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
 * ({@code data-0} under {@code --out}, or for power faults the mount point of a {@link PowerFs}
 * over {@code power-0}, which drops what the server had not synced when the power is cut): a new
 * run deletes what an earlier run left there.
 */
final class EmbeddedCluster implements Cluster {
  private final Path plainData;
  private final Path powerDir;
  private final boolean power;
  private Path data;
  private boolean leftOver;
  private PowerFs powerFs;
  private ServerProcess server;
  private int port;

  EmbeddedCluster(Path dir, boolean power) {
    this.plainData = dir.resolve("data-0");
    this.powerDir = dir.resolve("power-0");
    this.power = power;
  }

  @Override
  public void start() throws IOException, InterruptedException {
    leftOver = deleteIfPresent(plainData) | deleteIfPresent(powerDir);
    if (power) {
      powerFs = PowerFs.mount(powerDir);
      data = powerFs.path();
    } else {
      data = Files.createDirectories(plainData);
    }
    server = ServerProcess.start(data, 0);
    port = server.port();
  }

  /**
   * Deletes {@code dir} and what it holds; returns whether it held anything (a run's leftovers).
   */
  static boolean deleteIfPresent(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return false;
    }
    boolean held;
    try (Stream<Path> entries = Files.list(dir)) {
      held = entries.findAny().isPresent();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    return held;
  }

  @Override
  public String data() {
    return "empty data in "
        + data
        + (leftOver ? " (an earlier run's data there was deleted first)" : "");
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
  public String powerCut(int i, boolean tear) throws IOException, InterruptedException {
    server.kill();
    return powerFs.cut(tear);
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
    if (powerFs != null) {
      try {
        powerFs.close();
      } catch (IOException e) {
        System.err.println("verify: could not unmount " + powerFs.path() + ": " + e.getMessage());
      }
    }
  }
}
