package dev.stoker.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.util.List;

/**
 * Samples one AP-cluster node's {@code GET /v1/cluster} a few times a second into the history (a
 * {@link Op.Fn#CLUSTER_STATE} operation per answer), for as long as the run goes on: how many of
 * each node's events it held, and when. The checker reads these samples as evidence that a node had
 * not yet heard of something another node acknowledged ({@link ReplicationLag}), instead of
 * assuming a fixed time for every node to hear of everything. A sample that gets no answer is not
 * recorded: it shows nothing.
 */
final class ClusterSampler implements Runnable {
  /** How often a node is asked: a few times a second, a small load beside the workload's. */
  static final long PERIOD_MS = 250;

  /** A node that takes longer than this to answer is asked again at the next period. */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final Workload w;
  private final int node;
  private volatile boolean running = true;

  ClusterSampler(Workload w, int node) {
    this.w = w;
    this.node = node;
  }

  @Override
  public void run() {
    Endpoint api = w.node(node);
    List<Op.Item> items = List.of(Op.Item.of("node-" + node));
    while (running) {
      long t0 = w.history.now();
      try {
        Endpoint.Reply r = api.get("/v1/cluster", TIMEOUT);
        Op.NodeState state = r.ok() ? state(r) : null;
        if (state != null) {
          w.history.add(
              new Op(
                  0,
                  "sampler",
                  Op.Fn.CLUSTER_STATE,
                  Op.Type.OK,
                  t0,
                  w.history.now(),
                  0,
                  items,
                  r.status(),
                  null,
                  state));
        }
        long left = PERIOD_MS - (w.history.now() - t0) / 1_000_000;
        if (left > 0) {
          Thread.sleep(left);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static Op.NodeState state(Endpoint.Reply r) {
    try {
      return History.JSON.treeToValue(r.body(), Op.NodeState.class);
    } catch (JsonProcessingException e) {
      return null; // an answer that is not a cluster state: nothing to record
    }
  }

  void stop() {
    running = false;
  }
}
