package dev.stoker.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 keep-alive connection, as lean as a load generator's should be (wrk's model): the
 * request is written in one go, the response read by its Content-Length. The benchmark measures the
 * server, so the client spends as little CPU per request as it can; the peers were driven the same
 * way. Not a general HTTP client: no redirects, no TLS (chunked bodies only because etcd's gateway
 * sends its larger replies so).
 */
final class RawHttp implements AutoCloseable {
  /** A response: status and body. */
  record Response(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final String host;
  private final int port;
  private Socket socket;
  private OutputStream out;
  private InputStream in;

  RawHttp(URI server) {
    this.host = server.getHost();
    this.port = server.getPort() < 0 ? 80 : server.getPort();
  }

  Response get(String path) {
    String head = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n";
    return exchange(head.getBytes(StandardCharsets.US_ASCII), new byte[0]);
  }

  Response post(String path, byte[] json) {
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + ":"
            + port
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + json.length
            + "\r\n\r\n";
    return exchange(head.getBytes(StandardCharsets.US_ASCII), json);
  }

  private Response exchange(byte[] head, byte[] body) {
    try {
      if (socket == null) {
        connect();
      }
      out.write(head);
      out.write(body);
      out.flush();
      return read();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5_000);
    out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
  }

  private Response read() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP/1.1 response: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    boolean chunked = false;
    for (String h = line(); !h.isEmpty(); h = line()) {
      if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(h.substring(15).trim());
      } else if (h.regionMatches(true, 0, "transfer-encoding:", 0, 18)) {
        chunked = h.substring(18).trim().equalsIgnoreCase("chunked");
      }
    }
    if (chunked) {
      return new Response(code, chunks());
    }
    if (length < 0) {
      throw new IOException("response without Content-Length");
    }
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new IOException("connection closed in the middle of a response");
    }
    return new Response(code, body);
  }

  /** A chunked body: hex size lines, each followed by that many bytes and CRLF; size 0 ends it. */
  private byte[] chunks() throws IOException {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (int size = chunkSize(); size > 0; size = chunkSize()) {
      byte[] chunk = in.readNBytes(size);
      if (chunk.length != size) {
        throw new IOException("connection closed in the middle of a chunk");
      }
      body.write(chunk);
      line();
    }
    for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
      // no trailers are used
    }
    return body.toByteArray();
  }

  private int chunkSize() throws IOException {
    String size = line();
    int semicolon = size.indexOf(';');
    return Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
  }

  private String line() throws IOException {
    return Lines.read(in);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      socket = null;
    }
  }
}
