package dev.stoker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON-over-HTTP client for tests: real requests on real sockets. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client;
  private final String base;
  private final String token;

  Http(String base) {
    this(
        base,
        null,
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build());
  }

  /**
   * Requests that carry {@code Authorization: Bearer token} (none when null), sent by {@code
   * client}.
   */
  Http(String base, String token, HttpClient client) {
    this.base = base;
    this.token = token;
    this.client = client;
  }

  /** The same server, as another token. */
  Http as(String otherToken) {
    return new Http(base, otherToken, client);
  }

  /** A reply: status, content type, the body parsed as JSON (null when empty), and the headers. */
  record Reply(int status, String contentType, JsonNode body, java.net.http.HttpHeaders headers) {
    JsonNode at(String pointer) {
      return body.at(pointer);
    }
  }

  Reply get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Reply post(String path, String json) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply put(String path, String json) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<byte[]> r =
        client.send(
            request.timeout(Duration.ofSeconds(90)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    JsonNode body = r.body().length == 0 ? null : JSON.readTree(r.body());
    return new Reply(
        r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), body, r.headers());
  }

  /** A queue's counts and every task in it (up to 1,000): what must not change after bad input. */
  JsonNode queueState(String queue) throws IOException, InterruptedException {
    Reply q = get("/v1/queues/" + queue);
    Reply tasks = get("/v1/queues/" + queue + "/tasks?limit=1000");
    return JSON.createObjectNode()
        .<com.fasterxml.jackson.databind.node.ObjectNode>set("counts", q.at("/counts"))
        .set("tasks", tasks.at("/tasks"));
  }

  static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
