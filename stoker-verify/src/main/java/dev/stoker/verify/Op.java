package dev.stoker.verify;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * One operation of a verify run and its outcome: a line of the history file.
 *
 * <p>Unlike Jepsen's history, which writes an {@code invoke} and a completion line per operation,
 * each operation is one line carrying both times; the information is the same.
 *
 * @param index order of completion in the run
 * @param process who did it: {@code p3} a producer, {@code w5} a worker, {@code nemesis}, {@code
 *     final}
 * @param f what was done
 * @param type the outcome
 * @param invokeNs when it was sent, nanoseconds since the run began
 * @param completeNs when its outcome was known
 * @param leaseMs the lease a claim or heartbeat asked for (0 otherwise)
 * @param items what it was about: the values enqueued, the tasks claimed, the task completed, ...
 * @param status the HTTP status (0 when there was none)
 * @param error why it failed or is unknown, in words
 * @param nodeState what a node of the AP cluster said of itself ({@link Fn#CLUSTER_STATE} only)
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Op(
    long index,
    String process,
    Fn f,
    Type type,
    @JsonProperty("invoke_ns") long invokeNs,
    @JsonProperty("complete_ns") long completeNs,
    @JsonProperty("lease_ms") long leaseMs,
    List<Item> items,
    int status,
    String error,
    @JsonProperty("node_state") NodeState nodeState) {

  public Op {
    items = items == null ? List.of() : List.copyOf(items);
  }

  /** An operation that is not a sample of a node's state. */
  public Op(
      long index,
      String process,
      Fn f,
      Type type,
      long invokeNs,
      long completeNs,
      long leaseMs,
      List<Item> items,
      int status,
      String error) {
    this(index, process, f, type, invokeNs, completeNs, leaseMs, items, status, error, null);
  }

  /**
   * The kinds of operation. Faults ({@code kill}, {@code pause}, {@code power}, {@code partition},
   * {@code skew}) span the window they were active.
   */
  public enum Fn {
    @JsonProperty("enqueue")
    ENQUEUE,
    @JsonProperty("claim")
    CLAIM,
    @JsonProperty("heartbeat")
    HEARTBEAT,
    @JsonProperty("complete")
    COMPLETE,
    @JsonProperty("fail")
    FAIL,
    @JsonProperty("release")
    RELEASE,
    /** A worker abandons its claim as if its process died: no heartbeat, no completion, ever. */
    @JsonProperty("crash")
    CRASH,
    /**
     * A worker stops heartbeating for longer than its lease, then carries on with a stale token.
     */
    @JsonProperty("stall")
    STALL,
    @JsonProperty("kill")
    KILL,
    @JsonProperty("pause")
    PAUSE,
    /** A power cut: a kill that also lost the server's unsynced writes ({@link Fault#POWER}). */
    @JsonProperty("power")
    POWER,
    /**
     * Links cut between the nodes of the items and the other nodes ({@link Fault#PARTITION}), then
     * healed.
     */
    @JsonProperty("partition")
    PARTITION,
    /**
     * A node run with its clock offset ({@link Fault#SKEW}; the note says by how much), then with
     * the true one.
     */
    @JsonProperty("skew")
    SKEW,
    /**
     * Recorded first by a backend whose nodes each keep a replica (the AP cluster): one item per
     * node, {@code node-0}…; producer {@code pI} and worker {@code wI} talk to node {@code I mod N}
     * only.
     */
    @JsonProperty("cluster")
    CLUSTER,
    /** The final read: every task of the queue with its state, after the drain. */
    @JsonProperty("final-read")
    FINAL_READ,
    /**
     * A sample of one node's {@code GET /v1/cluster} (the item names the node, {@code node-I}; the
     * {@link NodeState} is what it said), taken a few times a second through the whole run: the
     * evidence of how far behind each node was ({@link ReplicationLag}).
     */
    @JsonProperty("cluster-state")
    CLUSTER_STATE
  }

  /**
   * How it ended: {@code ok} it happened; {@code fail} it certainly did not (a refusal, a refused
   * connection); {@code info} unknown (a broken connection or a timeout after the request was
   * sent).
   */
  public enum Type {
    @JsonProperty("ok")
    OK,
    @JsonProperty("fail")
    FAIL,
    @JsonProperty("info")
    INFO
  }

  /**
   * A task an operation is about.
   *
   * @param value the producer's unique value in the task's params ({@code p3-17}), the checker's
   *     key
   * @param id the server's task id, once known
   * @param token the lease token of a claim, or the one a heartbeat/complete/fail/release used
   * @param state the task's state when read
   * @param version the task's version in a claim's reply ({@code 0.0.0.2.1.117666147094233088.0}):
   *     the order in which the server made the task's claims, which the order of their replies need
   *     not be
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Item(String value, String id, String token, String state, String version) {
    public Item(String value, String id, String token, String state) {
      this(value, id, token, state, null);
    }

    public static Item of(String value) {
      return new Item(value, null, null, null);
    }
  }

  /**
   * What a node of the AP cluster said of itself in {@code GET /v1/cluster}
   * (docs/backends/cluster.md): the part the checker reads, and what a reader of the history wants
   * beside it.
   *
   * @param node its node id (1 + its index in the history)
   * @param incarnation larger at every start of the node
   * @param vector per origin node id, how many of its events the node held without a gap
   * @param steals the homes whose tasks it handed out because they were unreachable
   * @param peers what it knew of each peer
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NodeState(
      int node,
      long incarnation,
      Map<String, Long> vector,
      List<Integer> steals,
      List<PeerState> peers) {}

  /**
   * What a node knew of one peer: the failure detector's verdict, and how far the peer was behind
   * this node's events at its last frame.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PeerState(
      int node,
      boolean reachable,
      boolean suspected,
      @JsonProperty("lag_events") long lagEvents,
      @JsonProperty("lag_ms") long lagMs,
      Map<String, Long> vector) {}

  /** The same operation, numbered. */
  Op withIndex(long i) {
    return new Op(
        i, process, f, type, invokeNs, completeNs, leaseMs, items, status, error, nodeState);
  }

  boolean ok() {
    return type == Type.OK;
  }
}
