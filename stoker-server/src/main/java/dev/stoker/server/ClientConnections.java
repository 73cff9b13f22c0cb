package dev.stoker.server;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.NioSocket;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a request's handler its {@link ClientConnection}. Helidon serves each HTTP/1 connection on
 * a virtual thread of its own, calls its listeners on that thread and runs the handler there too,
 * so the connection is kept in a thread local when a request line comes in.
 *
 * <p>Whether a client hung up is asked of the socket channel under Helidon's NIO socket, once, when
 * a claim that waited has tasks, and nothing watches a connection in between: the kernel keeps an
 * end of stream or a reset until someone reads. The handler's thread owns the channel then (Helidon
 * reads the next request only after the handler returns), so it switches the channel to
 * non-blocking for a moment and polls it with a {@link Selector} (one from a small pool): a channel
 * that is readable with no bytes to read is at its end of stream or reset. Nothing is read, so a
 * request the client pipelined stays for Helidon. Over TLS the bytes may be the client's {@code
 * close_notify}, which cannot be told apart without reading them, so there any bytes count as
 * hanging up.
 *
 * <p>Helidon (4.5) offers no way to reach the channel but reflection; when that fails (another
 * Helidon), every client is taken to be there, said once in the log.
 */
final class ClientConnections implements Http1ConnectionListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientConnections.class);
  private static final Field CHANNEL = channelField();

  /** More selectors than this many checks at once are closed after use, not kept. */
  private static final int POOLED_SELECTORS = 16;

  private final ThreadLocal<Connection> current = new ThreadLocal<>();
  private final Queue<Selector> selectors = new ConcurrentLinkedQueue<>();
  private volatile boolean shutDown;

  @Override
  public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
    HelidonSocket socket;
    try {
      socket = ctx.serverSocket();
    } catch (UnsupportedOperationException e) {
      return;
    }
    Connection c = current.get();
    if (c == null || c.socket != socket) {
      SocketChannel channel = channel(socket);
      current.set(channel == null ? null : new Connection(socket, channel, socket.isSecure()));
    }
  }

  /** The connection of the request the calling thread serves. */
  ClientConnection current() {
    Connection c = current.get();
    return c == null ? ClientConnection.UNKNOWN : c;
  }

  @Override
  public void close() {
    shutDown = true;
    for (Selector s; (s = selectors.poll()) != null; ) {
      closeQuietly(s);
    }
  }

  private final class Connection implements ClientConnection {
    private final HelidonSocket socket;
    private final SocketChannel channel;
    private final boolean tls;

    Connection(HelidonSocket socket, SocketChannel channel, boolean tls) {
      this.socket = socket;
      this.channel = channel;
      this.tls = tls;
    }

    @Override
    public boolean closed() {
      if (!channel.isOpen()) {
        return true;
      }
      Selector selector = selectors.poll();
      try {
        if (selector == null) {
          selector = Selector.open();
        }
      } catch (IOException e) {
        return false;
      }
      try {
        boolean hungUp = readableWithNothingToRead(selector);
        pool(selector);
        return hungUp;
      } catch (IOException e) {
        // closed meanwhile, or reset; the selector may still hold the channel, so it is not reused
        closeQuietly(selector);
        return true;
      }
    }

    private boolean readableWithNothingToRead(Selector selector) throws IOException {
      channel.configureBlocking(false);
      try {
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        boolean readable = selector.selectNow() > 0;
        key.cancel();
        // deregisters the channel now: a channel closed while registered is closed only at the next
        // select
        selector.selectNow();
        return readable && (tls || channel.socket().getInputStream().available() == 0);
      } finally {
        channel.configureBlocking(true);
      }
    }
  }

  private void pool(Selector selector) {
    if (selectors.size() < POOLED_SELECTORS) {
      selectors.add(selector);
      // once closed, whoever takes it out of the pool closes it: close() or this
      if (!shutDown || !selectors.remove(selector)) {
        return;
      }
    }
    closeQuietly(selector);
  }

  private static SocketChannel channel(HelidonSocket socket) {
    if (CHANNEL == null || !(socket instanceof NioSocket)) {
      return null;
    }
    try {
      return (SocketChannel) CHANNEL.get(socket);
    } catch (IllegalAccessException | ClassCastException e) {
      return null;
    }
  }

  private static void closeQuietly(Selector selector) {
    try {
      selector.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }

  private static Field channelField() {
    try {
      Field f = NioSocket.class.getDeclaredField("delegate");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(
          "claims cannot notice a client hang up while they wait (this Helidon hides its socket channels: {});"
              + " tasks they get then wait out their lease",
          e.toString());
      return null;
    }
  }
}
