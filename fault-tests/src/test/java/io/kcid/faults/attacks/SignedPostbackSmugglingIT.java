package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.edge.HttpEdge;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.faults.testing.StoreAudit;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 2, through the real edge, tracking-server and redis-server: a signed postback
 * cannot be extended with unsigned parameters, an empty payload signs nothing, and a signature is
 * single-use — without losing an honest resend after an unknown outcome.
 *
 * <p>The account accepts signatures only; its goal {@code any} counts every postback, where
 * nothing but the signature rules stops a smuggled or replayed postback from counting.
 */
class SignedPostbackSmugglingIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;
  private RedisProcess redis;
  private TrackingServer server;
  private HttpEdge edge;
  private ManagedChannel channel;
  private String accountId;
  private String secret;

  @BeforeEach
  void start() {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    server = Stack.server("redis://127.0.0.1:" + redis.port(), KEYS, 0, Duration.ZERO);
    edge = Stack.edge("127.0.0.1:" + server.port(), 0, Duration.ofMillis(1500));
    channel = Stack.channel(server.port());
    CreateAccountResponse account = Stack.account(channel, "any", CountingMode.COUNTING_MODE_EVERY_POSTBACK);
    accountId = account.getAccount().getAccountId();
    secret = account.getSecrets().getPostbackSigningSecret();
    AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).updateAccount(
        UpdateAccountRequest.newBuilder().setAccountId(accountId)
            .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)).build());
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  private String click() {
    return ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c").build()).getClick().getKcid();
  }

  private List<Conversion> stored(String... kcids) {
    return StoreAudit.conversions(channel, List.of(kcids));
  }

  private String signature(String payload) {
    return PostbackSigner.header(secret, Instant.now().getEpochSecond(), payload.getBytes(StandardCharsets.UTF_8));
  }

  private record Answer(int status, JsonNode body) {
    String field(String name) {
      return body.path(name).asText("");
    }
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), JSON.readTree(response.body()));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private Answer post(String pathAndQuery, String contentType, String body, String signatureHeader) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + pathAndQuery))
        .header("Content-Type", contentType).header(PostbackSigner.HEADER, signatureHeader)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private Answer get(String query, String signatureHeader) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback?" + query))
        .header(PostbackSigner.HEADER, signatureHeader).GET());
  }

  private static void assertRefused(Answer answer, String reason) {
    assertThat(answer.status()).as(answer.body().toString()).isEqualTo(401);
    assertThat(answer.field("status")).isEqualTo("rejected");
    assertThat(answer.field("reason")).as(answer.body().toString()).isEqualTo(reason);
  }

  @Test
  void signedPostWithUnsignedQueryStatusIsRefused() {
    String kcid = click();
    String form = "kcid=" + kcid + "&goal=any&value=25.00&currency=EUR";
    Answer answer = post("/postback?status=rejected", "application/x-www-form-urlencoded", form, signature(form));

    assertRefused(answer, "POSTBACK_PARAMETER_UNSIGNED");
    assertThat(answer.field("field")).isEqualTo("status");
    assertThat(answer.field("message")).contains("'status'").contains("signed body");
    assertThat(stored(kcid)).isEmpty();
  }

  @Test
  void signedPostWithUnsignedQueryValueIsRefused() {
    String kcid = click();
    String json = "{\"kcid\":\"" + kcid + "\",\"goal\":\"any\"}";
    Answer answer = post("/postback?value=-5000.00&currency=USD", "application/json", json, signature(json));

    assertRefused(answer, "POSTBACK_PARAMETER_UNSIGNED");
    assertThat(answer.field("field")).isEqualTo("value");
    assertThat(stored(kcid)).isEmpty();

    // The token is a parameter too: a signed POST carries nothing in its query.
    assertRefused(post("/postback?token=anything", "application/json", json, signature(json)), "POSTBACK_PARAMETER_UNSIGNED");
    // Nor does a signed batch.
    String batch = "[" + json + "]";
    Answer batchAnswer = post("/postbacks?value=-5000.00", "application/json", batch, signature(batch));
    assertRefused(batchAnswer, "POSTBACK_PARAMETER_UNSIGNED");
    assertThat(stored(kcid)).isEmpty();
  }

  @Test
  void emptyBodySignatureIsRefused() {
    String kcid = click();
    Answer answer = post("/postback?kcid=" + kcid + "&goal=any&a=" + accountId, "application/json", "", signature(""));

    assertRefused(answer, "POSTBACK_SIGNED_PAYLOAD_EMPTY");
    assertRefused(post("/postbacks", "application/json", "", signature("")), "POSTBACK_SIGNED_PAYLOAD_EMPTY");
    assertRefused(get("", signature("")), "POSTBACK_SIGNED_PAYLOAD_EMPTY");
    assertThat(stored(kcid)).isEmpty();
  }

  @Test
  void signatureReusedOnAnotherKcidIsRefused() {
    String first = click();
    String second = click();

    // A signature over "t." (empty body) would vouch for any kcid the query names.
    String empty = signature("");
    assertRefused(post("/postback?kcid=" + first + "&a=" + accountId, "application/json", "", empty),
        "POSTBACK_SIGNED_PAYLOAD_EMPTY");
    assertRefused(post("/postback?kcid=" + second + "&a=" + accountId, "application/json", "", empty),
        "POSTBACK_SIGNED_PAYLOAD_EMPTY");

    // A signed body that leaves the kcid out, moved onto other clicks by the query.
    String body = "goal=any&a=" + accountId + "&value=10.00&currency=EUR";
    String header = signature(body);
    for (String kcid : List.of(first, second)) {
      Answer answer = post("/postback?kcid=" + kcid, "application/x-www-form-urlencoded", body, header);
      assertRefused(answer, "POSTBACK_PARAMETER_UNSIGNED");
      assertThat(answer.field("field")).isEqualTo("kcid");
    }

    // An honest signed postback, then its header on the other click's body: it covers only the first.
    String honest = "{\"kcid\":\"" + first + "\",\"goal\":\"any\"}";
    String honestHeader = signature(honest);
    assertThat(post("/postback", "application/json", honest, honestHeader).field("status")).isEqualTo("accepted");
    assertRefused(post("/postback", "application/json", honest.replace(first, second), honestHeader),
        "POSTBACK_SIGNATURE_INVALID");
    // And the very same request again, within the tolerance window: single use.
    Answer replay = post("/postback", "application/json", honest, honestHeader);
    assertRefused(replay, "POSTBACK_SIGNATURE_REUSED");
    assertThat(replay.field("message")).doesNotContain(honestHeader.substring(honestHeader.indexOf("v1=") + 3));

    assertThat(stored(first)).hasSize(1);
    assertThat(stored(second)).isEmpty();
  }

  @Test
  void signedGetReplayedIsRefusedAndEveryParameterIsCovered() {
    String kcid = click();
    Map<String, String> parameters = new TreeMap<>(Map.of("kcid", kcid, "goal", "any", "amount", "3.00", "currency", "EUR"));
    String query = "kcid=" + kcid + "&goal=any&amount=3.00&currency=EUR";
    String header = PostbackSigner.header(secret, Instant.now().getEpochSecond(), PostbackSigner.queryPayload(parameters));
    // An alias added beside the signed ones changes the canonical query: not this signature's.
    assertRefused(get(query + "&status=rejected", header), "POSTBACK_SIGNATURE_INVALID");
    assertRefused(get(query + "&order_id=smuggled", header), "POSTBACK_SIGNATURE_INVALID");
    assertThat(get(query, header).field("status")).isEqualTo("accepted");
    assertRefused(get(query, header), "POSTBACK_SIGNATURE_REUSED");
    // Repeating a signed parameter with its value changes nothing, so it is the same replay.
    assertRefused(get(query + "&kcid=" + kcid + "&goal=any", header), "POSTBACK_SIGNATURE_REUSED");
    assertThat(stored(kcid)).hasSize(1);
  }

  @Test
  void sameSignedRequestRetriedAfterUnknownOutcomeIsRecordedOnce() {
    String warm = click();
    String kcid = click();
    // The account is in the server's cache, so the store is the first thing the postback waits for.
    String warmBody = "{\"kcid\":\"" + warm + "\",\"goal\":\"any\",\"a\":\"" + accountId + "\"}";
    assertThat(post("/postback", "application/json", warmBody, signature(warmBody)).field("status")).isEqualTo("accepted");

    String body = "{\"kcid\":\"" + kcid + "\",\"goal\":\"any\",\"a\":\"" + accountId + "\",\"value\":\"7.00\",\"currency\":\"EUR\"}";
    String header = signature(body);
    redis.pause();
    Answer unknown;
    try {
      unknown = post("/postback", "application/json", body, header);
    } finally {
      redis.resume();
    }
    assertThat(unknown.status()).as("an unknown outcome: %s", unknown.body()).isEqualTo(503);
    Stack.sleep(300); // what the server queued while Redis stood still runs now

    // The sender resends the very same signed request (same t, same v1), as 503 tells it to.
    Answer retried = post("/postback", "application/json", body, header);
    assertThat(retried.status()).as(retried.body().toString()).isEqualTo(200);
    assertThat(retried.field("status")).isEqualTo("accepted");
    // Once recorded, the same request again is a replay.
    assertRefused(post("/postback", "application/json", body, header), "POSTBACK_SIGNATURE_REUSED");

    List<Conversion> conversions = stored(kcid);
    assertThat(conversions).as("recorded exactly once").hasSize(1);
    assertThat(conversions.get(0).getValue().getAmount()).isEqualTo("7.00");
  }

  @Test
  void sameSignedRequestWithARequestIdIsAnsweredAsTheFirst() {
    String kcid = click();
    String body = "{\"kcid\":\"" + kcid + "\",\"goal\":\"any\",\"request_id\":\"order-77\"}";
    String header = signature(body);
    Answer first = post("/postback", "application/json", body, header);
    assertThat(first.field("status")).as(first.body().toString()).isEqualTo("accepted");
    // The answer was lost on the way back; the sender resends the same signed request.
    Answer again = post("/postback", "application/json", body, header);
    assertThat(again.status()).as(again.body().toString()).isEqualTo(200);
    assertThat(again.field("conversion_id")).isEqualTo(first.field("conversion_id"));
    assertThat(stored(kcid)).hasSize(1);
  }

  @Test
  void honestSignedPostStillAccepted() {
    String formKcid = click();
    String form = "kcid=" + formKcid + "&goal=any&value=12.50&currency=EUR&status=pending";
    Answer formAnswer = post("/postback", "application/x-www-form-urlencoded", form, signature(form));
    assertThat(formAnswer.field("status")).as(formAnswer.body().toString()).isEqualTo("accepted");

    String jsonKcid = click();
    String json = "{\"kcid\":\"" + jsonKcid + "\",\"goal\":\"any\",\"value\":\"3.00\",\"currency\":\"EUR\"}";
    assertThat(post("/postback", "application/json", json, signature(json)).field("status")).isEqualTo("accepted");

    // A signed batch: one signature, every item recorded.
    String a = click();
    String b = click();
    String batch = "[{\"kcid\":\"" + a + "\",\"goal\":\"any\"},{\"kcid\":\"" + b + "\",\"goal\":\"any\"}]";
    Answer batchAnswer = post("/postbacks", "application/json", batch, signature(batch));
    assertThat(batchAnswer.status()).isEqualTo(200);
    assertThat(batchAnswer.body().path("results")).allSatisfy(r -> assertThat(r.path("status").asText()).isEqualTo("accepted"));

    List<Conversion> forms = stored(formKcid);
    assertThat(forms).hasSize(1);
    assertThat(forms.get(0).getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(forms.get(0).getValue().getAmount()).isEqualTo("12.50");
    assertThat(stored(jsonKcid, a, b)).hasSize(3);
  }
}
