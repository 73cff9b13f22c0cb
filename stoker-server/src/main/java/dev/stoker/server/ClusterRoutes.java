package dev.stoker.server;

import java.util.Map;

/** The routes under {@code /v1/cluster}, on a node of an AP cluster (docs/backends/cluster.md). */
final class ClusterRoutes {
  static final String BINARY = "application/octet-stream";

  private ClusterRoutes() {}

  /** {@code GET /v1/cluster}: nodes, reachability, lag, steals. */
  static Response status(ClusterEndpoint cluster) {
    return Response.json(200, cluster.status());
  }

  /** {@code POST /v1/cluster/exchange}: a peer's binary exchange message, answered in kind. */
  static Response exchange(ClusterEndpoint cluster, String contentType, byte[] body) {
    if (contentType == null || !contentType.startsWith(BINARY)) {
      throw Problem.of(
              415,
              "unsupported-media-type",
              "Unsupported media type",
              "the exchange takes " + BINARY)
          .refusal();
    }
    try {
      return new Response(200, BINARY, cluster.exchange(body), Map.of());
    } catch (ClusterEndpoint.Refused r) {
      throw Problem.of(409, "not-a-peer", "Not a peer of this node", r.getMessage()).refusal();
    } catch (IllegalArgumentException e) {
      throw Problem.of(400, "bad-exchange", "Unreadable exchange", e.getMessage()).refusal();
    }
  }
}
