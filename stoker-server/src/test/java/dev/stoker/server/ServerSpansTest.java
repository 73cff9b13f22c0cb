package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Limits;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With an OpenTelemetry SDK installed, the server makes a span per request, named by its route, as
 * a child of the request's traceparent; a claim's span links to the trace each task was enqueued
 * in.
 */
class ServerSpansTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACE = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
  private final List<SpanData> spans = new CopyOnWriteArrayList<>();
  private Api api;

  @BeforeEach
  void installSdk() {
    SpanExporter exporter =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAll(batch);
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    GlobalOpenTelemetry.resetForTest();
    GlobalOpenTelemetry.set(
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build());
    api =
        new Api(
            new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1),
            new byte[32],
            Limits.DEFAULT,
            1 << 20);
  }

  @AfterEach
  void removeSdk() {
    GlobalOpenTelemetry.resetForTest();
  }

  private Response post(String path, String body, Map<String, String> headers) {
    return api.handle(
        "POST",
        path,
        null,
        "application/json",
        body.getBytes(StandardCharsets.UTF_8),
        Visibility.ALL,
        ClientConnection.UNKNOWN,
        headers::get);
  }

  @Test
  void a_request_is_a_server_span_of_its_route_in_the_callers_trace() {
    assertThat(
            post("/v1/queues/q/tasks", "{\"name\":\"a\"}", Map.of("traceparent", TRACE)).status())
        .isEqualTo(201);
    assertThat(spans).hasSize(1);
    SpanData enqueue = spans.get(0);
    assertThat(enqueue.getName()).isEqualTo("POST /v1/queues/{queue}/tasks");
    assertThat(enqueue.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(enqueue.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(enqueue.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(enqueue.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .isEqualTo(201L);
    assertThat(enqueue.getAttributes().get(AttributeKey.stringKey("http.route")))
        .isEqualTo("/v1/queues/{queue}/tasks");
  }

  @Test
  void a_claim_links_to_the_traces_its_tasks_were_enqueued_in() {
    post("/v1/queues/q/tasks", "{\"name\":\"a\"}", Map.of("traceparent", TRACE));
    post("/v1/queues/q/tasks", "{\"name\":\"b\"}", Map.of());
    spans.clear();
    assertThat(post("/v1/queues/q/claim", "{\"worker\":\"w\",\"max\":2}", Map.of()).status())
        .isEqualTo(200);
    SpanData claim = spans.get(0);
    assertThat(claim.getName()).isEqualTo("POST /v1/queues/{queue}/claim");
    assertThat(claim.getTraceId())
        .as("a new trace: the claim is not part of the producer's")
        .isNotEqualTo(TRACE_ID);
    assertThat(claim.getLinks()).hasSize(1);
    assertThat(claim.getLinks().get(0).getSpanContext().getTraceId()).isEqualTo(TRACE_ID);
    assertThat(claim.getLinks().get(0).getSpanContext().getSpanId()).isEqualTo("00f067aa0ba902b7");
  }

  @Test
  void a_path_no_endpoint_takes_is_a_span_too() {
    assertThat(api.handle("GET", "/no/such", null, null, new byte[0]).status()).isEqualTo(404);
    assertThat(spans)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName()).isEqualTo("GET");
              assertThat(s.getAttributes().get(AttributeKey.stringKey("http.route")))
                  .isEqualTo("unmatched");
            });
  }
}
