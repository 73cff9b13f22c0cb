package dev.stoker.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real etcd cluster for tests, started with the repository's {@code bin/etcd-cluster} (which
 * installs Debian's etcd when missing): N members on free loopback ports, data in a directory under
 * /tmp, fsync and auto-compaction on. One 3-member cluster per JVM ({@link #shared()}), stopped and
 * deleted when the JVM exits; each test takes a fresh key prefix ({@link #freshPrefix()}). Tests
 * that kill members start their own ({@link #start(int)}).
 */
public final class EtcdTemp implements AutoCloseable {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static EtcdTemp shared;

  private final Path dir;
  private final String endpoints;
  private final Path tls;

  private EtcdTemp(Path dir, String endpoints, Path tls) {
    this.dir = dir;
    this.endpoints = endpoints;
    this.tls = tls;
  }

  /** The JVM's shared 3-member cluster, started on first use. */
  public static synchronized EtcdTemp shared() {
    if (shared == null) {
      EtcdTemp c = start(3);
      Runtime.getRuntime().addShutdownHook(new Thread(c::close, "etcd-cluster-stop"));
      shared = c;
    }
    return shared;
  }

  /** A new cluster of its own; close it to stop and delete it. */
  public static EtcdTemp start(int members) {
    return start(members, "");
  }

  /** A new cluster whose members get {@code extraArgs} too (etcd flags, e.g. a small quota). */
  public static EtcdTemp start(int members, String extraArgs) {
    return start(members, Map.of("ETCD_EXTRA_ARGS", extraArgs));
  }

  /**
   * A new cluster on https:// client URLs that requires a client certificate: its throwaway CA and
   * certificates are in {@link #tlsDir()}.
   */
  public static EtcdTemp startTls(int members) {
    return start(members, Map.of("ETCD_TLS", "1"));
  }

  private static EtcdTemp start(int members, Map<String, String> env) {
    String out = run(env, "start", Integer.toString(members));
    String dir = null;
    String endpoints = null;
    String tls = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("ETCD_CLUSTER_DIR=")) {
        dir = line.substring("ETCD_CLUSTER_DIR=".length()).strip();
      } else if (line.startsWith("ETCD_ENDPOINTS=")) {
        endpoints = line.substring("ETCD_ENDPOINTS=".length()).strip();
      } else if (line.startsWith("ETCD_TLS_DIR=")) {
        tls = line.substring("ETCD_TLS_DIR=".length()).strip();
      }
    }
    if (dir == null || endpoints == null) {
      throw new IllegalStateException("bin/etcd-cluster start printed no cluster: " + out);
    }
    return new EtcdTemp(Path.of(dir), endpoints, tls == null ? null : Path.of(tls));
  }

  /**
   * With {@link #startTls}: the directory of {@code ca.pem}, {@code server.pem}, {@code client.pem}
   * and {@code client-key.pem} (PKCS#8); else null.
   */
  public Path tlsDir() {
    return tls;
  }

  /**
   * Turns etcd authentication on: a root user, and {@code user} with {@code password} and a role
   * that may read and write only the keys under {@code prefix}.
   */
  public void enableAuth(String user, String password, String prefix) {
    run("auth", user, password, prefix, dir.toString());
  }

  /** The members' client URLs, comma-separated (what {@code --etcd} takes). */
  public String endpoints() {
    return endpoints;
  }

  /** A key prefix no test of this JVM has used. */
  public static String freshPrefix() {
    return "/t" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet();
  }

  /** The index (1…N) of the current leader. */
  public int leader() {
    return Integer.parseInt(run("leader", dir.toString()).strip());
  }

  /** SIGKILLs member {@code i}, as a crash would, and waits until it is gone. */
  public void kill(int i) {
    run("kill", Integer.toString(i), "KILL", dir.toString());
  }

  /** Starts member {@code i} again on its ports and data. */
  public void restart(int i) {
    run("restart", Integer.toString(i), dir.toString());
  }

  public void waitHealthy() {
    run("wait-healthy", dir.toString());
  }

  @Override
  public void close() {
    try {
      run("stop", dir.toString());
    } catch (RuntimeException e) {
      // already gone
    }
  }

  private static String run(String... args) {
    return run(Map.of(), args);
  }

  private static String run(Map<String, String> env, String... args) {
    Path script = RepoScript.find("etcd-cluster");
    String[] cmd = new String[args.length + 1];
    cmd[0] = script.toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().putAll(env);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "bin/etcd-cluster " + String.join(" ", args) + " failed: " + out);
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
