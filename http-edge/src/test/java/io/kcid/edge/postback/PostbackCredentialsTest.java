package io.kcid.edge.postback;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.JsonMap;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a postback presents to authenticate reaches the backend as sent; only malformed signature headers are refused here. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostbackCredentialsTest {
  private final EdgeFixture fixture = new EdgeFixture();
  /** An edge whose loopback peer is a trusted proxy, as are the 10.0.0.0/8 hops in front of it. */
  private final EdgeFixture behindProxy = new EdgeFixture(List.of("127.0.0.1/32", "10.0.0.0/8", "fd00::/8"));

  @BeforeEach
  void reset() {
    fixture.backend.reset();
    behindProxy.backend.reset();
  }

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
    behindProxy.close();
  }

  private static RecordConversionRequest sent(EdgeFixture edge) throws InterruptedException {
    RecordConversionRequest request = edge.backend.conversions.poll(1, TimeUnit.SECONDS);
    assertThat(request).as("request reached the backend").isNotNull();
    return request;
  }

  private HttpResponse<String> get(EdgeFixture edge, String pathAndQuery, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(edge.uri(pathAndQuery)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return edge.send(request);
  }

  @Test
  void tokenAndTheSocketPeerAreForwardedWithoutSignatureFields() throws Exception {
    assertThat(fixture.get("/postback?kcid=K&token=t0k").statusCode()).isEqualTo(200);
    PostbackCredentials credentials = sent(fixture).getCredentials();
    assertThat(credentials.getToken()).isEqualTo("t0k");
    assertThat(credentials.getClientIp()).isEqualTo("127.0.0.1");
    assertThat(credentials.getSignature()).isEmpty();
    assertThat(credentials.getSignatureTimestamp()).isZero();
    assertThat(credentials.getSignedBody().isEmpty()).isTrue();
    assertThat(credentials.getSignedQueryMap()).isEmpty();

    get(fixture, "/postback?kcid=K", "Authorization", "Bearer b3arer");
    assertThat(sent(fixture).getCredentials().getToken()).isEqualTo("b3arer");
  }

  @Test
  void forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() throws Exception {
    get(fixture, "/postback?kcid=K&token=t", "X-Forwarded-For", "203.0.113.9");
    assertThat(sent(fixture).getCredentials().getClientIp()).isEqualTo("127.0.0.1");
  }

  @Test
  void fromATrustedProxyTheRightmostUntrustedHopIsTheClient() throws Exception {
    // The client forged the left-most entry; the proxies appended the rest.
    get(behindProxy, "/postback?kcid=K&token=t", "X-Forwarded-For", "198.51.100.66, 203.0.113.9 ,10.1.2.3");
    assertThat(sent(behindProxy).getCredentials().getClientIp()).isEqualTo("203.0.113.9");

    // Several headers are one list, in order.
    get(behindProxy, "/postback?kcid=K&token=t", "X-Forwarded-For", "203.0.113.7", "X-Forwarded-For", "10.9.9.9");
    assertThat(sent(behindProxy).getCredentials().getClientIp()).isEqualTo("203.0.113.7");

    // IPv6 is forwarded without brackets, port or zone, in its compressed form.
    get(behindProxy, "/postback?kcid=K&token=t", "X-Forwarded-For", "[2001:DB8:0::1]:4711, fd00::5");
    assertThat(sent(behindProxy).getCredentials().getClientIp()).isEqualTo("2001:db8::1");

    // No header: the proxy itself is all we know.
    get(behindProxy, "/postback?kcid=K&token=t");
    assertThat(sent(behindProxy).getCredentials().getClientIp()).isEqualTo("127.0.0.1");

    // Only trusted hops: the furthest of them.
    get(behindProxy, "/postback?kcid=K&token=t", "X-Forwarded-For", "10.0.0.1, 10.0.0.2");
    assertThat(sent(behindProxy).getCredentials().getClientIp()).isEqualTo("10.0.0.1");

    // Garbage passed on by a proxy: nothing left of it is believed.
    get(behindProxy, "/postback?kcid=K&token=t", "X-Forwarded-For", "203.0.113.1, not-an-ip, 10.0.0.2");
    assertThat(sent(behindProxy).getCredentials().getClientIp()).isEqualTo("10.0.0.2");
  }

  @Test
  void getSignatureIsParsedAndEveryDecodedQueryParameterIsForwarded() throws Exception {
    HttpResponse<String> response =
        get(fixture, "/postback?kcid=K&token=t&adv1=y%20z&goal=&value=1.50&junk=%2B", "X-Kcid-Signature", " v1 = abc_-DEFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA , t = 1714564800 ");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    PostbackCredentials credentials = sent(fixture).getCredentials();
    assertThat(credentials.getSignature()).isEqualTo("abc_-DEFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assertThat(credentials.getSignatureTimestamp()).isEqualTo(1714564800L);
    assertThat(credentials.getSignedQueryMap())
        .isEqualTo(Map.of("kcid", "K", "token", "t", "adv1", "y z", "goal", "", "value", "1.50", "junk", "+"));
    assertThat(credentials.getSignedBody().isEmpty()).isTrue();
    assertThat(credentials.getToken()).isEqualTo("t");
  }

  @Test
  void postSignatureCoversTheExactRawBody() throws Exception {
    String json = "{ \"kcid\" : \"K\",\n  \"value\": 12.50, \"note\": \"caf\u00e9 \\u00e9\" }\n";
    HttpResponse<String> response =
        fixture.send(
            HttpRequest.newBuilder(fixture.uri("/postback"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer t")
                .header("X-Kcid-Signature", "t=1714564800,v1=c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    PostbackCredentials credentials = sent(fixture).getCredentials();
    assertThat(credentials.getSignedBody().toByteArray()).isEqualTo(json.getBytes(StandardCharsets.UTF_8));
    assertThat(credentials.getSignedQueryMap()).isEmpty();
    assertThat(credentials.getSignature()).isEqualTo("c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");

    String form = "kcid=K2&amount=3&order_id=A%2B1";
    fixture.send(
        HttpRequest.newBuilder(fixture.uri("/postback"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Kcid-Signature", "t=1,v1=xCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
    assertThat(sent(fixture).getCredentials().getSignedBody().toStringUtf8()).isEqualTo(form);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "v1=abc", "t=1714564800", "t=,v1=abc", "t=1714564800,v1=", "t=soon,v1=abc", "t=-5,v1=abc", "t=1e9,v1=abc",
    "t=1,t=2,v1=abc", "t=1,v1=abc,v1=abd", "garbage", "t=1;v1=abc", "t=1,v1=abc,", "t=12345678901234567890,v1=abc",
    "t=1,v1=abc", "t=1,v1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "t=1,v1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "t=1,v1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"
  })
  void malformedSignatureHeaderIs401WithoutABackendCall(String header) {
    HttpResponse<String> response = get(fixture, "/postback?kcid=K&token=t", "X-Kcid-Signature", header);
    assertRejected(response, 401, "POSTBACK_SIGNATURE_INVALID", "X-Kcid-Signature");
    assertThat(JsonMap.parse(response.body()).get("message")).doesNotContain("abc");
    assertThat(fixture.backend.conversions).isEmpty();
  }

  @Test
  void twoSignatureHeadersAre401() {
    HttpResponse<String> response =
        get(fixture, "/postback?kcid=K", "X-Kcid-Signature", "t=1,v1=a", "X-Kcid-Signature", "t=1,v1=b");
    assertRejected(response, 401, "POSTBACK_SIGNATURE_INVALID", "more than once");
    assertThat(fixture.backend.conversions).isEmpty();
  }

  @Test
  void legacyAccountsGet200ForWhatTheSenderMustNotResend() throws Exception {
    Map<String, String> legacy = Map.of("legacyHttp200", "true");
    fixture.backend.onConversion(
        r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND, "no click K", "K-0", legacy)));
    HttpResponse<String> rejected = fixture.get("/postback?kcid=K&token=t");
    assertThat(rejected.statusCode()).isEqualTo(200);
    assertThat(rejected.headers().firstValue("Retry-After")).isEmpty();
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(JsonMap.parse(rejected.body()))
        .containsExactly(
            Map.entry("status", "rejected"),
            Map.entry("reason", "CLICK_NOT_FOUND"),
            Map.entry("message", "no click K"),
            Map.entry("conversion_id", "K-0"));

    fixture.backend.onConversion(
        r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, "bad token", null, legacy)));
    assertThat(fixture.get("/postback?kcid=K&token=t").statusCode()).isEqualTo(200);

    // The sender must resend these, so they keep their status even for a legacy account.
    fixture.backend.onConversion(
        r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, "redis down", null, legacy)));
    HttpResponse<String> unavailable = fixture.get("/postback?kcid=K&token=t");
    assertRejected(unavailable, 503, "STORE_UNAVAILABLE", "redis down");
    assertThat(unavailable.headers().firstValue("Retry-After")).hasValue("3");

    fixture.backend.onConversion(
        r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_RATE_LIMITED, "slow down", null, legacy)));
    assertRejected(fixture.get("/postback?kcid=K&token=t"), 429, "RATE_LIMITED", "slow down");

    // Without the flag (or with another value) nothing changes.
    fixture.backend.onConversion(
        r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND, "no click K", null, Map.of("legacyHttp200", "false"))));
    assertRejected(fixture.get("/postback?kcid=K&token=t"), 404, "CLICK_NOT_FOUND", "no click K");
  }
}
