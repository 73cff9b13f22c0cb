package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --max-concurrent-requests} and {@code --max-connections} on a real server. */
class LimitsTest {
  @RegisterExtension
  static final ServerExtension server =
      new ServerExtension("--max-concurrent-requests", "1", "--max-connections", "2");

  static Socket send(String request) throws Exception {
    Socket s = new Socket("127.0.0.1", Integer.parseInt(server.url().replaceAll(".*:", "")));
    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  static String statusLine(Socket s) throws Exception {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
        .readLine();
  }

  @Test
  void requests_beyond_the_limit_get_503_and_connections_beyond_it_wait() throws Exception {
    String body = "{\"worker\":\"w\",\"wait_ms\":20000}";
    // one waiting claim fills --max-concurrent-requests 1
    try (Socket parked =
        send(
            "POST /v1/queues/limits/claim HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + body.length()
                + "\r\n\r\n"
                + body)) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                Http.Reply r = new Http(server.url()).get("/healthz");
                return r.status() == 503 && r.at("/type").asText().endsWith("/overloaded");
              });
      // a second connection is the last one --max-connections 2 allows: a third is not served while
      // both are open
      Socket second = new Socket("127.0.0.1", parked.getPort());
      try (Socket third = send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
        third.setSoTimeout(2_000);
        assertThatThrownBy(() -> third.getInputStream().read())
            .isInstanceOf(SocketTimeoutException.class);
        // once the second closes, the third is accepted and answered (503: the claim still fills
        // the requests)
        second.close();
        third.setSoTimeout(60_000);
        assertThat(statusLine(third)).startsWith("HTTP/1.1 503");
      }
      // the waiting claim returns, empty, when its wait is over (nothing else can be served
      // meanwhile)
      parked.setSoTimeout(120_000);
      assertThat(statusLine(parked)).startsWith("HTTP/1.1 200");
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> new Http(server.url()).get("/healthz").status() == 200);
  }
}
