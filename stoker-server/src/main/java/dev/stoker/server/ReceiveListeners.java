package dev.stoker.server;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.util.List;

/**
 * Several HTTP/1 receive listeners as one. Helidon (4.5) combines the listeners added to a protocol
 * config into one that passes on data events only, not the request line or the headers, which are
 * what ours need; so the config gets this one.
 */
final class ReceiveListeners implements Http1ConnectionListener {
  private final List<Http1ConnectionListener> listeners;

  ReceiveListeners(Http1ConnectionListener... listeners) {
    this.listeners = List.of(listeners);
  }

  @Override
  public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
    for (Http1ConnectionListener l : listeners) {
      l.prologue(ctx, prologue);
    }
  }

  @Override
  public void headers(ConnectionContext ctx, Headers headers) {
    for (Http1ConnectionListener l : listeners) {
      l.headers(ctx, headers);
    }
  }
}
