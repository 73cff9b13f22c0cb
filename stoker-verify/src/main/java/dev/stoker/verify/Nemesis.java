package dev.stoker.verify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Injects faults on a seeded schedule until stopped: after a quiet time drawn around the mean
 * interval, one fault on a random node — a SIGKILL and a restart 0.5–3 s later, or a SIGSTOP of 0.3
 * s up to three leases (a third of the pauses outlast the lease) then SIGCONT, or (backends with a
 * database) a SIGKILL of the database (for etcd: of one member) and a restart 0.5–3 s later, or a
 * power cut (a SIGKILL that also loses the unsynced writes, half of the time leaving torn tails)
 * and a restart 0.5–3 s later, or (the AP cluster) a partition of a random minority healed 0.3 s up
 * to three steal delays later, or a restart with a skewed clock and back. Each fault is recorded as
 * an operation spanning its window. The choices come from the seed; when they happen depends on the
 * machine, so a run is repeatable in its schedule, not to the millisecond.
 */
final class Nemesis implements Runnable {
  /** The item of a database kill in the history (a server's kill names {@code node-I}). */
  static final String DATABASE = "database";

  /** Whether {@code op} is a fault on the database rather than on a server. */
  static boolean isDatabaseKill(Op op) {
    return op.f() == Op.Fn.KILL && op.items().stream().anyMatch(i -> DATABASE.equals(i.value()));
  }

  /** How a skew window's note begins: {@code clock +1200 ms for ...}. */
  private static final Pattern OFFSET = Pattern.compile("^clock ([+-]\\d+) ms");

  /** The clock offset a {@link Op.Fn#SKEW} window ran its node with. */
  static long clockOffsetMs(Op skew) {
    Matcher m = OFFSET.matcher(skew.error() == null ? "" : skew.error());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private final Cluster cluster;
  private final List<Fault> faults;
  private final Workload w;
  private final RandomGenerator random;
  private final long meanIntervalMs;
  private volatile boolean running = true;
  private volatile Exception failure;

  Nemesis(
      Cluster cluster,
      List<Fault> faults,
      Workload w,
      RandomGenerator random,
      long meanIntervalMs) {
    this.cluster = cluster;
    this.faults = new ArrayList<>(faults);
    this.w = w;
    this.random = random;
    this.meanIntervalMs = meanIntervalMs;
  }

  /** Stops after the fault in progress, which always ends with every node up and running. */
  void stop() {
    running = false;
  }

  /** Why the fault injector gave up (a server that would not come back), or null. */
  Exception failure() {
    return failure;
  }

  @Override
  public void run() {
    if (faults.isEmpty()) {
      return;
    }
    try {
      while (running) {
        sleepWhileRunning(meanIntervalMs / 2 + random.nextLong(meanIntervalMs + 1));
        if (!running) {
          return;
        }
        Fault fault = faults.get(random.nextInt(faults.size()));
        int node = random.nextInt(cluster.urls().size());
        switch (fault) {
          case KILL -> kill(node);
          case PAUSE -> pause(node);
          case DB_KILL, ETCD_KILL -> killDatabase();
          case POWER -> powerCut(node);
          case PARTITION -> partition();
          case SKEW -> skew(node);
          default -> throw new IllegalStateException("no injector for " + fault);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
  }

  private void kill(int node) throws IOException, InterruptedException {
    crash(
        Op.Fn.KILL,
        "node-" + node,
        () -> {
          cluster.kill(node);
          return "";
        },
        () -> cluster.restart(node));
  }

  private void powerCut(int node) throws IOException, InterruptedException {
    boolean tear = random.nextBoolean();
    crash(
        Op.Fn.POWER,
        "node-" + node,
        () -> cluster.powerCut(node, tear) + "; ",
        () -> cluster.restart(node));
  }

  /**
   * Recorded as a kill of {@link #DATABASE}, so the checker and the summary tell it from a
   * server's.
   */
  private void killDatabase() throws IOException, InterruptedException {
    crash(
        Op.Fn.KILL,
        DATABASE,
        () -> {
          cluster.killDatabase();
          return "";
        },
        cluster::restartDatabase);
  }

  /** A step of a fault; restarting may fail (a port not free yet) and is tried three times. */
  private interface Step {
    void run() throws IOException, InterruptedException;
  }

  /** The crash of a fault, which says what it did (a prefix of the history's note). */
  private interface Crash {
    String run() throws IOException, InterruptedException;
  }

  private void crash(Op.Fn f, String what, Crash kill, Step restart)
      throws IOException, InterruptedException {
    long downMs = 500 + random.nextLong(2_501);
    long t0 = w.history.now();
    String note = kill.run();
    Thread.sleep(downMs);
    restartOrGiveUp(restart, f, what, t0, note + "down " + downMs + " ms");
    w.event(
        "nemesis", f, t0, List.of(Op.Item.of(what)), note + "down " + downMs + " ms, restarted");
  }

  /**
   * Runs {@code restart}, up to three times; if it never succeeds, records the fault as such and
   * throws.
   */
  private void restartOrGiveUp(Step restart, Op.Fn f, String what, long t0, String note)
      throws IOException, InterruptedException {
    Exception last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        restart.run();
        return;
      } catch (IOException | RuntimeException e) {
        last = e;
      }
    }
    w.event(
        "nemesis",
        f,
        t0,
        List.of(Op.Item.of(what)),
        note + ", did not restart: " + last.getMessage());
    if (last instanceof IOException io) {
      throw io;
    }
    throw (RuntimeException) last;
  }

  /**
   * Cuts a random minority of the nodes off from the others (every link between the two sides, both
   * ways) for 0.3 s up to three steal delays — half of the cuts outlast the steal delay, so the
   * other side steals the cut nodes' tasks — then heals.
   */
  private void partition() throws InterruptedException {
    int n = cluster.urls().size();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    List<Integer> side =
        List.copyOf(order.subList(0, 1 + random.nextInt(Math.max(1, (n - 1) / 2))));
    List<Integer> rest = order.subList(side.size(), n).stream().sorted().toList();
    long steal = ApCluster.STEAL_DELAY_MS;
    long ms =
        random.nextBoolean()
            ? 300 + random.nextLong(steal - 500)
            : steal + 500 + random.nextLong(2 * steal);
    long t0 = w.history.now();
    cluster.partition(side);
    try {
      Thread.sleep(ms);
    } finally {
      cluster.heal();
      w.event(
          "nemesis",
          Op.Fn.PARTITION,
          t0,
          side.stream().sorted().map(i -> Op.Item.of("node-" + i)).toList(),
          "cut off from " + rest.stream().map(i -> "node-" + i).toList() + " for " + ms + " ms");
    }
  }

  /**
   * Restarts a node with its clock offset (a third of the time beyond {@code max_offset}: ±1–3 s,
   * else ±50–400 ms), keeps it so for 2–6 s, then restarts it with the true clock. Recorded as one
   * window, whose note says the offset ({@link #clockOffsetMs(Op)}).
   */
  private void skew(int node) throws IOException, InterruptedException {
    long magnitude =
        random.nextInt(3) == 0 ? 1_000 + random.nextLong(2_001) : 50 + random.nextLong(351);
    long offset = random.nextBoolean() ? magnitude : -magnitude;
    long holdMs = 2_000 + random.nextLong(4_001);
    String what = "node-" + node;
    String note = String.format("clock %+d ms for %d ms", offset, holdMs);
    long t0 = w.history.now();
    cluster.kill(node);
    restartOrGiveUp(() -> cluster.restartSkewed(node, offset), Op.Fn.SKEW, what, t0, note);
    Thread.sleep(holdMs);
    cluster.kill(node);
    restartOrGiveUp(() -> cluster.restart(node), Op.Fn.SKEW, what, t0, note);
    w.event(
        "nemesis", Op.Fn.SKEW, t0, List.of(Op.Item.of(what)), note + ", then the true clock again");
  }

  private void pause(int node) throws IOException, InterruptedException {
    long lease = w.leaseMs;
    long ms =
        random.nextInt(3) == 0
            ? lease + 300 + random.nextLong(2 * lease)
            : 300 + random.nextLong(lease);
    long t0 = w.history.now();
    cluster.pause(node);
    try {
      Thread.sleep(ms);
    } finally {
      cluster.resume(node);
      w.event(
          "nemesis", Op.Fn.PAUSE, t0, List.of(Op.Item.of("node-" + node)), "stopped " + ms + " ms");
    }
  }

  private void sleepWhileRunning(long ms) throws InterruptedException {
    long until = System.nanoTime() + ms * 1_000_000L;
    while (running && System.nanoTime() < until) {
      Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000L)));
    }
  }
}
