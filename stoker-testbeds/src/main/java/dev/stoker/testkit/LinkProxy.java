package dev.stoker.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy for one direction of one link between two cluster nodes: the node on the near side
 * reaches its peer through it, so a test can cut the link (every connection through it is closed,
 * new ones are closed at once) and heal it, as a partition would. The nodes learn each other's
 * identities from the handshake, not from the address, so the proxy changes nothing else. Used by
 * the cluster tests and by {@code stoker verify --backend cluster}.
 */
public final class LinkProxy implements AutoCloseable {
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile int target = -1;
  private volatile boolean cut;
  private volatile boolean closed;

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
    open.forEach(LinkProxy::closeQuietly);
    open.clear();
  }

  public void heal() {
    cut = false;
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
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        closeQuietly(in);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream i = from.getInputStream();
                  OutputStream o = to.getOutputStream()) {
                for (int n = i.read(buf); n >= 0 && !cut; n = i.read(buf)) {
                  o.write(buf, 0, n);
                  o.flush();
                }
              } catch (IOException e) {
                // one side closed or the link was cut
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
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
