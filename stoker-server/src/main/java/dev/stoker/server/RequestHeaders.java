package dev.stoker.server;

/** The headers of a request that the API reads beyond the body's type and the token. */
@FunctionalInterface
interface RequestHeaders {
  RequestHeaders NONE = name -> null;

  /** The first value of the header {@code name} (case-insensitive), or null. */
  String first(String name);
}
