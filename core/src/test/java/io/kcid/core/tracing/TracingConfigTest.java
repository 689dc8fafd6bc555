package io.kcid.core.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import org.junit.jupiter.api.Test;

class TracingConfigTest {
  @Test
  void noEndpointIsOff() {
    assertThat(TracingConfig.of(null, 1.0).enabled()).isFalse();
    assertThat(TracingConfig.of("  ", 0.5).enabled()).isFalse();
    assertThat(TracingConfig.OFF.describe()).isEqualTo("off");
  }

  @Test
  void anEndpointOrAnExporterTurnsItOn() {
    TracingConfig otlp = TracingConfig.of("http://otel-collector:4318", 0.25);
    assertThat(otlp.enabled()).isTrue();
    assertThat(otlp.samplingRatio()).isEqualTo(0.25);
    assertThat(otlp.describe()).isEqualTo("http://otel-collector:4318");
    assertThat(TracingConfig.exportingTo(InMemorySpanExporter.create(), 1).enabled()).isTrue();
  }

  @Test
  void aRatioOutsideZeroToOneIsRefusedByName() {
    assertThatThrownBy(() -> TracingConfig.of(null, 1.5)).hasMessageContaining("KCID_TRACE_SAMPLING_RATIO").hasMessageContaining("1.5");
    assertThatThrownBy(() -> TracingConfig.of(null, -0.1)).hasMessageContaining("KCID_TRACE_SAMPLING_RATIO");
    assertThatThrownBy(() -> TracingConfig.of(null, Double.NaN)).hasMessageContaining("KCID_TRACE_SAMPLING_RATIO");
  }

  @Test
  void anEndpointMustBeAnHttpUrlWithoutCredentials() {
    assertThatThrownBy(() -> TracingConfig.of("otel-collector:4318", 1)).hasMessageContaining("KCID_OTLP_ENDPOINT");
    assertThatThrownBy(() -> TracingConfig.of("grpc://otel-collector:4317", 1)).hasMessageContaining("KCID_OTLP_ENDPOINT");
    assertThatThrownBy(() -> TracingConfig.of("http://user:secret@collector:4318", 1))
        .hasMessageContaining("KCID_OTLP_ENDPOINT")
        .message().doesNotContain("secret");
    assertThatThrownBy(() -> TracingConfig.of("http://collector:4318/?token=x", 1)).hasMessageContaining("KCID_OTLP_ENDPOINT");
    assertThatThrownBy(() -> TracingConfig.of("http://bad host", 1)).hasMessageContaining("KCID_OTLP_ENDPOINT");
  }

  @Test
  void spansArePostedToTheTracesPathUnderTheEndpoint() {
    assertThat(Telemetry.tracesUrl("http://collector:4318")).isEqualTo("http://collector:4318/v1/traces");
    assertThat(Telemetry.tracesUrl("https://collector.example/otlp/")).isEqualTo("https://collector.example/otlp/v1/traces");
  }
}
