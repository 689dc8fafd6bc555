package io.kcid.edge.limit;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Rate limits, the in-flight bound and the edge's API key, over real HTTP against a fake backend.
 * Rates are tiny (one token per 100 s) so no bucket refills while a test runs.
 */
class EdgeOverloadTest {
  private static final double TINY_RATE = 0.01;

  private static HttpResponse<String> get(EdgeFixture edge, String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(edge.uri(path)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return edge.send(request);
  }

  @Test
  void eachClientAddressGetsItsBurstThen429WithRetryAfterAndRateLimitHeaders() throws Exception {
    // 3 postbacks per address
    try (EdgeFixture edge = new EdgeFixture(config -> config.trustedProxies(List.of("127.0.0.1")).postbackRates(TINY_RATE, 0, 300))) {
      for (int remaining = 2; remaining >= 0; remaining--) {
        HttpResponse<String> ok = get(edge, "/postback?kcid=K&token=t", "X-Forwarded-For", "203.0.113.7");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.headers().firstValue("RateLimit-Limit")).contains("3");
        assertThat(ok.headers().firstValue("RateLimit-Remaining")).contains(Integer.toString(remaining));
      }
      HttpResponse<String> limited = get(edge, "/postback?kcid=K&token=t", "X-Forwarded-For", "203.0.113.7");
      assertRejected(limited, 429, "RATE_LIMITED", "this address");
      assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 100L);
      assertThat(limited.headers().firstValue("RateLimit-Remaining")).contains("0");
      assertThat(limited.headers().firstValue("RateLimit-Reset")).isPresent();
      assertThat(edge.backend.conversions).hasSize(3);

      // Another address is not affected; an IPv6 /64 is one address.
      assertThat(get(edge, "/postback?kcid=K&token=t", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(200);
      for (int i = 1; i <= 3; i++) {
        assertThat(get(edge, "/postback?kcid=K&token=t", "X-Forwarded-For", "2001:db8:1:2::" + i).statusCode()).isEqualTo(200);
      }
      assertRejected(get(edge, "/postback?kcid=K&token=t", "X-Forwarded-For", "2001:db8:1:2:ffff::9"), 429, "RATE_LIMITED", "address");
      // A batch costs one per item.
      String batch = "[{\"kcid\":\"K1\"},{\"kcid\":\"K2\"},{\"kcid\":\"K3\"},{\"kcid\":\"K4\"}]";
      HttpResponse<String> tooMany = edge.send(HttpRequest.newBuilder(edge.uri("/postbacks?token=t"))
          .header("Content-Type", "application/json").header("X-Forwarded-For", "203.0.113.9")
          .POST(HttpRequest.BodyPublishers.ofString(batch)));
      assertRejected(tooMany, 429, "RATE_LIMITED", "address");
      assertThat(edge.backend.batches).isEmpty();
    }
  }

  @Test
  void eachAccountGetsItsBurstWhetherNamedOrKnownByItsToken() throws Exception {
    // 2 postbacks per account
    try (EdgeFixture edge = new EdgeFixture(config -> config.postbackRates(0, TINY_RATE, 200))) {
      assertThat(get(edge, "/postback?kcid=K&a=acme").statusCode()).isEqualTo(200);
      assertThat(get(edge, "/postback?kcid=K&account=acme").statusCode()).isEqualTo(200);
      assertRejected(get(edge, "/postback?kcid=K&a=acme"), 429, "RATE_LIMITED", "this account");
      assertThat(get(edge, "/postback?kcid=K&a=other").statusCode()).isEqualTo(200);

      assertThat(get(edge, "/postback?kcid=K", "Authorization", "Bearer tok-b").statusCode()).isEqualTo(200);
      assertThat(get(edge, "/postback?kcid=K&token=tok-b").statusCode()).isEqualTo(200);
      HttpResponse<String> limited = get(edge, "/postback?kcid=K&token=tok-b");
      assertRejected(limited, 429, "RATE_LIMITED", "this account");
      assertThat(limited.body()).doesNotContain("tok-b");
      // A token holder is counted by its token: others naming its account cannot spend its budget.
      assertThat(get(edge, "/postback?kcid=K&a=acme&token=tok-c").statusCode()).isEqualTo(200);
      assertThat(edge.backend.conversions).hasSize(6);
    }
  }

  @Test
  void pastTheInFlightBoundPostbacksGet503AtOnce() throws Exception {
    try (EdgeFixture edge = new EdgeFixture(config -> config.maxInFlight(1))) {
      edge.backend.onConversion(request -> FakeBackend.Answer.ok(RecordConversionResponse.newBuilder()
          .setOutcome(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED).setConversionId("K-1").build())
          .after(Duration.ofMillis(300)));
      CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> get(edge, "/postback?kcid=K&token=t"));
      assertThat(edge.backend.conversions.poll(5, TimeUnit.SECONDS)).as("first call reached the backend").isNotNull();
      HttpResponse<String> refused = get(edge, "/postback?kcid=K2&token=t");
      assertRejected(refused, 503, "BACKEND_UNAVAILABLE", "");
      assertThat(refused.headers().firstValue("Retry-After")).contains("3");
      assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(edge.backend.conversions).isEmpty();
      // The place is free again.
      assertThat(get(edge, "/postback?kcid=K3&token=t").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void everyBackendCallCarriesTheEdgesApiKey() throws Exception {
    try (EdgeFixture edge = new EdgeFixture(config -> config.apiKey("kak_edge-key-0123456789"))) {
      assertThat(get(edge, "/postback?kcid=K&token=t").statusCode()).isEqualTo(200);
      assertThat(edge.send(HttpRequest.newBuilder(edge.uri("/c?a=acme&c=x&u=https%3A%2F%2Fshop.example%2F&sig=s")).GET())
          .statusCode()).isLessThan(500);
      String batch = "[{\"kcid\":\"K1\"}]";
      edge.send(HttpRequest.newBuilder(edge.uri("/postbacks?token=t")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(batch)));
      List<String> calls = new java.util.ArrayList<>();
      edge.backend.authorizations.drainTo(calls);
      assertThat(calls).filteredOn(c -> !c.startsWith("Check") && !c.startsWith("Watch"))
          .hasSizeGreaterThanOrEqualTo(3)
          .allMatch(c -> c.endsWith(" Bearer kak_edge-key-0123456789"));
    }
  }

  @Test
  void aBackendRefusingTheEdgesKeyIsNeverBlamedOnTheSender() throws Exception {
    try (EdgeFixture edge = new EdgeFixture()) {
      edge.backend.onConversion(request -> FakeBackend.Answer.fail(
          FakeBackend.kcidError(ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING, "API key 'edge' lacks the role 'ingest'", null)));
      HttpResponse<String> response = get(edge, "/postback?kcid=K&token=t");
      assertRejected(response, 503, "BACKEND_UNAVAILABLE", "");
      assertThat(response.body()).doesNotContain("API key");
    }
  }
}
