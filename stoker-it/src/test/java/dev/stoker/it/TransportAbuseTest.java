package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Abuse of HTTP itself, sent byte by byte over raw sockets: each is answered with a 4xx
 * problem+json or the connection is closed, the server stays healthy, and nothing changes.
 */
class TransportAbuseTest {
  private static final int READ_TIMEOUT_MS = 1500;
  private static final int MAX_HEADER_BYTES = 4096;

  @RegisterExtension
  static final ServerExtension server =
      new ServerExtension(
          "--read-timeout-ms",
          String.valueOf(READ_TIMEOUT_MS),
          "--max-header-bytes",
          String.valueOf(MAX_HEADER_BYTES));

  JsonNode before;

  @BeforeAll
  static void seed() throws Exception {
    fresh().post("/v1/queues/abuse/tasks", "{\"name\":\"keep\"}");
  }

  /**
   * A new client each time: the server closes idle keep-alive connections after the short read
   * timeout.
   */
  private static Http fresh() {
    return new Http(server.url());
  }

  @BeforeEach
  void snapshot() throws Exception {
    before = fresh().queueState("abuse");
  }

  @AfterEach
  void healthy_and_unchanged() throws Exception {
    Http http = fresh();
    assertThat(http.get("/healthz").status()).isEqualTo(200);
    assertThat(http.queueState("abuse")).as("transport abuse changed nothing").isEqualTo(before);
  }

  /**
   * Sends {@code request} as is and reads until the server closes the connection (or 20 s pass).
   */
  private static String exchange(String request) throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return readUntilClosed(s);
    }
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(
        new InetSocketAddress("127.0.0.1", Integer.parseInt(server.url().replaceAll(".*:", ""))),
        5000);
    s.setSoTimeout(20_000);
    return s;
  }

  private static String readUntilClosed(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open; read so far: " + out, e);
    } catch (java.net.SocketException e) {
      // reset by the server after its answer: also closed
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void assertProblem(String reply, int status, String detailContains) {
    assertThat(reply).startsWith("HTTP/1.1 " + status);
    assertThat(reply.toLowerCase()).contains("content-type: application/problem+json");
    assertThat(reply).contains("\"status\":" + status).contains(detailContains);
  }

  private static String post(String headers, String body) {
    return "POST /v1/queues/abuse/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + headers
        + "\r\n"
        + body;
  }

  @Test
  void headers_over_the_limit_are_refused_naming_the_limit() throws Exception {
    String reply =
        exchange(
            post(
                "X-Big: " + "a".repeat(MAX_HEADER_BYTES * 2) + "\r\nContent-Length: 12\r\n",
                "{\"name\":\"a\"}"));
    assertProblem(reply, 400, String.valueOf(MAX_HEADER_BYTES));
  }

  @Test
  void a_request_line_that_is_not_http_is_refused() throws Exception {
    assertThat(exchange("HELLO THERE\r\n\r\n"))
        .satisfiesAnyOf(r -> assertProblem(r, 400, ""), r -> assertThat(r).isEmpty());
  }

  @Test
  void content_length_with_transfer_encoding_is_refused() throws Exception {
    // the classic request-smuggling ambiguity: which framing wins is never guessed
    String reply =
        exchange(
            post(
                "Content-Length: 12\r\nTransfer-Encoding: chunked\r\n",
                "c\r\n{\"name\":\"a\"}\r\n0\r\n\r\n"));
    assertProblem(reply, 400, "not valid HTTP/1.1");
  }

  @Test
  void a_content_length_that_is_not_a_number_is_refused() throws Exception {
    assertProblem(exchange(post("Content-Length: twelve\r\n", "{\"name\":\"a\"}")), 400, "");
  }

  @Test
  void a_content_length_over_the_body_limit_is_413_before_the_body_is_read() throws Exception {
    assertProblem(exchange(post("Content-Length: 999999999999\r\n", "")), 413, "limit");
  }

  @Test
  void a_body_shorter_than_its_content_length_is_dropped_when_the_client_goes_silent()
      throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              post("Content-Length: 100\r\n", "{\"name\":\"a\"").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      // the server gives up after its read timeout; the half body is never enqueued (checked after
      // each test)
      String reply = readUntilClosed(s);
      assertThat(reply).doesNotContain("201");
    }
  }

  @Test
  void a_client_trickling_its_headers_is_cut_off_though_it_is_never_silent() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              "GET /v1/queues/abuse HTTP/1.1\r\nHost: x\r\nX-Trickle: "
                  .getBytes(StandardCharsets.US_ASCII));
      // one byte every fifth of the read timeout: never silent long enough for a per-read timeout
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      boolean cut = false;
      while (!cut && System.nanoTime() < deadline) {
        try {
          s.getOutputStream().write('a');
          s.getOutputStream().flush();
          Thread.sleep(READ_TIMEOUT_MS / 5);
        } catch (IOException e) {
          cut = true;
        }
      }
      assertThat(cut).as("the server closed the trickling connection within 30 s").isTrue();
    }
  }

  @Test
  void slow_loris_clients_neither_block_others_nor_stay_connected() throws Exception {
    List<Socket> lorises = new ArrayList<>();
    try {
      for (int i = 0; i < 64; i++) {
        Socket s = connect();
        s.getOutputStream()
            .write(
                "POST /v1/queues/abuse/tasks HTTP/1.1\r\nHost: x\r\nX-Slow: "
                    .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        lorises.add(s);
      }
      // while they dangle, everybody else is served
      Http http = fresh();
      assertThat(http.get("/healthz").status()).isEqualTo(200);
      assertThat(http.get("/v1/queues/abuse").status()).isEqualTo(200);
      // and each silent half-request is closed by the server (its read timeout), not kept forever
      for (Socket s : lorises) {
        assertThat(readUntilClosed(s)).doesNotStartWith("HTTP/1.1 2");
      }
    } finally {
      for (Socket s : lorises) {
        s.close();
      }
    }
  }
}
