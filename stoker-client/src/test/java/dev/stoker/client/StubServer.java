package dev.stoker.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A scripted HTTP server for unit tests: answers every request with what {@link #answer} says. */
final class StubServer implements AutoCloseable {
  /** One request as the stub saw it. */
  record Seen(
      String method,
      String path,
      String query,
      String authorization,
      String contentType,
      String body) {}

  /** What to answer. */
  record Answer(int status, String contentType, String body) {}

  @FunctionalInterface
  interface Script {
    Answer answer(Seen request) throws Exception;
  }

  private final HttpServer server;
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  StubServer(Script script) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", ex -> handle(ex, script));
    server.start();
  }

  private void handle(HttpExchange ex, Script script) throws IOException {
    try (ex) {
      Seen s =
          new Seen(
              ex.getRequestMethod(),
              ex.getRequestURI().getRawPath(),
              ex.getRequestURI().getRawQuery(),
              ex.getRequestHeaders().getFirst("Authorization"),
              ex.getRequestHeaders().getFirst("Content-Type"),
              new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      seen.add(s);
      Answer a;
      try {
        a = script.answer(s);
      } catch (Exception e) {
        a = new Answer(500, "text/plain", e.toString());
      }
      byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
      if (a.contentType() != null) {
        ex.getResponseHeaders().add("Content-Type", a.contentType());
      }
      ex.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        ex.getResponseBody().write(body);
      }
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
