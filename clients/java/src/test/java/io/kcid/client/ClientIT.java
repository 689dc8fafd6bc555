package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResult;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client against a real kcid, started in-process: a real redis-server (LocalRedis), the
 * tracking-server and the http-edge, all on free ports.
 */
class ClientIT {
  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static KcidClient kcid;
  private static String edgeUrl;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).build());
    edge = HttpEdge.start(EdgeConfig.builder().bindHost("127.0.0.1").port(0).grpcTarget("localhost:" + server.port()).build());
    edgeUrl = "http://127.0.0.1:" + edge.port();
    // Open auth here (ServicesIT runs with keys required): a key the server does not know is ignored.
    kcid = KcidClient.connect(KcidClientOptions.builder()
        .target("127.0.0.1:" + server.port())
        .plaintext()
        .apiKey("it-api-key")
        .build());
  }

  @AfterAll
  static void stop() {
    if (kcid != null) {
      kcid.close();
    }
    if (edge != null) {
      edge.close();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static CreateAccountResponse newAccount() {
    String id = "it-" + UUID.randomUUID().toString().substring(0, 8);
    CreateAccountResponse account = kcid.admin().createAccount(
        CreateAccountRequest.newBuilder().setAccountId(id).setDisplayName("Client IT").build());
    assertThat(account.getAccount().getAccountId()).isEqualTo(id);
    return account;
  }

  private static RecordConversionRequest postback(String kcidValue, String token) {
    return RecordConversionRequest.newBuilder()
        .setKcid(kcidValue)
        .setCredentials(PostbackCredentials.newBuilder().setToken(token))
        .build();
  }

  private static String issueKcid(String account) {
    return kcid.clicks().issueClick(IssueClickRequest.newBuilder()
            .setAccountId(account)
            .setCampaignId("spring-sale")
            .setDestinationUrl("https://shop.example/landing")
            .build())
        .getClick().getKcid();
  }

  @Test
  void walkthrough() throws Exception {
    CreateAccountResponse account = newAccount();
    String accountId = account.getAccount().getAccountId();
    String token = account.getSecrets().getPostbackToken();
    assertThat(kcid.admin().getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build())
        .getAccount().getAccountId()).isEqualTo(accountId);

    // A server-to-server click.
    String issued = issueKcid(accountId);
    assertThat(issued).hasSize(32);

    // A browser click through a URL signed with this client's signer.
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", accountId);
    params.put("c", "spring-sale");
    params.put("s1", "pub 42");
    params.put("u", "https://shop.example/landing?ref=ad");
    String url = ClickUrls.signedUrl(edgeUrl, params, account.getSecrets().getClickSecret());
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> redirect = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(redirect.statusCode()).isEqualTo(302);
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("https://shop.example/landing?ref=ad").containsPattern("kcid=[0-9A-Za-z]{32}$");

    // A tampered URL is refused by the edge.
    HttpResponse<String> tampered = http.send(
        HttpRequest.newBuilder(URI.create(url.replace("spring-sale", "autumn-sale"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(tampered.statusCode()).isEqualTo(400);
    assertThat(tampered.body()).contains("CLICK_SIGNATURE_INVALID");

    // The postback, and its retry.
    String clicked = location.substring(location.indexOf("kcid=") + 5);
    RecordConversionResponse first = kcid.conversions().recordConversion(postback(clicked, token));
    assertThat(first.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(first.getConversionId()).isNotEmpty();

    RecordConversionResponse again = kcid.conversions().recordConversion(postback(clicked, token));
    assertThat(again.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(again.getConversionId()).isEqualTo(first.getConversionId());
    assertThat(again.getDuplicateReason()).isNotEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);

    // The server-to-server click converts too.
    assertThat(kcid.conversions().recordConversion(postback(issued, token)).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
  }

  @Test
  void issueClicksAnswersEachItemOnItsOwn() {
    String accountId = newAccount().getAccount().getAccountId();
    IssueClicksResponse batch = kcid.clicks().issueClicks(IssueClicksRequest.newBuilder()
        .addItems(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("batch"))
        .addItems(IssueClickRequest.newBuilder().setAccountId(accountId))
        .build());

    assertThat(batch.getResultsList()).extracting(IssueClickResult::getIndex).containsExactly(0, 1);
    assertThat(batch.getResults(0).getResponse().getClick().getKcid()).hasSize(32);
    assertThat(batch.getResults(1).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER);
  }

  @Test
  void aKcidWithAChangedCharacterIsAMacMismatch() {
    CreateAccountResponse account = newAccount();
    String good = issueKcid(account.getAccount().getAccountId());
    char[] chars = good.toCharArray();
    chars[20] = chars[20] == '0' ? '1' : '0';
    String bad = new String(chars);

    assertThatThrownBy(() -> kcid.conversions().recordConversion(postback(bad, account.getSecrets().getPostbackToken())))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH);
          assertThat(e.reasonName()).isEqualTo("KCID_MAC_MISMATCH");
          assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.description()).isNotEmpty();
        });
  }

  @Test
  void anUnknownAccountIsAccountNotFound() {
    String nobody = "nobody-" + UUID.randomUUID().toString().substring(0, 8);

    assertThatThrownBy(() -> issueKcid(nobody))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
          assertThat(e.reasonName()).isEqualTo("ACCOUNT_NOT_FOUND");
          assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
        });
  }
}
