package dev.stoker.server;

/** The routes under {@code /v1/cluster}, on a node of an AP cluster. */
final class ClusterRoutes {
  static final String BINARY = "application/octet-stream";

  private ClusterRoutes() {}

  /** @param s the path's segments, {@code v1}, {@code cluster}, … */
  static Response handle(ClusterEndpoint cluster, String method, String[] s, String contentType, byte[] body) {
    if (s.length == 2) {
      Api.allow(method, "GET");
      return Response.json(200, cluster.status());
    }
    if (s.length == 3 && s[2].equals("exchange")) {
      Api.allow(method, "POST");
      if (contentType == null || !contentType.startsWith(BINARY)) {
        throw Problem.of(415, "unsupported-media-type", "Unsupported media type",
            "the exchange takes " + BINARY).refusal();
      }
      try {
        return new Response(200, BINARY, cluster.exchange(body), java.util.Map.of());
      } catch (ClusterEndpoint.Refused r) {
        throw Problem.of(409, "not-a-peer", "Not a peer of this node", r.getMessage()).refusal();
      } catch (IllegalArgumentException e) {
        throw Problem.of(400, "bad-exchange", "Unreadable exchange", e.getMessage()).refusal();
      }
    }
    throw Problem.notFound("no route /" + String.join("/", s));
  }
}
