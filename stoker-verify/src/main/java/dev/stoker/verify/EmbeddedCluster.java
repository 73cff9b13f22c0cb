package dev.stoker.verify;

import dev.stoker.testkit.PowerFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The embedded backend under test: one {@code stoker serve} on its own data directory. A kill is a
 * crash of the process (the data directory stays, as after a power cut of the process but not of
 * the disk); the restart comes back on the same port and data. For power faults the data directory
 * is the mount point of a {@link PowerFs}, which drops what the server had not synced when the
 * power is cut.
 */
final class EmbeddedCluster implements Cluster {
  private final Path dir;
  private final boolean power;
  private Path data;
  private PowerFs powerFs;
  private ServerProcess server;
  private int port;

  EmbeddedCluster(Path dir, boolean power) throws IOException {
    this.dir = dir;
    this.power = power;
    this.data = Files.createDirectories(dir.resolve("data-0"));
  }

  @Override
  public void start() throws IOException, InterruptedException {
    if (power) {
      powerFs = PowerFs.mount(dir.resolve("power-0"));
      data = powerFs.path();
    }
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
  public String powerCut(int i, boolean tear) throws IOException, InterruptedException {
    server.kill();
    Map<String, Long> before = powerFs.counters();
    if (tear) {
      powerFs.tear();
    } else {
      powerFs.cut();
    }
    Map<String, Long> after = powerFs.counters();
    return String.format("%s: dropped %d unsynced writes (%d bytes), %d directory entries%s", tear ? "torn" : "cut",
        after.get("dropped_writes") - before.get("dropped_writes"),
        after.get("dropped_bytes") - before.get("dropped_bytes"),
        after.get("dropped_entries") - before.get("dropped_entries"),
        after.get("torn_files") > before.get("torn_files") ? ", tails torn" : "");
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
