package dev.stoker.server;

import java.util.Map;

/** What the API answers: a status, a JSON body (or none) and extra headers. */
record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
  static final String JSON = "application/json";
  static final String PROBLEM = "application/problem+json";

  static Response json(int status, byte[] body) {
    return new Response(status, JSON, body, Map.of());
  }

  Response withHeader(String name, String value) {
    var h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(status, contentType, body, Map.copyOf(h));
  }
}
