package dev.stoker.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * HTTP to one server, with every reply sorted into the history's three outcomes: a 2xx is {@code
 * ok}; a 4xx, a refused connection or a connect timeout is {@code fail} (the request was certainly
 * not applied); a 5xx, a timeout or a connection broken after the request went out is {@code info}
 * (it may or may not have been applied).
 */
final class Endpoint {
  /** A reply, or why there was none. */
  record Reply(Op.Type type, int status, JsonNode body, String error) {
    boolean ok() {
      return type == Op.Type.OK;
    }

    /**
     * The outcome an HTTP status and its body (a task, or a problem whose type says why) stand for.
     */
    static Reply of(int status, JsonNode body) {
      if (status >= 200 && status < 300) {
        return new Reply(Op.Type.OK, status, body, null);
      }
      String detail =
          body != null && body.hasNonNull("type") ? body.get("type").asText() : "HTTP " + status;
      return new Reply(
          status >= 400 && status < 500 ? Op.Type.FAIL : Op.Type.INFO, status, body, detail);
    }
  }

  private final HttpClient client;
  private final String base;

  Endpoint(String base) {
    this.base = base;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  Reply post(String path, Object body, Duration timeout) throws InterruptedException {
    byte[] json;
    try {
      json = History.JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(json)),
        timeout);
  }

  Reply put(String path, Object body, Duration timeout) throws InterruptedException {
    try {
      return send(
          HttpRequest.newBuilder(URI.create(base + path))
              .header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofByteArray(History.JSON.writeValueAsBytes(body))),
          timeout);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  Reply get(String path, Duration timeout) throws InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), timeout);
  }

  private Reply send(HttpRequest.Builder request, Duration timeout) throws InterruptedException {
    HttpResponse<byte[]> r;
    try {
      r = client.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException | ConnectException e) {
      return new Reply(Op.Type.FAIL, 0, null, "connect: " + describe(e));
    } catch (IOException e) {
      return new Reply(Op.Type.INFO, 0, null, describe(e));
    }
    JsonNode body = null;
    try {
      body = r.body().length == 0 ? null : History.JSON.readTree(r.body());
    } catch (IOException e) {
      return new Reply(Op.Type.INFO, r.statusCode(), null, "unreadable body: " + e.getMessage());
    }
    return Reply.of(r.statusCode(), body);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
  }
}
