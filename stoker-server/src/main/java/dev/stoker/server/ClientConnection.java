package dev.stoker.server;

/**
 * The connection a request came on, as far as its handler cares: whether its client is still there
 * to take the reply. A claim asks before it hands out tasks it got after waiting
 * (docs/api.md#long-polling-claims).
 */
interface ClientConnection {
  /** A connection nothing is known about: taken to be open. */
  ClientConnection UNKNOWN = new ClientConnection() {
    @Override
    public void watch() {}

    @Override
    public boolean closed() {
      return false;
    }
  };

  /** Starts noticing the client hang up; the request's body must have been read. */
  void watch();

  /** Whether the client hung up (closed or reset the connection) since {@link #watch()}. */
  boolean closed();
}
