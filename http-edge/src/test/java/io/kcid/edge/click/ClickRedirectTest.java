package io.kcid.edge.click;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClickRedirectTest {
  private final EdgeFixture fixture = new EdgeFixture();
  private final FakeBackend backend = fixture.backend;

  @BeforeEach
  void reset() {
    backend.reset();
  }

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  private static final String SIGNED =
      "/c?a=acme&c=summer&cr=banner1&p=top&s1=pub%201&s10=x%2By&u=https%3A%2F%2Fshop.example%2Fland%3Fq%3D1&sig=c2lnbmF0dXJl";

  @Test
  void redirectsToTheBackendsUrlAndForwardsEveryField() throws Exception {
    backend.onClick(r -> Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl("https://shop.example/land?q=1&kcid=01abc").build()));

    HttpResponse<String> response = fixture.get(SIGNED);

    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location")).hasValue("https://shop.example/land?q=1&kcid=01abc");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(response.body()).isEmpty();
    IssueClickRequest sent = backend.clicks.poll(1, TimeUnit.SECONDS);
    assertThat(sent).isNotNull();
    assertThat(sent.getAccountId()).isEqualTo("acme");
    assertThat(sent.getCampaignId()).isEqualTo("summer");
    assertThat(sent.getCreativeId()).isEqualTo("banner1");
    assertThat(sent.getPlacementId()).isEqualTo("top");
    assertThat(sent.getSubIdsMap()).isEqualTo(Map.of("s1", "pub 1", "s10", "x+y"));
    assertThat(sent.getDestinationUrl()).isEqualTo("https://shop.example/land?q=1");
    assertThat(sent.getClickSignature()).isEqualTo("c2lnbmF0dXJl");
  }

  @Test
  void forwardsTheBrowsersUserAgentAndAddressForTheBotRules() throws Exception {
    backend.onClick(r -> Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl("https://shop.example/land?kcid=01abc").build()));
    String googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    HttpResponse<String> response = fixture.send(java.net.http.HttpRequest.newBuilder(fixture.uri(SIGNED))
        .header("User-Agent", googlebot).header("X-Forwarded-For", "198.51.100.9").GET());

    assertThat(response.statusCode()).isEqualTo(302);
    IssueClickRequest sent = backend.clicks.poll(1, TimeUnit.SECONDS);
    assertThat(sent.getUserAgent()).isEqualTo(googlebot);
    // The test's connection is the peer; it is no trusted proxy, so its X-Forwarded-For is ignored.
    assertThat(sent.getClientIp()).isEqualTo("127.0.0.1");
  }

  @Test
  void semicolonIsPartOfTheValueNotASeparator() throws Exception {
    fixture.get("/c?a=acme;c=evil&c=summer&u=https%3A%2F%2Fx.example&sig=s");
    assertThat(backend.clicks.poll(1, TimeUnit.SECONDS).getAccountId()).isEqualTo("acme;c=evil");
  }

  @Test
  void unknownParameterIsRejectedWithoutABackendCall() {
    assertRejected(fixture.get(SIGNED + "&utm_source=x"), 400, "INVALID_PARAMETER", "utm_source");
    assertThat(backend.clicks).isEmpty();
  }

  @Test
  void repeatedParameterIsRejected() {
    assertRejected(fixture.get(SIGNED + "&a=other"), 400, "INVALID_PARAMETER", "'a'");
    assertThat(backend.clicks).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "c", "u"})
  void missingRequiredParameterIsRejected(String name) {
    String query = SIGNED.replaceFirst("([?&])" + name + "=[^&]*&?", "$1");
    assertRejected(fixture.get(query), 400, "MISSING_PARAMETER", "'" + name + "'");
    assertThat(backend.clicks).isEmpty();
  }

  @Test
  void emptyRequiredParameterCountsAsMissing() {
    assertRejected(fixture.get("/c?a=&c=x&u=https%3A%2F%2Fx.example&sig=s"), 400, "MISSING_PARAMETER", "'a'");
  }

  @Test
  void unsignedClickIsRejectedWithoutABackendCall() {
    assertRejected(fixture.get(SIGNED.replace("&sig=c2lnbmF0dXJl", "")), 400, "CLICK_SIGNATURE_MISSING", "sig");
    assertRejected(fixture.get(SIGNED.replace("&sig=c2lnbmF0dXJl", "&sig=")), 400, "CLICK_SIGNATURE_MISSING", "sig");
    assertThat(backend.clicks).isEmpty();
  }

  @Test
  void backendRejectionUsesTheTablesStatusAndReason() {
    backend.onClick(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID, "sig does not match", null)));

    HttpResponse<String> response = fixture.get(SIGNED);

    assertRejected(response, 400, "CLICK_SIGNATURE_INVALID", "sig does not match");
    assertThat(response.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void unknownAccountIs404FromTheTable() {
    backend.onClick(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND, "no account acme", null)));
    assertRejected(fixture.get(SIGNED), 404, "ACCOUNT_NOT_FOUND", "no account acme");
  }

  @Test
  void backendSlowerThanTheDeadlineIs503WithRetryAfter() {
    backend.onClick(r -> Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl("https://late.example").build()).after(Duration.ofSeconds(2)));

    long start = System.nanoTime();
    HttpResponse<String> response = fixture.get(SIGNED);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    assertRejected(response, 503, "BACKEND_UNAVAILABLE", "retry");
    assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(elapsedMs).isBetween(EdgeFixture.DEADLINE.toMillis() - 50, EdgeFixture.DEADLINE.toMillis() + 600);
  }

  @Test
  void plainUnavailableIs503() {
    backend.onClick(r -> Answer.fail(FakeBackend.plain(Status.Code.UNAVAILABLE)));
    HttpResponse<String> response = fixture.get(SIGNED);
    assertRejected(response, 503, "BACKEND_UNAVAILABLE", "");
    assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://shop.example/\r\nSet-Cookie: a=b",
        "https://shop.example/\nx",
        "https://shop.example/a b",
        "https://shop.example\\@evil.example",
        "javascript:alert(1)",
        "//evil.example",
        "ftp://files.example",
        ""
      })
  void unsafeRedirectFromABuggyBackendNeverReachesAHeader(String redirect) {
    backend.onClick(r -> Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl(redirect).build()));

    HttpResponse<String> response = fixture.get(SIGNED);

    assertRejected(response, 500, "INTERNAL", "");
    assertThat(response.headers().firstValue("Location")).isEmpty();
    assertThat(response.headers().map()).doesNotContainKey("set-cookie");
  }

  @Test
  void nonAsciiRedirectIsPercentEncoded() {
    backend.onClick(r -> Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl("HTTPS://shop.example/café?kcid=1").build()));
    HttpResponse<String> response = fixture.get(SIGNED);
    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location")).hasValue("HTTPS://shop.example/caf%C3%A9?kcid=1");
  }

  @Test
  void malformedPercentEncodingIs400() {
    String response = fixture.raw("GET /c?a=%ZZ&c=x&u=https%3A%2F%2Fx.example&sig=s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400 ").contains("\"reason\":\"INVALID_PARAMETER\"").contains("percent-encoding");
    assertThat(backend.clicks).isEmpty();
  }

  @Test
  void postOnTheClickRouteIs405() {
    HttpResponse<String> response = fixture.post(SIGNED, "application/x-www-form-urlencoded", "");
    assertRejected(response, 405, "METHOD_NOT_ALLOWED", "GET");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET");
  }
}
