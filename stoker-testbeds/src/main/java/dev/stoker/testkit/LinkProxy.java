package dev.stoker.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A TCP proxy for one direction of one link between two cluster nodes: the node on the near side
 * reaches its peer through it, so a test can cut the link (every connection through it is closed,
 * new ones are closed at once) and heal it, as a partition would. The nodes learn each other's
 * identities from the handshake, not from the address, so the proxy changes nothing else. Used by
 * the cluster tests and by {@code stoker verify --backend cluster}.
 *
 * <p>It can also {@linkplain #resetAfter reset} every connection after some bytes, so that a
 * message is torn off in the middle (ap-cluster.md's C11: a link reset mid-batch, repeatedly).
 */
public final class LinkProxy implements AutoCloseable {
  private final ServerSocket server;
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private volatile int target = -1;
  private volatile boolean cut;
  private volatile boolean closed;

  /** Per new connection, after how many bytes to reset it; null: never. */
  private volatile LongSupplier resetAfter;

  private final AtomicLong resets = new AtomicLong();

  /** How long each piece of an answer (bytes from the far node back) is held before it goes on. */
  private volatile long answerDelayMs;

  /** One connection through the proxy: its two sockets, and the bytes it carried both ways. */
  private static final class Connection {
    final Socket in;
    final Socket out;
    final long limit;
    final AtomicLong carried = new AtomicLong();
    final AtomicBoolean closed = new AtomicBoolean();

    Connection(Socket in, Socket out, long limit) {
      this.in = in;
      this.out = out;
      this.limit = limit;
    }

    /** Closes both sockets, with a TCP RST when {@code reset}; whether this call closed them. */
    boolean close(boolean reset) {
      if (!closed.compareAndSet(false, true)) {
        return false;
      }
      for (Socket s : new Socket[] {in, out}) {
        if (reset) {
          try {
            s.setSoLinger(true, 0);
          } catch (IOException ignored) {
            // already closed: the close below does nothing
          }
        }
        closeQuietly(s);
      }
      return true;
    }
  }

  public LinkProxy() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("link-proxy-" + server.getLocalPort()).start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Forwards to the node listening on {@code port} from now on. */
  public void target(int port) {
    this.target = port;
  }

  /** Cuts the link: closes every connection through it and every new one. */
  public void cut() {
    cut = true;
    open.forEach(c -> c.close(false));
    open.clear();
  }

  public void heal() {
    cut = false;
  }

  /**
   * From now on resets (TCP RST) every connection through the link once it has carried, both ways
   * together, the number of bytes {@code limits} gives it (asked once per connection): whatever
   * message it carries then is torn off in the middle, the part before the limit delivered. The
   * connections open now are reset at once. {@code null} stops it for new connections.
   */
  public void resetAfter(LongSupplier limits) {
    resetAfter = limits;
    if (limits != null) {
      for (Connection c : open) {
        if (c.close(true)) {
          resets.incrementAndGet();
        }
      }
      open.clear();
    }
  }

  /**
   * From now on holds every piece of what the far node sends back (its answers) {@code ms} before
   * passing it on, as a slow or starved peer would answer late; 0 stops it.
   */
  public void delayAnswers(long ms) {
    answerDelayMs = ms;
  }

  /** How many connections this proxy has reset so far (by {@link #resetAfter}). */
  public long resets() {
    return resets.get();
  }

  private void accept() {
    while (!closed) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return;
      }
      int to = target;
      if (cut || to < 0) {
        closeQuietly(in);
        continue;
      }
      try {
        Socket out = new Socket(InetAddress.getLoopbackAddress(), to);
        LongSupplier limits = resetAfter;
        Connection c =
            new Connection(in, out, limits == null ? Long.MAX_VALUE : limits.getAsLong());
        open.add(c);
        pump(c, in, out);
        pump(c, out, in);
      } catch (IOException e) {
        closeQuietly(in);
      }
    }
  }

  private void pump(Connection c, Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream i = from.getInputStream();
                  OutputStream o = to.getOutputStream()) {
                for (int n = i.read(buf); n >= 0 && !cut; n = i.read(buf)) {
                  long delay = answerDelayMs;
                  if (from == c.out && delay > 0) {
                    Thread.sleep(delay);
                  }
                  long before = c.carried.getAndAdd(n);
                  int pass = (int) Math.max(0, Math.min(n, c.limit - before));
                  o.write(buf, 0, pass);
                  o.flush();
                  if (pass < n) {
                    // Reset here: closing the streams below would end the connection with a FIN.
                    if (c.close(true)) {
                      resets.incrementAndGet();
                    }
                    break;
                  }
                }
              } catch (IOException | InterruptedException e) {
                // one side closed or the link was cut
              } finally {
                c.close(false);
                open.remove(c);
              }
            });
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    cut();
  }
}
