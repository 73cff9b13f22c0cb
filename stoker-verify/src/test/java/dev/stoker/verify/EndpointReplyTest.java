package dev.stoker.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * How a reply, or one entry of a complete-many reply, becomes an outcome in the history: the
 * checker's findings rest on a 4xx being a definite refusal and a 5xx an unknown.
 */
class EndpointReplyTest {
  private static JsonNode json(String s) throws Exception {
    return History.JSON.readTree(s);
  }

  @Test
  void a_2xx_is_ok() throws Exception {
    Endpoint.Reply r = Endpoint.Reply.of(200, json("{\"id\":\"x\",\"status\":200}"));
    assertThat(r.type()).isEqualTo(Op.Type.OK);
    assertThat(r.error()).isNull();
  }

  @Test
  void a_4xx_is_a_definite_refusal_named_by_its_problem_type() throws Exception {
    Endpoint.Reply r =
        Endpoint.Reply.of(
            409,
            json(
                "{\"id\":\"x\",\"status\":409,"
                    + "\"type\":\"https://stoker.dev/problems/stale-token\",\"error\":\"the token does not name ...\"}"));
    assertThat(r.type()).isEqualTo(Op.Type.FAIL);
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.error()).endsWith("stale-token");
  }

  @Test
  void a_5xx_is_of_unknown_outcome() throws Exception {
    Endpoint.Reply r = Endpoint.Reply.of(503, null);
    assertThat(r.type()).isEqualTo(Op.Type.INFO);
    assertThat(r.error()).isEqualTo("HTTP 503");
  }
}
