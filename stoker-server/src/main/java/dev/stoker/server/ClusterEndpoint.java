package dev.stoker.server;

/**
 * What a node of an AP cluster serves besides the API (docs/backends/cluster.md): the exchange with
 * its peers, carried over the same port as the API so that a peer's URL is all a node needs, and
 * the cluster's status. The server knows nothing of the cluster beyond this; {@link
 * StokerServer#cluster} plugs it in.
 */
public interface ClusterEndpoint {

  /**
   * The header that marks a claim one node sent on to another ({@link #forwardClaim}): the node
   * that gets it claims by its own rights and never forwards it again (one hop).
   */
  String FORWARDED_HEADER = "Stoker-Forwarded";

  /**
   * Refuses a peer's message (a different membership, an unknown node): answered 409 with the
   * reason.
   */
  final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * Answers a peer's exchange message ({@code POST /v1/cluster/exchange}, binary both ways).
   *
   * @throws IllegalArgumentException when the message cannot be read (400)
   * @throws Refused when the peer does not belong to this cluster (409)
   */
  byte[] exchange(byte[] message);

  /** The cluster's status as JSON ({@code GET /v1/cluster}). */
  byte[] status();

  /**
   * Work this node found handed out twice, by the letter of its cause, (a)–(e), every cause
   * present: shown in /metrics as {@code stoker_cluster_duplicates_total{cause}}.
   */
  default java.util.Map<String, Long> duplicates() {
    return java.util.Map.of();
  }

  /**
   * A peer's 200 answer to a forwarded claim.
   *
   * @param peer the node that answered, and so granted the claim's tasks
   * @param reply {@code {"tasks":[…]}}, with tokens every node checks
   */
  record ForwardedClaim(int peer, byte[] reply) {}

  /**
   * Sends a claim this node found nothing for to the peer that may hand out the most ready tasks of
   * {@code queue} in this node's replica (docs/backends/cluster.md, "Forwarding"): one hop, the
   * peer deciding by its own rights. {@code claimBody} is a claim request body that does not wait;
   * {@code authorization} is the worker's header, passed on (null for none).
   *
   * <p>A peer that answers only after the forwarding timeout may have handed out tasks for the
   * claim that no worker gets: that answer goes to {@code tooLate} (on another thread), which gives
   * them back as for a claim whose worker hung up.
   *
   * @return the peer's reply, or null when no peer has ready tasks of the queue or the peer did not
   *     answer 200 in time
   */
  default ForwardedClaim forwardClaim(
      String queue,
      byte[] claimBody,
      String authorization,
      java.util.function.Consumer<ForwardedClaim> tooLate) {
    return null;
  }

  /**
   * Gives back, on the peer that granted it, a task of a forwarded claim whose worker never got it
   * (it hung up, or the reply could not be written): posts the release there, with the task's lease
   * token and the worker's {@code authorization} (null for none), so the task is pending again at
   * once where it was handed out, as a task claimed here is.
   *
   * @return whether the peer answered 200 (released)
   */
  default boolean releaseAt(int peer, String taskId, String token, String authorization) {
    return false;
  }

  /**
   * How many claims this node forwarded, by result: {@code tasks}, {@code empty} (the peer had none
   * for it) or {@code failed} (no 200 answer); shown in /metrics as {@code
   * stoker_cluster_forwarded_claims_total{result}}.
   */
  default java.util.Map<String, Long> forwardedClaims() {
    return java.util.Map.of();
  }

  /**
   * Where to record, for each event a peer sent that is new here, how long it took from its origin
   * to this node in milliseconds: this node's wall clock once the event is applied, minus the time
   * in the event's HLC stamp (so it includes the offset between the two nodes' clocks). Shown in
   * /metrics as {@code stoker_cluster_replication_lag_seconds}.
   */
  default void recordLagWith(java.util.function.LongConsumer millis) {}

  /**
   * Bytes of the exchanges this node received from its peers (their requests and their answers):
   * {@code stoker_cluster_received_bytes_total}.
   */
  default long receivedBytes() {
    return 0;
  }

  /**
   * Events from peers that were new here: {@code stoker_cluster_received_events_total}. Over {@link
   * #receivedBytes}, what replication costs on the wire per event, frames included.
   */
  default long receivedEvents() {
    return 0;
  }

  /**
   * Exchanges peers sent this node (each answered once): {@code stoker_cluster_exchanges_total}.
   * Summed over the nodes, every exchange of the cluster; the events per exchange are how well
   * pushes batch.
   */
  default long exchangesServed() {
    return 0;
  }

  /**
   * Why this node may not hand out tasks yet ({@code /readyz} answers 503 with it), or null when it
   * may.
   */
  default String notReady() {
    return null;
  }
}
