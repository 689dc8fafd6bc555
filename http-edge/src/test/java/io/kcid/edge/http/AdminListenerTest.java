package io.kcid.edge.http;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** /metrics and the web view are served on the admin listener, never on the public port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminListenerTest {
  private final EdgeFixture fixture = new EdgeFixture(config -> config.adminKey("admin-key-0123456789abcdef"));

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void thePublicPortServesNeitherMetricsNorTheWebView() {
    assertRejected(fixture.get("/metrics"), 404, "ROUTE_NOT_FOUND", "path");
    assertRejected(fixture.get("/admin/login"), 404, "ROUTE_NOT_FOUND", "path");
    assertRejected(fixture.get("/admin/accounts/acme"), 404, "ROUTE_NOT_FOUND", "path");
    assertThat(fixture.get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void theAdminPortServesThemOnLoopbackAndNothingElse() {
    assertThat(fixture.edge.adminPort()).isNotEqualTo(fixture.edge.port());
    assertThat(fixture.adminGet("/metrics").body()).contains("kcid_edge_request_duration_seconds");
    assertThat(fixture.adminGet("/admin/login").statusCode()).isEqualTo(200);
    assertRejected(fixture.adminGet("/postback?kcid=K&token=t"), 404, "ROUTE_NOT_FOUND", "path");
    assertRejected(fixture.adminGet("/c?a=acme&c=x&u=https%3A%2F%2Fx.example&sig=s"), 404, "ROUTE_NOT_FOUND", "path");
  }
}
