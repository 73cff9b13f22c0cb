package dev.stoker.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stoker.testkit.LinkProxy;
import dev.stoker.testkit.PowerFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The AP cluster under test (docs/backends/cluster.md): {@link #NODES} {@code stoker serve
 * --cluster} processes, each on its own data directory ({@code cluster-N} under {@code --out}),
 * node ids 1..N for indexes 0..N-1. Every node reaches every peer through a {@link LinkProxy} of
 * its own per direction, so a partition cuts those proxies; clients reach the nodes directly, so
 * both sides of a partition keep serving them. Test timings: {@code steal_delay} {@value
 * #STEAL_DELAY_MS} ms, {@code max_offset} {@value #MAX_OFFSET_MS} ms. A skewed node is restarted
 * with the test-only JVM property {@value #CLOCK_OFFSET}, which offsets the clock it stamps HLCs
 * and judges leases with. For power cuts ({@link Fault#POWER}) each node's data is the mount point
 * of a {@link PowerFs} of its own ({@code power-N/mnt}), which drops what that node had not synced
 * when its power is cut.
 */
public final class ApCluster implements Cluster {
  static final int NODES = 3;
  static final long STEAL_DELAY_MS = 2_000;

  /** The longest a restarted or resumed node is waited for to catch up (see awaitCaughtUp). */
  static final Duration CATCH_UP = Duration.ofSeconds(60);

  private static final Duration VECTOR_READ = Duration.ofSeconds(2);
  static final long MAX_OFFSET_MS = 500;
  static final String CLOCK_OFFSET = "stoker.test.clock-offset-ms";

  private final Path dir;
  private final List<String> jvmOptions;
  private final boolean power;
  private final PowerFs[] powerFs = new PowerFs[NODES];
  private final Path[] data = new Path[NODES];

  /** proxies[from][to]: how node {@code from} reaches node {@code to}. */
  private final LinkProxy[][] proxies = new LinkProxy[NODES][NODES];

  private final ServerProcess[] nodes = new ServerProcess[NODES];
  private final int[] ports = new int[NODES];
  private boolean leftOver;

  /**
   * Nodes in JVMs that start fast ({@link ServerProcess#FAST_RESTART}), as verify restarts them.
   */
  ApCluster(Path dir, boolean power) {
    this(dir, ServerProcess.FAST_RESTART, power);
  }

  /** Nodes in JVMs with these options (a benchmark wants {@link ServerProcess#AS_LAUNCHED}). */
  public ApCluster(Path dir, List<String> jvmOptions) {
    this(dir, jvmOptions, false);
  }

  private ApCluster(Path dir, List<String> jvmOptions, boolean power) {
    this.dir = dir;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.power = power;
  }

  @Override
  public void start() throws IOException, InterruptedException {
    for (int i = 0; i < NODES; i++) {
      Path plain = dir.resolve("cluster-" + i);
      Path powered = dir.resolve("power-" + i);
      leftOver |= EmbeddedCluster.deleteIfPresent(plain) | EmbeddedCluster.deleteIfPresent(powered);
      if (power) {
        powerFs[i] = PowerFs.mount(powered);
        data[i] = powerFs[i].path();
      } else {
        data[i] = Files.createDirectories(plain);
      }
      for (int j = 0; j < NODES; j++) {
        if (i != j) {
          proxies[i][j] = new LinkProxy();
        }
      }
    }
    for (int i = 0; i < NODES; i++) {
      startNode(i, 0);
    }
  }

  private void startNode(int i, long clockOffsetMs) throws IOException {
    List<String> peers = new ArrayList<>();
    for (int j = 0; j < NODES; j++) {
      if (j != i) {
        peers.add((j + 1) + "=" + proxies[i][j].url());
      }
    }
    List<String> jvm = new ArrayList<>(jvmOptions);
    if (clockOffsetMs != 0) {
      jvm.add("-D" + CLOCK_OFFSET + "=" + clockOffsetMs);
    }
    nodes[i] =
        ServerProcess.start(
            jvm,
            List.of("--data", data[i].toString()),
            ports[i],
            "--cluster",
            "--node-id",
            Integer.toString(i + 1),
            "--peers",
            String.join(",", peers),
            "--steal-delay-ms",
            Long.toString(STEAL_DELAY_MS),
            "--max-offset-ms",
            Long.toString(MAX_OFFSET_MS));
    ports[i] = nodes[i].port();
    for (int j = 0; j < NODES; j++) {
      if (j != i) {
        proxies[j][i].target(ports[i]);
      }
    }
  }

  @Override
  public String data() {
    return "empty data in "
        + dir.resolve(
            (power ? "power-{0.." + (NODES - 1) + "}/mnt" : "cluster-{0.." + (NODES - 1) + "}"))
        + (leftOver ? " (an earlier run's data there was deleted first)" : "")
        + "; "
        + NODES
        + " nodes, every link through a proxy, steal_delay "
        + STEAL_DELAY_MS
        + " ms, max_offset "
        + MAX_OFFSET_MS
        + " ms";
  }

  @Override
  public List<String> urls() {
    List<String> urls = new ArrayList<>();
    for (int port : ports) {
      urls.add("http://127.0.0.1:" + port);
    }
    return urls;
  }

  @Override
  public boolean replicated() {
    return true;
  }

  @Override
  public void kill(int i) throws InterruptedException {
    nodes[i].kill();
  }

  @Override
  public String powerCut(int i, boolean tear) throws IOException, InterruptedException {
    nodes[i].kill();
    return powerFs[i].cut(tear);
  }

  @Override
  public void restart(int i) throws IOException, InterruptedException {
    startNode(i, 0);
    awaitCaughtUp(i);
  }

  @Override
  public void restartSkewed(int i, long clockOffsetMs) throws IOException, InterruptedException {
    startNode(i, clockOffsetMs);
    awaitCaughtUp(i);
  }

  /**
   * A node serves as soon as it listens (or runs again), while it still applies what its peers did
   * meanwhile: until then it may take a heartbeat for a lease a peer has already ended, or hand out
   * a task a peer has completed. So a restart or a pause lasts, in the history, until the node's
   * vector covers what each peer held when it came back (or {@link #CATCH_UP} passed): the checker
   * explains what the node does in that time by the fault, as it explains the moments after.
   */
  private void awaitCaughtUp(int i) throws InterruptedException {
    Map<String, Long> held = new HashMap<>();
    for (int j = 0; j < NODES; j++) {
      if (j != i) {
        Endpoint.Reply r = new Endpoint(nodes[j].url()).get("/v1/cluster", VECTOR_READ);
        if (r.ok()) {
          r.body()
              .get("vector")
              .fields()
              .forEachRemaining(e -> held.merge(e.getKey(), e.getValue().asLong(), Math::max));
        }
      }
    }
    Endpoint node = new Endpoint(nodes[i].url());
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    while (System.nanoTime() - deadline < 0) {
      Endpoint.Reply r = node.get("/v1/cluster", VECTOR_READ);
      if (r.ok() && covers(r.body().get("vector"), held)) {
        return;
      }
      Thread.sleep(100);
    }
  }

  private static boolean covers(JsonNode vector, Map<String, Long> held) {
    for (Map.Entry<String, Long> e : held.entrySet()) {
      JsonNode n = vector.get(e.getKey());
      if (n == null || n.asLong() < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void pause(int i) throws IOException, InterruptedException {
    nodes[i].pause();
  }

  @Override
  public void resume(int i) throws IOException, InterruptedException {
    nodes[i].resume();
    awaitCaughtUp(i);
  }

  @Override
  public void partition(Collection<Integer> side) {
    for (int a : side) {
      for (int b = 0; b < NODES; b++) {
        if (!side.contains(b)) {
          proxies[a][b].cut();
          proxies[b][a].cut();
        }
      }
    }
  }

  @Override
  public void heal() {
    for (LinkProxy[] row : proxies) {
      for (LinkProxy p : row) {
        if (p != null) {
          p.heal();
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ServerProcess p : nodes) {
      if (p != null) {
        p.close();
      }
    }
    for (LinkProxy[] row : proxies) {
      for (LinkProxy p : row) {
        if (p != null) {
          try {
            p.close();
          } catch (IOException e) {
            // a proxy's socket that will not close is gone with this JVM
          }
        }
      }
    }
    for (PowerFs fs : powerFs) {
      if (fs != null) {
        try {
          fs.close();
        } catch (IOException e) {
          System.err.println("verify: could not unmount " + fs.path() + ": " + e.getMessage());
        }
      }
    }
  }
}
