package dev.stoker.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP for the client: one JSON request, one JSON reply, and every way it can go wrong turned into
 * a {@link StokerException}.
 */
final class Transport {
  private static final String USER_AGENT = "stoker-client/1";

  private final String base;
  private final String authorization;
  private final Duration requestTimeout;
  private final HttpClient http;
  private final boolean ownsHttp;
  private final ObjectMapper mapper;

  Transport(
      URI baseUrl,
      String token,
      Duration requestTimeout,
      HttpClient http,
      boolean ownsHttp,
      ObjectMapper mapper) {
    String b = baseUrl.toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.authorization = token == null ? null : "Bearer " + token;
    this.requestTimeout = requestTimeout;
    this.http = http;
    this.ownsHttp = ownsHttp;
    this.mapper = mapper;
  }

  String base() {
    return base;
  }

  /**
   * A path segment, percent-encoded (queue names and ids need none; anything else is the server's
   * to refuse).
   */
  static String segment(String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("a queue name or task id must not be empty");
    }
    if (s.equals(".") || s.equals("..")) {
      return s.replace(".", "%2E");
    }
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String queryValue(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  JsonNode get(String path) {
    return send("GET", path, null, Duration.ZERO);
  }

  JsonNode send(String method, String path, JsonNode body) {
    return send(method, path, body, Duration.ZERO);
  }

  JsonNode send(String method, String path, JsonNode body, Duration extraTimeout) {
    byte[] bytes = null;
    if (body != null) {
      try {
        bytes = mapper.writeValueAsBytes(body);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "cannot serialise the request as JSON: " + e.getOriginalMessage(), e);
      }
    }
    return sendBytes(method, path, bytes, extraTimeout);
  }

  /** Sends {@code body} (JSON bytes, or null for none) and returns the reply's JSON. */
  JsonNode sendBytes(String method, String path, byte[] body, Duration extraTimeout) {
    return sendBytes(method, path, body, extraTimeout, null);
  }

  /**
   * Sends {@code body} with a {@code traceparent} header when one is given, and returns the reply's
   * JSON.
   */
  JsonNode sendBytes(
      String method, String path, byte[] body, Duration extraTimeout, String traceparent) {
    URI uri = URI.create(base + path);
    Duration timeout = requestTimeout.plus(extraTimeout);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "application/json, application/problem+json")
            .header("User-Agent", USER_AGENT);
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StokerInterruptedException(
          method + " " + uri + ": interrupted while waiting for the server", e);
    } catch (HttpTimeoutException e) {
      throw new StokerUnavailableException(
          method
              + " "
              + uri
              + ": no answer within "
              + timeout.toMillis()
              + " ms ("
              + e.getMessage()
              + ")",
          0,
          e);
    } catch (IOException e) {
      throw new StokerUnavailableException(
          method + " " + uri + ": cannot reach the server: " + describe(e), 0, e);
    }
    return reply(method, uri, r);
  }

  private JsonNode reply(String method, URI uri, HttpResponse<byte[]> r) {
    int status = r.statusCode();
    byte[] bytes = r.body();
    if (status >= 200 && status < 300) {
      if (bytes.length == 0) {
        return MissingNode.getInstance();
      }
      try {
        return mapper.readTree(bytes);
      } catch (IOException e) {
        throw new StokerProtocolException(
            method + " " + uri + ": the reply (HTTP " + status + ") is not JSON: " + snippet(bytes),
            e);
      }
    }
    JsonNode problem = null;
    if (bytes.length > 0) {
      try {
        problem = mapper.readTree(bytes);
      } catch (IOException e) {
        problem = null; // not JSON: described by its text below
      }
    }
    String type = "about:blank";
    String title = "HTTP " + status;
    String detail = bytes.length == 0 ? null : snippet(bytes);
    String field = null;
    TaskState state = null;
    if (problem != null && problem.isObject()) {
      type = problem.path("type").asText(type);
      title = problem.path("title").asText(title);
      detail = problem.hasNonNull("detail") ? problem.get("detail").asText() : detail;
      field = problem.hasNonNull("field") ? problem.get("field").asText() : null;
      state =
          problem.hasNonNull("state")
              ? TaskState.fromWireName(problem.get("state").asText())
              : null;
    }
    if (status == 502 || status == 503 || status == 504 || status == 429) {
      throw new StokerUnavailableException(
          method
              + " "
              + uri
              + ": the server cannot serve now: "
              + status
              + " "
              + title
              + (detail == null ? "" : ": " + detail),
          status,
          null);
    }
    throw new ProblemException(status, type, title, detail, field, state);
  }

  /**
   * An I/O failure in a few words: the messages along the cause chain, or the exceptions' names.
   */
  static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    java.util.Set<Throwable> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      String m = t.getMessage();
      String part = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
      if (b.indexOf(part) < 0) {
        if (!b.isEmpty()) {
          b.append(" <- ");
        }
        b.append(part);
      }
    }
    return b.toString();
  }

  private static String snippet(byte[] bytes) {
    String s = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.UTF_8).strip();
    return bytes.length > 300 ? s + "…" : s;
  }

  void close() {
    if (ownsHttp) {
      http.shutdownNow();
    }
  }
}
