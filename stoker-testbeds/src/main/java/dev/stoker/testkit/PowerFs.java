package dev.stoker.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A filesystem that loses, on command, every write not yet made durable, as a power cut loses the
 * page cache: the repository's {@code bin/powerfs} (FUSE; built on first use, installing Debian's
 * fuse3 when missing) mounted on {@link #path()}, over a backing directory beside it. A program
 * whose data lives under {@link #path()} is killed, then {@link #cut()} drops what it had not
 * fsync'd (file contents) or whose directory it had not fsync'd (new, renamed and removed entries);
 * what it finds when it starts again is what a disk would hold after the power came back.
 * docs/reliability.md ("The power fault") says what is modelled and what is not.
 */
public final class PowerFs implements AutoCloseable {
  private final Path mount;
  private final Process daemon;

  private PowerFs(Path mount, Process daemon) {
    this.mount = mount;
    this.daemon = daemon;
  }

  /**
   * Mounts a new powerfs on {@code dir/mnt}, backed by {@code dir/backing}; close it to unmount.
   */
  public static PowerFs mount(Path dir) throws IOException, InterruptedException {
    Path script = RepoScript.find("powerfs");
    run(600, script.toString(), "build");
    Path backing = Files.createDirectories(dir.resolve("backing")).toAbsolutePath();
    Path mount = Files.createDirectories(dir.resolve("mnt")).toAbsolutePath();
    // --watch-stdin: the filesystem unmounts itself when this JVM dies and its stdin closes.
    Process p =
        new ProcessBuilder(script.toString(), "--watch-stdin", backing.toString(), mount.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("powerfs.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!mounted(mount)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException(
            "powerfs did not mount on "
                + mount
                + ": "
                + Files.readString(dir.resolve("powerfs.log")).strip());
      }
      Thread.sleep(20);
    }
    return new PowerFs(mount, p);
  }

  private static boolean mounted(Path mount) throws IOException {
    String line = " " + mount + " fuse.powerfs ";
    return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(line));
  }

  /** The mount point: put the data under test here. */
  public Path path() {
    return mount;
  }

  /**
   * The power cut: every write not fsync'd, and every entry change whose directory was not fsync'd,
   * is undone. Call it once the program writing here is dead (its last writes would otherwise carry
   * on onto the "restarted" disk).
   */
  public void cut() throws IOException {
    Files.writeString(mount.resolve(".powerfs"), "cut");
  }

  /**
   * As {@link #cut()}, except that a file whose unsynced changes are only appends keeps a random
   * prefix of them.
   */
  public void tear() throws IOException {
    Files.writeString(mount.resolve(".powerfs"), "tear");
  }

  /**
   * {@link #tear()} when {@code tear}, else {@link #cut()}; returns what it dropped, in words (for
   * a fault injector's history).
   */
  public String cut(boolean tear) throws IOException {
    Map<String, Long> before = counters();
    if (tear) {
      tear();
    } else {
      cut();
    }
    Map<String, Long> after = counters();
    return String.format(
        "%s: dropped %d unsynced writes (%d bytes), %d directory entries%s",
        tear ? "torn" : "cut",
        after.get("dropped_writes") - before.get("dropped_writes"),
        after.get("dropped_bytes") - before.get("dropped_bytes"),
        after.get("dropped_entries") - before.get("dropped_entries"),
        after.get("torn_files") > before.get("torn_files") ? ", tails torn" : "");
  }

  /**
   * The filesystem's counters: {@code cuts}, {@code dropped_writes}, {@code dropped_bytes}, {@code
   * dropped_entries}, {@code torn_files}, and {@code unsynced_files}, {@code unsynced_entries} (not
   * durable right now).
   */
  public Map<String, Long> counters() throws IOException {
    Map<String, Long> counters = new LinkedHashMap<>();
    for (String line : Files.readAllLines(mount.resolve(".powerfs"))) {
      String[] kv = line.split(" ");
      counters.put(kv[0], Long.parseLong(kv[1]));
    }
    return counters;
  }

  /** Unmounts (lazily if something still has a file open) and ends the filesystem's process. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (mounted(mount)) {
        try {
          run(30, "fusermount3", "-u", mount.toString());
        } catch (IOException busy) {
          run(30, "fusermount3", "-uz", mount.toString());
        }
      }
    } finally {
      daemon.getOutputStream().close();
      if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
      }
    }
  }

  private static void run(int seconds, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
    }
  }
}
