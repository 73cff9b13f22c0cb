package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The value types: withers, checks, and their JSON. */
class ValuesTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void a_task_request_is_immutable_and_its_json_has_only_what_was_set() {
    TaskRequest base = TaskRequest.of("n");
    TaskRequest full =
        base.params(Map.of("a", 1))
            .priority(-3)
            .delay(Duration.ofSeconds(2))
            .uniqueKey("k")
            .maxAttempts(2);
    assertThat(base.params()).isNull();
    assertThat(Wire.spec(mapper, base).toString()).isEqualTo("{\"name\":\"n\"}");
    assertThat(Wire.spec(mapper, full).toString())
        .isEqualTo(
            "{\"name\":\"n\",\"params\":{\"a\":1},\"priority\":-3,\"delay_ms\":2000,\"unique_key\":\"k\",\"max_attempts\":2}");
    TaskRequest at = full.runAt(Instant.parse("2030-01-02T03:04:05.678901Z"));
    assertThat(at.delay()).isNull();
    assertThat(Wire.spec(mapper, at).get("run_at").asText()).isEqualTo("2030-01-02T03:04:05.678Z");
    assertThat(at.delay(Duration.ZERO).runAt()).isNull();
    TaskRequest raw = full.paramsJson("[1, 2.50]");
    assertThat(raw.params()).isNull();
    assertThat(Wire.spec(mapper, raw).toString()).contains("\"params\":[1, 2.50]");
  }

  @Test
  void bad_requests_fail_fast() {
    assertThatThrownBy(() -> TaskRequest.of("n").paramsJson("{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TaskRequest.of("n").paramsJson("1 2"))
        .hasMessageContaining("more than one");
    assertThatThrownBy(() -> TaskRequest.of("n").paramsJson(" ")).hasMessageContaining("empty");
    assertThatThrownBy(() -> TaskRequest.of("n").delay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TaskRequest.of("n").maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TaskRequest.of(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Wire.spec(mapper, TaskRequest.of("n").params(new Object())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot serialise the params");
  }

  @Test
  void a_settings_update_sends_only_what_is_set_with_the_backoff_nested() {
    assertThat(Wire.settings(mapper, SettingsUpdate.create()).toString()).isEqualTo("{}");
    assertThat(
            Wire.settings(
                    mapper,
                    SettingsUpdate.create()
                        .lease(Duration.ofSeconds(5))
                        .backoffMax(Duration.ofMinutes(1))
                        .paused(true))
                .toString())
        .isEqualTo("{\"lease_ms\":5000,\"backoff\":{\"max_ms\":60000},\"paused\":true}");
    assertThat(
            Wire.settings(
                    mapper,
                    SettingsUpdate.create()
                        .backoff(Duration.ofSeconds(1), 3.0, Duration.ofHours(1))
                        .maxAttempts(4)
                        .retention(Duration.ofDays(1)))
                .toString())
        .isEqualTo(
            "{\"max_attempts\":4,\"backoff\":{\"initial_ms\":1000,\"multiplier\":3.0,\"max_ms\":3600000},"
                + "\"retention_ms\":86400000}");
  }

  @Test
  void problem_helpers_read_the_type() {
    ProblemException lost =
        new ProblemException(
            409,
            ProblemException.TYPE_BASE + "stale-token",
            "Lease lost",
            "d",
            null,
            TaskState.WORKING);
    assertThat(lost.isLeaseLost()).isTrue();
    assertThat(lost.isAlreadyFinished()).isFalse();
    ProblemException done =
        new ProblemException(
            409, ProblemException.TYPE_BASE + "already-finished", "t", "d", null, TaskState.DONE);
    assertThat(done.isAlreadyFinished()).isTrue();
    assertThat(done.getMessage()).isEqualTo("409 t: d [state done]");
    assertThat(new ProblemException(422, "x", "t", "d", "f", null).withField("g").field())
        .isEqualTo("g");
  }

  @Test
  void the_base_url_must_be_http() {
    assertThatThrownBy(() -> StokerClient.builder().baseUrl("ftp://x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StokerClient.builder().baseUrl("localhost:7654"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StokerClient.builder().token("has space"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StokerClient.builder().build().baseUrl()).isEqualTo(StokerClient.DEFAULT_BASE_URL);
  }
}
