package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client over a real connection, for tests: a reader thread parses the stream
 * into events and comments; the test takes them one by one, failing when none comes within a
 * deadline.
 */
public final class SseClient implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Object END = new Object();

  public record Event(String name, String id, String data) {}

  public record Comment(String text) {}

  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
  private final Thread reader;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = Thread.ofVirtual().start(this::read);
  }

  /** Opens {@code path} on 127.0.0.1 with the headers given as name, value, name, value… */
  public static SseClient open(int port, String path, String... headers) throws Exception {
    return open("http://127.0.0.1:" + port + path, headers);
  }

  /** Opens {@code url} with the headers given as name, value, name, value… */
  public static SseClient open(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return new SseClient(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  /** The next event, skipping comments. */
  public Event next() throws InterruptedException {
    while (true) {
      Object item = take();
      if (item instanceof Event e) {
        return e;
      }
    }
  }

  /**
   * The next event if one comes within {@code wait} (skipping comments), else null: for a test that
   * repeats something until an event shows it took effect.
   */
  public Event next(Duration wait) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (true) {
      Object item = items.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (item == null || item == END) {
        if (item == END) {
          items.add(END);
        }
        return null;
      }
      if (item instanceof Event e) {
        return e;
      }
    }
  }

  /** The next comment, skipping events. */
  public Comment nextComment() throws InterruptedException {
    while (true) {
      Object item = take();
      if (item instanceof Comment c) {
        return c;
      }
    }
  }

  /** Waits for the server to end the stream, skipping what comes before. */
  public void awaitEnd() throws InterruptedException {
    while (take() != END) {
      // skip
    }
  }

  private Object take() throws InterruptedException {
    Object item = items.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    if (item == null) {
      fail("nothing came on the event stream within " + DEADLINE);
    }
    if (item == END && items.isEmpty()) {
      items.add(END);
    }
    return item;
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String name = null;
      String id = null;
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            items.add(new Event(name == null ? "message" : name, id, data.toString()));
          }
          name = null;
          id = null;
          data = null;
        } else if (line.startsWith(":")) {
          items.add(new Comment(line.substring(1).strip()));
        } else {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
          switch (field) {
            case "event" -> name = value;
            case "id" -> id = value;
            case "data" ->
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> {}
          }
        }
      }
    } catch (IOException e) {
      // closed by the test, or the server went away: the stream ends either way
    }
    items.add(END);
  }

  /** Whether the stream ended. */
  public boolean ended() {
    return !reader.isAlive();
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
