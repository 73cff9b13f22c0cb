package dev.stoker.server;

/**
 * What a node of an AP cluster serves besides the API (docs/backends/cluster.md): the exchange with its
 * peers, carried over the same port as the API so that a peer's URL is all a node needs, and the
 * cluster's status. The server knows nothing of the cluster beyond this; {@link
 * StokerServer#cluster} plugs it in.
 */
public interface ClusterEndpoint {

  /** Refuses a peer's message (a different membership, an unknown node): answered 409 with the reason. */
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
}
