package dev.stoker.server;

/**
 * The connection a request came on, as far as its handler cares: whether its client is still there
 * to take the reply. A claim that waited asks before it hands out the tasks it got
 * (docs/api.md#long-polling-claims).
 */
interface ClientConnection {
  /** A connection nothing is known about: taken to be open. */
  ClientConnection UNKNOWN = () -> false;

  /**
   * Whether the client has hung up (closed or reset the connection, or shut down its sending side).
   * The request's body must have been read; nothing more is read from the connection.
   */
  boolean closed();
}
