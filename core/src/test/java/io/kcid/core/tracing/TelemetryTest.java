package io.kcid.core.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelemetryTest {
  /** Read before the telemetry closes: closing shuts the exporter down, which forgets its spans. */
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();

  @Test
  void offIsTheNoOpOpenTelemetry() {
    try (Telemetry telemetry = Telemetry.start(TracingConfig.OFF, "kcid-test")) {
      assertThat(telemetry.enabled()).isFalse();
      Span span = telemetry.openTelemetry().getTracer("t").spanBuilder("GET /c").setSpanKind(SpanKind.SERVER).startSpan();
      assertThat(span.isRecording()).isFalse();
      assertThat(span.getSpanContext().isValid()).isFalse();
    }
  }

  @Test
  void requestsStartTracesAndBackgroundCommandsDoNot() {
    try (Telemetry telemetry = Telemetry.start(TracingConfig.exportingTo(spans, 1.0), "kcid-test")) {
      Tracer tracer = telemetry.openTelemetry().getTracer("t");
      // A Redis PING of the health check: a CLIENT span with no parent.
      tracer.spanBuilder("PING").setSpanKind(SpanKind.CLIENT).startSpan().end();
      Span request = tracer.spanBuilder("GET /c").setSpanKind(SpanKind.SERVER).startSpan();
      try (Scope ignored = request.makeCurrent()) {
        tracer.spanBuilder("EVALSHA").setSpanKind(SpanKind.CLIENT).startSpan().end();
      }
      request.end();
      assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).containsExactlyInAnyOrder("EVALSHA", "GET /c");
      assertThat(spans.getFinishedSpanItems()).allSatisfy(span ->
          assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("kcid-test"));
    }
  }

  @Test
  void aZeroRatioKeepsNoNewTraceButFollowsASampledParent() {
    try (Telemetry telemetry = Telemetry.start(TracingConfig.exportingTo(spans, 0.0), "kcid-test")) {
      Tracer tracer = telemetry.openTelemetry().getTracer("t");
      tracer.spanBuilder("GET /c").setSpanKind(SpanKind.SERVER).startSpan().end();
      assertThat(spans.getFinishedSpanItems()).isEmpty();

      Context sampledCaller = telemetry.openTelemetry().getPropagators().getTextMapPropagator().extract(Context.root(),
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          new TextMapGetter<String>() {
            @Override
            public Iterable<String> keys(String carrier) {
              return List.of("traceparent");
            }

            @Override
            public String get(String carrier, String key) {
              return key.equals("traceparent") ? carrier : null;
            }
          });
      tracer.spanBuilder("GET /postback").setParent(sampledCaller).setSpanKind(SpanKind.SERVER).startSpan().end();
      assertThat(spans.getFinishedSpanItems()).singleElement()
          .satisfies(span -> assertThat(span.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736"));
    }
  }

  @Test
  void databaseStatementsNeverLeaveTheProcess() {
    try (Telemetry telemetry = Telemetry.start(TracingConfig.exportingTo(spans, 1.0), "kcid-test")) {
      Tracer tracer = telemetry.openTelemetry().getTracer("t");
      Span request = tracer.spanBuilder("GET /c").setSpanKind(SpanKind.SERVER).startSpan();
      try (Scope ignored = request.makeCurrent()) {
        tracer.spanBuilder("EVALSHA").setSpanKind(SpanKind.CLIENT)
            .setAttribute("db.system", "redis")
            .setAttribute("db.statement", "EVALSHA abc 1 kc:{9}:x:2385tr8g140pc05czxsjnz01438anvv0 ?")
            .setAttribute("db.query.text", "EVALSHA abc 1 kc:{9}:x:2385tr8g140pc05czxsjnz01438anvv0 ?")
            .startSpan().end();
      }
      request.end();
      SpanData command = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("EVALSHA")).findFirst().orElseThrow();
      assertThat(command.getAttributes().asMap()).extractingFromEntries(e -> e.getKey().getKey()).containsExactly("db.system");
    }
  }
}
