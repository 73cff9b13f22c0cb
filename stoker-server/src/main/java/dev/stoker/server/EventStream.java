package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * One subscriber's {@code GET /v1/events}: the {@link ChangeFeed}'s events of the queues it asked
 * for, as Server-Sent Events (docs/api.md#events). Each event is {@code event:} its transition,
 * {@code id:} its position and {@code data:} the task's JSON as {@code GET /v1/tasks/{id}} answers
 * it. A comment is sent when nothing was for {@code keepAlive}, so proxies keep the connection open
 * and a client that went away is noticed. The stream ends when the client goes away (a write fails)
 * or the server stops.
 */
final class EventStream implements Response.Stream {
  static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
  static final long DEFAULT_KEEP_ALIVE_MS = 15_000;
  private static final byte[] OPENED = ": stoker events\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ChangeFeed feed;
  private final JsonFactory json;
  private final Predicate<String> queues;
  private final String lastEventId;
  private final long keepAliveNanos;

  /**
   * @param queues which queues' events to send
   * @param lastEventId the {@code Last-Event-ID} the client sent, or null
   */
  EventStream(
      ChangeFeed feed,
      JsonFactory json,
      Predicate<String> queues,
      String lastEventId,
      long keepAliveMs) {
    this.feed = feed;
    this.json = json;
    this.queues = queues;
    this.lastEventId = lastEventId;
    this.keepAliveNanos = keepAliveMs * 1_000_000;
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    // the position first: a client that saw the opening comment sees every transition after it
    long after = feed.resumeAfter(lastEventId);
    feed.subscribed();
    try {
      stream(out, after);
    } finally {
      feed.unsubscribed();
    }
  }

  private void stream(OutputStream out, long after) throws IOException {
    out.write(OPENED);
    out.flush();
    long lastWrite = System.nanoTime();
    try {
      while (true) {
        long wait = keepAliveNanos - (System.nanoTime() - lastWrite);
        boolean wrote = false;
        if (wait > 0) {
          ChangeFeed.Read r = feed.read(after, wait);
          if (r.closed()) {
            return;
          }
          if (r.reset()) {
            reset(out, r.next());
            wrote = true;
          }
          for (ChangeFeed.Event e : r.events()) {
            if (e.isReset()) {
              reset(out, e.position);
              wrote = true;
            } else if (queues.test(e.task.queue())) {
              event(out, e);
              wrote = true;
            }
          }
          after = r.next();
        } else {
          out.write(KEEP_ALIVE);
          wrote = true;
        }
        if (wrote) {
          out.flush();
          lastWrite = System.nanoTime();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void event(OutputStream out, ChangeFeed.Event e) throws IOException {
    byte[] data = e.data;
    if (data == null) {
      data = Json.write(json, g -> Json.task(g, e.task, null, false));
      e.data = data;
    }
    write(out, e.transition.wireName(), feed.id(e.position), data);
  }

  /** Tells the client it missed events: it should reload what it shows, then read on from here. */
  private void reset(OutputStream out, long next) throws IOException {
    byte[] data =
        Json.write(
            json,
            g -> {
              g.writeStartObject();
              g.writeStringField(
                  "detail",
                  "events were missed (the Last-Event-ID is not one of the events this server still "
                      + "keeps, the client read too slowly, or this server lost track of other "
                      + "servers' transitions for a while): reload what you show from the API, then "
                      + "read on from here");
              g.writeEndObject();
            });
    write(out, "reset", feed.id(next), data);
  }

  private static void write(OutputStream out, String name, String id, byte[] data)
      throws IOException {
    out.write(("event: " + name + "\nid: " + id + "\n").getBytes(StandardCharsets.US_ASCII));
    // JSON as the server writes it has no line breaks; if some text had one, each line is a data
    // line
    int start = 0;
    for (int i = 0; i <= data.length; i++) {
      if (i == data.length || data[i] == '\n' || data[i] == '\r') {
        out.write(DATA);
        out.write(data, start, i - start);
        out.write('\n');
        start = i + 1;
      }
    }
    out.write('\n');
  }

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
}
