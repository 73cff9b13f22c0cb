package dev.stoker.server;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client takes longer than the read timeout to send a request's headers,
 * or its body, counted from the request line: the defence against slow-loris clients.
 *
 * <p>Helidon closes a connection that is silent before a request line, but once the request line is
 * in it waits for the rest however slowly it trickles. Each connection runs on a virtual thread of
 * its own, and interrupting a virtual thread blocked on a socket read closes that socket, so a
 * deadline is a map entry from the reading thread to a time, and one sweeper interrupts the threads
 * whose time has passed. An entry costs two map updates per request, no timer.
 */
final class ReadDeadlines implements Http1ConnectionListener, AutoCloseable {
  private final Map<Thread, Long> deadlines = new ConcurrentHashMap<>();
  private final long limitNanos;
  private final Thread sweeper;

  ReadDeadlines(Duration limit) {
    this.limitNanos = limit.toNanos();
    long period = Math.clamp(limit.toMillis() / 4, 50, 5_000);
    this.sweeper =
        Thread.ofPlatform().daemon().name("stoker-read-deadlines").start(() -> sweep(period));
  }

  /** The request line is in: the headers (and then the body) must follow within the limit. */
  @Override
  public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
    start();
  }

  /**
   * The headers are in; the body, if any, is timed by {@link #start()}/{@link #end()} around its
   * read.
   */
  @Override
  public void headers(ConnectionContext ctx, Headers headers) {
    end();
  }

  /** The calling thread must finish its read before the limit. */
  void start() {
    deadlines.put(Thread.currentThread(), System.nanoTime() + limitNanos);
  }

  /** The calling thread's read is done. */
  void end() {
    deadlines.remove(Thread.currentThread());
  }

  private void sweep(long periodMs) {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        TimeUnit.MILLISECONDS.sleep(periodMs);
        long now = System.nanoTime();
        deadlines.forEach(
            (thread, deadline) -> {
              if (now - deadline > 0 && deadlines.remove(thread, deadline)) {
                thread.interrupt();
              }
            });
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  @Override
  public void close() {
    sweeper.interrupt();
  }
}
