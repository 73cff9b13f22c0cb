package dev.stoker.it;

import dev.stoker.testkit.LinkProxy;
import dev.stoker.verify.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * N real {@code stoker serve --cluster} processes on loopback, nodes 1..N, every link between two
 * nodes through its own {@link LinkProxy} per direction, with test timings (steal_delay 2 s,
 * max_offset 500 ms).
 */
final class ClusterNodes implements AutoCloseable {
  static final String STEAL_DELAY_MS = "2000";

  private final Path root;
  private final int n;

  /** proxies[from][to]: how node from+1 reaches node to+1. */
  private final LinkProxy[][] proxies;

  private final ServerProcess[] nodes;
  private final int[] ports;

  /**
   * Arguments every node is started with, besides the cluster's (e.g. --cluster-key-file,
   * --tokens).
   */
  private final List<String> common = new ArrayList<>();

  /** Per node, extra JVM options (e.g. -Dstoker.test.clock-offset-ms); empty for none. */
  private final List<List<String>> jvm = new ArrayList<>();

  ClusterNodes(Path root, int n) throws IOException {
    this.root = root;
    this.n = n;
    this.proxies = new LinkProxy[n][n];
    this.nodes = new ServerProcess[n];
    this.ports = new int[n];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b) {
          proxies[a][b] = new LinkProxy();
        }
      }
      jvm.add(List.of());
    }
  }

  /** Starts every node with {@code args} as well, from now on. */
  ClusterNodes withArgs(String... args) {
    common.addAll(List.of(args));
    return this;
  }

  /** Starts node {@code id} in a JVM with {@code options} as well, from now on. */
  ClusterNodes withJvmOptions(int id, String... options) {
    jvm.set(id - 1, List.of(options));
    return this;
  }

  /** Starts every node, in order. */
  ClusterNodes startAll() throws IOException {
    for (int i = 1; i <= n; i++) {
      start(i);
    }
    return this;
  }

  /** Starts node {@code id} (1..n) on its data directory, on its former port if it ran before. */
  ServerProcess start(int id, String... extraArgs) throws IOException {
    int i = id - 1;
    List<String> peers = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      if (b != i) {
        peers.add((b + 1) + "=" + proxies[i][b].url());
      }
    }
    Path data = root.resolve("node-" + id);
    Files.createDirectories(data);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--cluster",
                "--node-id",
                String.valueOf(id),
                "--peers",
                String.join(",", peers),
                "--steal-delay-ms",
                STEAL_DELAY_MS,
                "--max-offset-ms",
                "500"));
    args.addAll(common);
    args.addAll(List.of(extraArgs));
    List<String> options = new ArrayList<>(ServerProcess.FAST_RESTART);
    options.addAll(jvm.get(i));
    ServerProcess p =
        ServerProcess.start(
            options, List.of("--data", data.toString()), ports[i], args.toArray(String[]::new));
    nodes[i] = p;
    ports[i] = p.port();
    for (int a = 0; a < n; a++) {
      if (a != i) {
        proxies[a][i].target(p.port());
      }
    }
    return p;
  }

  ServerProcess node(int id) {
    return nodes[id - 1];
  }

  Http http(int id) {
    return new Http(nodes[id - 1].url());
  }

  /** Requests to node {@code id} carrying the bearer {@code token}. */
  Http http(int id, String token) {
    return new Http(nodes[id - 1].url()).as(token);
  }

  Path data(int id) {
    return root.resolve("node-" + id);
  }

  /** Deletes node {@code id}'s data directory (the node must be down), as a lost disk would. */
  void wipe(int id) throws IOException {
    try (var paths = Files.walk(data(id))) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  int size() {
    return n;
  }

  /** Cuts both directions of every link between {@code side} and the other nodes. */
  void isolate(int id) {
    for (int b = 1; b <= n; b++) {
      if (b != id) {
        proxies[id - 1][b - 1].cut();
        proxies[b - 1][id - 1].cut();
      }
    }
  }

  /**
   * Cuts the one direction of the link between two nodes on which {@code from} reaches {@code to}:
   * {@code from}'s exchanges with {@code to} (its pushes and pulls, and the answers) and the claims
   * it forwards there. {@code to} still reaches {@code from}, and hears from it in the answers.
   */
  void cut(int from, int to) {
    proxies[from - 1][to - 1].cut();
  }

  /**
   * Holds every answer {@code to} sends back on the link on which {@code from} reaches it {@code
   * ms} (0: none): {@code to} answers {@code from}'s exchanges and forwarded claims late, as a
   * starved node would, while its own requests to {@code from} go through at once.
   */
  void delayAnswers(int from, int to, long ms) {
    proxies[from - 1][to - 1].delayAnswers(ms);
  }

  /**
   * From now on every link resets each of its connections (TCP RST) once it has carried the number
   * of bytes {@code limits} gives it, in the middle of whatever exchange it carries; {@link
   * #healAll} ends it.
   */
  void resetLinksAfter(java.util.function.LongSupplier limits) {
    eachLink(p -> p.resetAfter(limits));
  }

  /** How many connections the links have reset so far. */
  long resets() {
    long[] sum = {0};
    eachLink(p -> sum[0] += p.resets());
    return sum[0];
  }

  /** Every link passes everything again: no cut, no resets. */
  void healAll() {
    eachLink(
        p -> {
          p.resetAfter(null);
          p.heal();
        });
  }

  private void eachLink(java.util.function.Consumer<LinkProxy> action) {
    for (LinkProxy[] row : proxies) {
      for (LinkProxy p : row) {
        if (p != null) {
          action.accept(p);
        }
      }
    }
  }

  @Override
  public void close() throws Exception {
    for (ServerProcess p : nodes) {
      if (p != null) {
        p.close();
      }
    }
    for (LinkProxy[] row : proxies) {
      for (LinkProxy p : row) {
        if (p != null) {
          p.close();
        }
      }
    }
  }
}
