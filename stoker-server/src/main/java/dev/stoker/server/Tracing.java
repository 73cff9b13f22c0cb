package dev.stoker.server;

import dev.stoker.core.Task;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;

/**
 * The server's spans, through the OpenTelemetry API: one per request, named by its route, a child
 * of the request's {@code traceparent} when it sends one; a claim's span links to the traces its
 * tasks were enqueued in. Without an OpenTelemetry SDK or agent in the process the API is a no-op,
 * and so is this: {@link #enabled()} is false and requests skip it (docs/observability.md#tracing).
 * The SDK must be installed (the agent does so) before the server starts.
 */
final class Tracing {
  static final String HEADER = "traceparent";
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");

  private static final TextMapGetter<RequestHeaders> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RequestHeaders carrier) {
          return List.of(HEADER, "tracestate");
        }

        @Override
        public String get(RequestHeaders carrier, String key) {
          return carrier == null ? null : carrier.first(key);
        }
      };

  private final Tracer tracer = GlobalOpenTelemetry.getTracer("dev.stoker.server");
  private final boolean enabled = GlobalOpenTelemetry.getTracerProvider() != TracerProvider.noop();

  /** Whether an OpenTelemetry SDK is installed, so spans go somewhere. */
  boolean enabled() {
    return enabled;
  }

  /** Starts the span of a request to {@code route} (null: no endpoint takes it). */
  Span start(String method, RouteTable.Route route, RequestHeaders headers) {
    Context parent =
        W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
    String name = route == null ? method : method + " " + route.pattern();
    return tracer
        .spanBuilder(name)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(METHOD, method)
        .setAttribute(ROUTE, route == null ? "unmatched" : route.pattern())
        .startSpan();
  }

  /** Ends a request's span with the status it was answered. */
  static void end(Span span, int status) {
    span.setAttribute(STATUS, (long) status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** Links the current span to the trace each claimed task was enqueued in. */
  static void linkClaimed(List<Task> tasks) {
    Span current = Span.current();
    if (!current.getSpanContext().isValid()) {
      return;
    }
    for (Task t : tasks) {
      if (t.traceparent() != null) {
        SpanContext producer =
            Span.fromContext(
                    W3CTraceContextPropagator.getInstance()
                        .extract(
                            Context.root(),
                            (RequestHeaders) key -> HEADER.equals(key) ? t.traceparent() : null,
                            GETTER))
                .getSpanContext();
        current.addLink(producer);
      }
    }
  }
}
