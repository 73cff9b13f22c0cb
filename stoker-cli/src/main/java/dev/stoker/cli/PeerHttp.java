package dev.stoker.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One persistent HTTP/1.1 connection to a peer node, used by one thread at a time: a request is
 * written in one go and its answer read by its {@code Content-Length} on the calling thread.
 *
 * <p>Why not {@link java.net.http.HttpClient}: a 3-node benchmark's CPU profile put 19 % of each
 * node's CPU in it (its selector thread, its executor and the hand-offs between them and the
 * caller), for what is one blocking write and one blocking read on a connection only this thread
 * uses (docs/benchmarks.md, "Results: the AP cluster"). Only what a node's own server answers is
 * read: a status line, headers, a body of known length. {@code https://} peers get TLS with the
 * JVM's default trust and host name checks, as the JDK client gives them.
 */
final class PeerHttp implements AutoCloseable {
  /** An answer: its status and body. */
  record Answer(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** The most a peer's answer may hold: ten times the largest exchange a node sends. */
  private static final int MAX_BODY = 256 << 20;

  private final String host;
  private final int port;
  private final boolean tls;
  private final String hostHeader;
  private final Duration connectTimeout;

  /** Volatile so that {@link #close} from another thread ends a blocked read. */
  private volatile Socket socket;

  private OutputStream out;
  private InputStream in;

  PeerHttp(URI peer, Duration connectTimeout) {
    this.tls = "https".equals(peer.getScheme());
    this.host = peer.getHost();
    this.port = peer.getPort() >= 0 ? peer.getPort() : tls ? 443 : 80;
    this.hostHeader = host + ":" + port;
    this.connectTimeout = connectTimeout;
  }

  /**
   * Posts {@code body} to {@code path} and returns the answer; connects first when no connection is
   * open. Any failure closes the connection (the next call opens a new one) and is thrown.
   *
   * @param timeout how long the whole answer may take to arrive
   */
  Answer post(String path, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    try {
      if (socket == null) {
        connect();
      }
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      StringBuilder head =
          new StringBuilder(160)
              .append("POST ")
              .append(path)
              .append(" HTTP/1.1\r\nHost: ")
              .append(hostHeader)
              .append("\r\nContent-Length: ")
              .append(body.length)
              .append("\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(System.nanoTime() + timeout.toNanos());
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      if (tls) {
        SSLSocket ssl =
            (SSLSocket) defaultTls().getSocketFactory().createSocket(s, host, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.setSoTimeout((int) connectTimeout.toMillis());
        ssl.startHandshake();
        s = ssl;
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    socket = s;
    out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
  }

  private static SSLContext defaultTls() throws IOException {
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("no TLS in this JVM", e);
    }
  }

  private Answer read(long deadline) throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
      throw new IOException("not an HTTP/1.1 answer: " + status);
    }
    int code = parse(status.substring(9, 12), "status");
    long length = -1;
    boolean close = false;
    for (String h = line(); !h.isEmpty(); h = line()) {
      if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = parse(h.substring(15).trim(), "Content-Length");
      } else if (h.regionMatches(true, 0, "connection:", 0, 11)) {
        close = h.substring(11).trim().equalsIgnoreCase("close");
      } else if (h.regionMatches(true, 0, "transfer-encoding:", 0, 18)) {
        throw new IOException("a peer answered with " + h + ", not a Content-Length");
      }
    }
    if (length < 0 || length > MAX_BODY) {
      throw new IOException("a peer's answer without a usable Content-Length: " + length);
    }
    byte[] body = new byte[(int) length];
    for (int n = 0; n < body.length; ) {
      if (System.nanoTime() - deadline > 0) {
        throw new SocketTimeoutException("a peer's answer took too long");
      }
      int r = in.read(body, n, body.length - n);
      if (r < 0) {
        throw new IOException("the connection closed in the middle of an answer");
      }
      n += r;
    }
    if (close) {
      close();
    }
    return new Answer(code, body);
  }

  private static int parse(String digits, String what) throws IOException {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw new IOException("a peer's answer has a bad " + what + ": " + digits, e);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("the connection closed in the middle of an answer");
      }
      if (c != '\r') {
        b.write(c);
      }
      if (b.size() > 16 * 1024) {
        throw new IOException("a peer's answer has a line longer than 16 KiB");
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Closes the connection; any thread may call it, and a blocked {@link #post} then fails. */
  @Override
  public void close() {
    Socket s = socket;
    socket = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
