package dev.stoker.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real, throwaway PostgreSQL server for tests, started with the repository's {@code bin/pg-temp}
 * (which installs Debian's postgresql when none is installed). One server per JVM ({@link
 * #shared()}), stopped and deleted when the JVM exits; each test takes a fresh schema ({@link
 * #freshSchema()}) so tests are isolated without paying for a server each. Tests that crash the
 * database start their own ({@link #start()}).
 */
public final class PgTemp implements AutoCloseable {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static PgTemp shared;

  private final Path dir;
  private final int port;
  private final String url;

  private PgTemp(Path dir, int port, String url) {
    this.dir = dir;
    this.port = port;
    this.url = url;
  }

  /** The JVM's shared server, started on first use. */
  public static synchronized PgTemp shared() {
    if (shared == null) {
      PgTemp pg = start();
      Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "pg-temp-stop"));
      shared = pg;
    }
    return shared;
  }

  /** A new server of its own, in a new directory under /tmp; close it to stop and delete it. */
  public static PgTemp start() {
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "stoker-pg-");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      String url = pgTemp("start", dir.resolve("db").toString()).strip();
      int port = Integer.parseInt(url.replaceAll(".*127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
      return new PgTemp(dir, port, url);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JDBC URL of database {@code stoker} as user {@code stoker}. */
  public String url() {
    return url;
  }

  public int port() {
    return port;
  }

  /** A schema name no test has used yet. */
  public static String freshSchema() {
    return "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
  }

  /** Kills the server with SIGKILL, as a crash would. */
  public void kill() {
    pgTemp("kill", dir.resolve("db").toString());
  }

  /** Starts the server again on the same port and directory (after {@link #kill} or a stop). */
  public void restart() {
    pgTemp("start", dir.resolve("db").toString(), Integer.toString(port));
  }

  /** Runs one SQL statement outside any transaction. */
  public void execute(String sql) {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      pgTemp("stop", dir.resolve("db").toString());
    } catch (RuntimeException e) {
      // already down
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it is under /tmp
    }
  }

  private static String pgTemp(String... args) {
    Path script = RepoScript.find("pg-temp");
    String[] cmd = new String[args.length + 1];
    cmd[0] = script.toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "bin/pg-temp " + String.join(" ", args) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
