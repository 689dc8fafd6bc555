package io.kcid.core.tracing;

import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Whether a kcid process (server or edge) traces, where its spans go and which share of new traces
 * it keeps. Immutable and validated at start-up like every other setting. Off by default: then the
 * process runs a no-op OpenTelemetry and puts no tracing interceptor on any path.
 *
 * @param otlpEndpoint base URL of an OTLP/HTTP collector ({@code http://collector:4318}; spans are
 *     posted to {@code <endpoint>/v1/traces}), or null
 * @param samplingRatio share of new traces kept, 0..1; a caller's {@code traceparent} decides for
 *     the traces it continues
 * @param exporter where spans go instead of OTLP (tests, embedding), or null
 */
public record TracingConfig(URI otlpEndpoint, double samplingRatio, SpanExporter exporter) {
  public static final double DEFAULT_SAMPLING_RATIO = 1.0;
  /** No tracing at all. */
  public static final TracingConfig OFF = new TracingConfig(null, DEFAULT_SAMPLING_RATIO, null);

  public TracingConfig {
    if (!(samplingRatio >= 0 && samplingRatio <= 1)) {
      throw new IllegalArgumentException(
          "KCID_TRACE_SAMPLING_RATIO: expected a ratio from 0 to 1, got " + samplingRatio);
    }
    if (otlpEndpoint != null && exporter != null) {
      throw new IllegalArgumentException("tracing: an OTLP endpoint and an exporter are exclusive, got both");
    }
    if (otlpEndpoint != null) {
      requireCollectorUrl(otlpEndpoint);
    }
  }

  /**
   * From the {@code --otlp-endpoint} / {@code KCID_OTLP_ENDPOINT} text: null or blank is off.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public static TracingConfig of(String otlpEndpoint, double samplingRatio) {
    if (otlpEndpoint == null || otlpEndpoint.isBlank()) {
      return new TracingConfig(null, samplingRatio, null);
    }
    try {
      return new TracingConfig(new URI(otlpEndpoint.trim()), samplingRatio, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "KCID_OTLP_ENDPOINT: expected a URL like http://otel-collector:4318, got an invalid one: " + e.getReason());
    }
  }

  /** Traces to {@code exporter}, each span as it ends: what tests and embedders use. */
  public static TracingConfig exportingTo(SpanExporter exporter, double samplingRatio) {
    if (exporter == null) {
      throw new IllegalArgumentException("tracing: the exporter must be set");
    }
    return new TracingConfig(null, samplingRatio, exporter);
  }

  /** Whether spans are made at all. */
  public boolean enabled() {
    return otlpEndpoint != null || exporter != null;
  }

  /** Where the spans go, for the start-up log line: never a user-info part. */
  public String describe() {
    if (exporter != null) {
      return exporter.getClass().getSimpleName();
    }
    return otlpEndpoint == null ? "off" : otlpEndpoint.getScheme() + "://" + otlpEndpoint.getHost() + portSuffix();
  }

  private String portSuffix() {
    return otlpEndpoint.getPort() < 0 ? "" : ":" + otlpEndpoint.getPort();
  }

  private static void requireCollectorUrl(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
      throw new IllegalArgumentException(
          "KCID_OTLP_ENDPOINT: expected an http:// or https:// URL with a host, like http://otel-collector:4318");
    }
    // Credentials in the URL would end up in logs and process listings: refuse them.
    if (url.getUserInfo() != null || url.getQuery() != null || url.getFragment() != null) {
      throw new IllegalArgumentException(
          "KCID_OTLP_ENDPOINT: expected scheme://host:port[/path] without credentials, query or fragment");
    }
  }
}
