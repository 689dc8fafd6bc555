package io.kcid.edge.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kcid.edge.http.Route;
import io.kcid.edge.spool.SpoolMetrics;
import org.junit.jupiter.api.Test;

/** The edge's series exist at zero before their first event, under names promtool accepts. */
class EdgeMetricsTest {
  @Test
  void labelledSeriesAreRegisteredAtZeroFromTheStart() {
    try (EdgeMetrics metrics = new EdgeMetrics()) {
      new SpoolMetrics(metrics.registry());
      String scrape = metrics.scrape();

      assertThat(scrape)
          .contains("kcid_edge_requests_total{route=\"postback\",status=\"200\"} 0.0")
          .contains("kcid_edge_requests_total{route=\"c\",status=\"302\"} 0.0")
          .contains("kcid_edge_requests_total{route=\"postback\",status=\"503\"} 0.0")
          .contains("kcid_edge_postbacks_total{outcome=\"accepted\",reason=\"none\"} 0.0")
          .contains("kcid_edge_postbacks_total{outcome=\"duplicate\",reason=\"DUPLICATE_CONVERSION\"} 0.0")
          .contains("kcid_edge_postbacks_total{outcome=\"rejected\",reason=\"KCID_MAC_MISMATCH\"} 0.0")
          .contains("kcid_edge_backend_errors_total{code=\"UNAVAILABLE\"} 0.0")
          .contains("kcid_edge_clicks_unspooled_total{cause=\"spool_unavailable\"} 0.0")
          .contains("kcid_edge_clicks_replay_dropped_total{reason=\"CLICK_SIGNATURE_INVALID\"} 0.0");
    }
  }

  @Test
  void eventsMoveThePreRegisteredSeries() {
    try (EdgeMetrics metrics = new EdgeMetrics()) {
      metrics.request(Route.POSTBACK, 200, 1_000_000);
      metrics.postback("rejected", "KCID_MAC_MISMATCH");
      metrics.backendError(Status.Code.UNAVAILABLE);

      assertThat(metrics.scrape())
          .contains("kcid_edge_requests_total{route=\"postback\",status=\"200\"} 1.0")
          .contains("kcid_edge_postbacks_total{outcome=\"rejected\",reason=\"KCID_MAC_MISMATCH\"} 1.0")
          .contains("kcid_edge_backend_errors_total{code=\"UNAVAILABLE\"} 1.0");
    }
  }

  @Test
  void micrometerNamesPromtoolRejectsAreReplaced() {
    try (EdgeMetrics metrics = new EdgeMetrics()) {
      assertThat(metrics.scrape())
          .doesNotContain("process_cpu_time_ns_total")
          .doesNotContain("system_cpu_count ")
          .contains("process_cpu_seconds_total")
          .contains("system_cpu_cores");
    }
  }
}
