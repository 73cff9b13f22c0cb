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
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  Http(String base) {
    this.base = base;
  }

  /** A reply: status, content type and the body parsed as JSON (null when empty). */
  record Reply(int status, String contentType, JsonNode body) {
    JsonNode at(String pointer) {
      return body.at(pointer);
    }
  }

  Reply get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Reply post(String path, String json) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply put(String path, String json) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = client.send(request.timeout(Duration.ofSeconds(90)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    JsonNode body = r.body().length == 0 ? null : JSON.readTree(r.body());
    return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), body);
  }

  /** A queue's counts and every task in it (up to 1,000): what must not change after bad input. */
  JsonNode queueState(String queue) throws IOException, InterruptedException {
    Reply q = get("/v1/queues/" + queue);
    Reply tasks = get("/v1/queues/" + queue + "/tasks?limit=1000");
    return JSON.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("counts", q.at("/counts"))
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
