package dev.stoker.bench;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What {@code stoker bench} runs.
 *
 * @param server the Stoker server's URL
 * @param tasks tasks per throughput phase (W1, W2)
 * @param workers concurrent workers
 * @param paramsBytes approximate size of each task's params JSON
 * @param workloads which of {@code w1}, {@code w2}, {@code latency}, {@code references} to run
 * @param latencyTasks tasks in the pickup-latency run
 * @param latencyInterval time between two enqueues in the pickup-latency run (the offered rate)
 * @param peers the peers to run the same workloads against in the same run, each {@code
 *     KIND=ADDRESS} with a kind of {@link #PEERS} (see docs/benchmarks.md for each kind's address)
 * @param depths the depths the {@code depth} workload measures at, ascending (see {@link Depth})
 * @param depthWindow how long each of the depth workload's rates is measured, at each depth
 * @param separateClaims whether Stoker's one-at-a-time workers (W1) claim with a request of their
 *     own after each completion, as before the combined call, instead of claiming in the completion
 *     (docs/api.md#finish-and-claim-in-one-request); for comparing the two
 * @param depthEtcd the endpoints of the etcd cluster the depth workload's server stores its tasks
 *     in (comma-separated URLs), or null for the embedded store
 */
public record BenchConfig(
    String server,
    int tasks,
    int workers,
    int paramsBytes,
    Set<String> workloads,
    int latencyTasks,
    Duration latencyInterval,
    List<String> peers,
    List<Long> depths,
    Duration depthWindow,
    boolean separateClaims,
    String depthEtcd) {

  /** The kinds of peer, in the order they run. */
  public static final List<String> PEERS = Peers.KINDS;

  public static final Set<String> ALL =
      Set.of("w1", "w2", "latency", "references", "depth", "partition");

  /** Issue 5's depths: 10 k, 1 M and 10 M pending tasks. */
  public static final List<Long> DEPTHS = List.of(10_000L, 1_000_000L, 10_000_000L);

  /** Without the depth workload's settings: its defaults. */
  public BenchConfig(
      String server,
      int tasks,
      int workers,
      int paramsBytes,
      Set<String> workloads,
      int latencyTasks,
      Duration latencyInterval,
      List<String> peers) {
    this(
        server,
        tasks,
        workers,
        paramsBytes,
        workloads,
        latencyTasks,
        latencyInterval,
        peers,
        DEPTHS,
        Duration.ofSeconds(3));
  }

  /** With the workers claiming in their completions, as workers do. */
  public BenchConfig(
      String server,
      int tasks,
      int workers,
      int paramsBytes,
      Set<String> workloads,
      int latencyTasks,
      Duration latencyInterval,
      List<String> peers,
      List<Long> depths,
      Duration depthWindow) {
    this(
        server,
        tasks,
        workers,
        paramsBytes,
        workloads,
        latencyTasks,
        latencyInterval,
        peers,
        depths,
        depthWindow,
        false);
  }

  /** With the depth workload on the embedded store. */
  public BenchConfig(
      String server,
      int tasks,
      int workers,
      int paramsBytes,
      Set<String> workloads,
      int latencyTasks,
      Duration latencyInterval,
      List<String> peers,
      List<Long> depths,
      Duration depthWindow,
      boolean separateClaims) {
    this(
        server,
        tasks,
        workers,
        paramsBytes,
        workloads,
        latencyTasks,
        latencyInterval,
        peers,
        depths,
        depthWindow,
        separateClaims,
        null);
  }

  public BenchConfig {
    if (tasks < 1 || workers < 1 || paramsBytes < 16 || latencyTasks < 1) {
      throw new IllegalArgumentException(
          "tasks, workers and latency tasks must be positive, params at least 16 bytes");
    }
    peers = List.copyOf(peers);
    depths = List.copyOf(depths);
    for (int i = 0; i < depths.size(); i++) {
      if (depths.get(i) < 1 || i > 0 && depths.get(i) <= depths.get(i - 1)) {
        throw new IllegalArgumentException("depths must be positive and ascending; got " + depths);
      }
    }
    for (String p : peers) {
      int eq = p.indexOf('=');
      if (eq < 1 || eq == p.length() - 1 || !PEERS.contains(p.substring(0, eq))) {
        throw new IllegalArgumentException(
            "a peer is KIND=ADDRESS with a kind of "
                + String.join(", ", PEERS)
                + "; got '"
                + p
                + "'");
      }
    }
    for (String w : workloads) {
      if (!ALL.contains(w)) {
        throw new IllegalArgumentException(
            "unknown workload '" + w + "'; use " + String.join(", ", ALL));
      }
    }
  }

  /** The same run with at most {@code max} tasks per throughput phase. */
  BenchConfig atMost(int max) {
    return tasks <= max
        ? this
        : new BenchConfig(
            server,
            max,
            workers,
            paramsBytes,
            workloads,
            latencyTasks,
            latencyInterval,
            peers,
            depths,
            depthWindow,
            separateClaims,
            depthEtcd);
  }
}
