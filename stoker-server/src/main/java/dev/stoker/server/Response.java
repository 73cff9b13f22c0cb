package dev.stoker.server;

import java.util.Map;

/**
 * What the API answers: a status, a JSON body (or none) and extra headers, and what to undo when the
 * reply cannot be delivered (the tasks a claim hands out go back).
 */
record Response(int status, String contentType, byte[] body, Map<String, String> headers, Runnable undelivered) {
  static final String JSON = "application/json";
  static final String PROBLEM = "application/problem+json";
  private static final Runnable NOTHING = () -> {};

  Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    this(status, contentType, body, headers, NOTHING);
  }

  static Response json(int status, byte[] body) {
    return new Response(status, JSON, body, Map.of());
  }

  Response withHeader(String name, String value) {
    var h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(status, contentType, body, Map.copyOf(h), undelivered);
  }

  /** This reply, with {@code undo} to run when writing it to the client fails. */
  Response whenUndelivered(Runnable undo) {
    return new Response(status, contentType, body, headers, undo);
  }
}
