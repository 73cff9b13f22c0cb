package dev.stoker.it;

import dev.stoker.verify.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real {@code stoker serve} process on a free loopback port, started from this JVM's classpath
 * (the launcher is {@code stoker verify}'s {@link ServerProcess}). Killed for real: {@link #kill()}
 * is SIGKILL, {@link #stop} is SIGTERM.
 */
final class StokerProcess implements AutoCloseable {
  private final ServerProcess process;

  private StokerProcess(ServerProcess process) {
    this.process = process;
  }

  static StokerProcess start(Path data, String... extraArgs) throws IOException {
    return start(data, 0, extraArgs);
  }

  /** A server on {@code port} (0: a free one), e.g. to restart one where its clients expect it. */
  static StokerProcess start(Path data, int port, String... extraArgs) throws IOException {
    return new StokerProcess(ServerProcess.start(data, port, extraArgs));
  }

  /** A server on the PostgreSQL store: {@code pgUrl} (JDBC) and the schema of its tables. */
  static StokerProcess startOnPostgres(String pgUrl, String schema, String... extraArgs)
      throws IOException {
    return new StokerProcess(
        ServerProcess.start(
            List.of("--store", "postgres", "--pg-url", pgUrl, "--pg-schema", schema),
            0,
            extraArgs));
  }

  /** A server on the etcd store: the cluster's client URLs (comma-separated) and the key prefix. */
  static StokerProcess startOnEtcd(String endpoints, String prefix, String... extraArgs)
      throws IOException {
    return new StokerProcess(
        ServerProcess.start(
            List.of("--store", "etcd", "--etcd", endpoints, "--etcd-prefix", prefix),
            0,
            extraArgs));
  }

  int port() {
    return process.port();
  }

  String url() {
    return process.url();
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() throws InterruptedException {
    process.kill();
  }

  /** SIGTERM; returns the exit code once the process is gone. */
  int stop(Duration within) throws InterruptedException {
    return process.stop(within);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
