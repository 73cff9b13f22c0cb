package dev.stoker.server;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * What the API answers: a status, a JSON body (or none) and extra headers, and what to undo when
 * the reply cannot be delivered (the tasks a claim hands out go back). A streamed reply (the event
 * stream) has no body but a {@link Stream} that writes it for as long as it lasts.
 */
record Response(
    int status,
    String contentType,
    byte[] body,
    Map<String, String> headers,
    Runnable undelivered,
    Stream stream) {
  static final String JSON = "application/json";
  static final String PROBLEM = "application/problem+json";
  private static final Runnable NOTHING = () -> {};

  /** A body written bit by bit, flushing as it goes, until it ends or the client goes away. */
  @FunctionalInterface
  interface Stream {
    void writeTo(OutputStream out) throws IOException;
  }

  Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    this(status, contentType, body, headers, NOTHING, null);
  }

  static Response json(int status, byte[] body) {
    return new Response(status, JSON, body, Map.of());
  }

  /** A 200 whose body {@code stream} writes. */
  static Response streamed(String contentType, Map<String, String> headers, Stream stream) {
    return new Response(200, contentType, new byte[0], headers, NOTHING, stream);
  }

  Response withHeader(String name, String value) {
    var h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(status, contentType, body, Map.copyOf(h), undelivered, stream);
  }

  /** This reply, with {@code undo} to run when writing it to the client fails. */
  Response whenUndelivered(Runnable undo) {
    return new Response(status, contentType, body, headers, undo, stream);
  }
}
