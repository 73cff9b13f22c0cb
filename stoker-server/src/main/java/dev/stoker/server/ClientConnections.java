package dev.stoker.server;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.lang.reflect.Field;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a request's handler its {@link ClientConnection}. Helidon serves each HTTP/1 connection on a
 * virtual thread of its own, calls its listeners on that thread and runs the handler there too, so
 * the connection's socket is kept in a thread local when a request line comes in.
 *
 * <p>Watching is Helidon's own idle-connection monitor ({@link HelidonSocket#idle()}): another virtual
 * thread reads one byte from the socket in reads of 101 ms, up to the socket's read timeout; an end of
 * stream, a reset or that timeout marks the socket disconnected. A byte that does arrive (the client's
 * next request) is kept for the connection's next read, which also ends the watch. Only blocking
 * sockets have the monitor (the server runs with {@code useNio(false)}), and Helidon (4.5) gives
 * accepted sockets no read timeout, with which the monitor would give up after its first 101 ms; so
 * each connection's socket gets the read timeout here, the one thing Helidon's API offers no way to
 * do, through reflection. When that fails (another Helidon), watching is off and said so once.
 */
final class ClientConnections implements Http1ConnectionListener {
  private static final Logger log = LoggerFactory.getLogger(ClientConnections.class);
  private static final Field SOCKET = socketField();

  private final int readTimeoutMs;
  private final ThreadLocal<HelidonSocket> current = new ThreadLocal<>();

  ClientConnections(Duration readTimeout) {
    this.readTimeoutMs = Math.toIntExact(readTimeout.toMillis());
  }

  @Override
  public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
    HelidonSocket socket;
    try {
      socket = ctx.serverSocket();
    } catch (UnsupportedOperationException e) {
      return;
    }
    if (socket != current.get()) {
      current.set(withReadTimeout(socket) ? socket : null);
    }
  }

  /** The connection of the request the calling thread serves. */
  ClientConnection current() {
    HelidonSocket socket = current.get();
    if (socket == null) {
      return ClientConnection.UNKNOWN;
    }
    return new ClientConnection() {
      @Override
      public void watch() {
        socket.idle();
      }

      @Override
      public boolean closed() {
        return !socket.isConnected();
      }
    };
  }

  private boolean withReadTimeout(HelidonSocket socket) {
    if (SOCKET == null || !(socket instanceof PlainSocket)) {
      return false;
    }
    try {
      ((Socket) SOCKET.get(socket)).setSoTimeout(readTimeoutMs);
      return true;
    } catch (IllegalAccessException | SocketException e) {
      return false;
    }
  }

  private static Field socketField() {
    try {
      Field f = PlainSocket.class.getDeclaredField("delegate");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("claims cannot notice a client hang up while they wait (this Helidon hides its sockets: {});"
          + " tasks they get then wait out their lease", e.toString());
      return null;
    }
  }
}
