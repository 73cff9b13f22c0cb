package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker that hangs up while its claim waits in a long poll (docs/api.md#long-polling-claims):
 * the task the claim then gets goes back at once, its attempt not counted, so another worker has it
 * without waiting out a lease nobody holds. The worker is a raw socket on a real server.
 */
class AbandonedClaimTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();

  @ParameterizedTest(name = "closed with a reset: {0}")
  @ValueSource(booleans = {false, true})
  void a_task_handed_to_a_claim_whose_client_hung_up_is_claimable_at_once_with_no_attempt_counted(
      boolean reset) throws Exception {
    String queue = "abandoned-" + reset;
    Http http = server.http();
    hangUpWhileWaiting(queue, reset);
    // The server looks at a claim's client only when the claim waited 20 ms or more (docs/api.md):
    // a time, not a condition, so it is waited out.
    Thread.sleep(100);

    JsonNode enqueued = http.post("/v1/queues/" + queue + "/tasks", "{\"name\":\"a\"}").body();
    JsonNode claimed =
        http.post(
                "/v1/queues/" + queue + "/claim",
                "{\"worker\":\"alive\",\"lease_ms\":60000,\"wait_ms\":20000}")
            .at("/tasks");

    assertThat(claimed).as("the task, to the worker still there, within its wait").hasSize(1);
    assertThat(claimed.get(0).get("id").asText()).isEqualTo(enqueued.get("id").asText());
    assertThat(claimed.get(0).get("attempt").asInt())
        .as("its attempt: the hung-up claim's is not counted")
        .isEqualTo(1);
    assertThat(claimed.get(0).at("/lease/owner").asText()).isEqualTo("alive");
  }

  /**
   * Sends a claim that waits 30 s, and hangs up once the server is in its handler (it answered
   * {@code Expect: 100-continue}, so it is reading the body and claims next): the claim is with the
   * store before the test's enqueue, and so before the other worker's claim.
   */
  private static void hangUpWhileWaiting(String queue, boolean reset) throws IOException {
    URI url = URI.create(server.url());
    byte[] body =
        "{\"worker\":\"gone\",\"lease_ms\":60000,\"wait_ms\":30000}"
            .getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket(url.getHost(), url.getPort())) {
      s.setSoTimeout(10_000);
      String head =
          "POST /v1/queues/"
              + queue
              + "/claim HTTP/1.1\r\nHost: "
              + url.getAuthority()
              + "\r\nContent-Type: application/json\r\nContent-Length: "
              + body.length
              + "\r\nExpect: 100-continue\r\n\r\n";
      s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 100");
      s.getOutputStream().write(body);
      s.getOutputStream().flush();
      if (reset) {
        s.setSoLinger(true, 0);
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }
}
