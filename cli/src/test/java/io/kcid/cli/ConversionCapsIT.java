package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Conversion caps end to end: a cap set with {@code ./kcid cap set}, postbacks over real HTTP
 * through the edge (the one over the cap is recorded rejected and its answer names CAP_REACHED),
 * {@code ./kcid cap list} showing the use and the audit, {@code ./kcid stats} the capped count,
 * and a bad cap refused by the CLI with its reason.
 */
class ConversionCapsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static EdgeStack stack;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    stack = new EdgeStack();
    channel = stack.channel;
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  private static InProcessCli.Run kcid(String... args) {
    return stack.kcid(args);
  }

  private static String click(String account) {
    return ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("spring")
            .setDestinationUrl("https://shop.example/landing").build())
        .getClick().getKcid();
  }

  private static HttpResponse<String> postback(String kcid, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(stack.edgeUrl()
            + "/postback?kcid=" + kcid + "&token=" + token)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPostbackOverTheCapIsRecordedRejectedWithItsReasonVisibleEverywhere() throws Exception {
    CreateAccountResponse account = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .createAccount(CreateAccountRequest.newBuilder().setTimeZone("America/New_York").build());
    String id = account.getAccount().getAccountId();
    String token = account.getSecrets().getPostbackToken();

    InProcessCli.Run set = kcid("cap", "set", id, "spring-daily", "--campaign", "spring", "--period", "daily",
        "--max", "2", "-o", "json");
    assertThat(set.exit()).as(set.err()).isZero();
    assertThat(JSON.readTree(set.out()).at("/cap/max_conversions").asText()).isEqualTo("2");

    for (int i = 0; i < 2; i++) {
      HttpResponse<String> within = postback(click(id), token);
      assertThat(within.statusCode()).as(within.body()).isEqualTo(200);
      assertThat(JSON.readTree(within.body()).has("reason")).isFalse();
    }
    HttpResponse<String> over = postback(click(id), token);
    assertThat(over.statusCode()).as(over.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(over.body());
    assertThat(body.get("status").asText()).isEqualTo("accepted");
    assertThat(body.get("reason").asText()).isEqualTo("CAP_REACHED");
    assertThat(body.get("message").asText()).startsWith("Recorded as rejected").contains("conversion caps");
    var stored = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .getConversion(GetConversionRequest.newBuilder().setConversionId(body.get("conversion_id").asText()).build())
        .getConversion();
    assertThat(stored.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(stored.getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);

    InProcessCli.Run list = kcid("cap", "list", id);
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).contains("spring-daily: campaign spring, at most 2 conversions daily, then rejected  used 2 in ")
        .contains("spring-daily created");
    InProcessCli.Run listed = kcid("cap", "list", id, "-o", "json");
    assertThat(JSON.readTree(listed.out()).at("/caps/0/used_conversions").asText()).isEqualTo("2");

    InProcessCli.Run stats = kcid("stats", "--account", id, "--since", "1d", "-o", "json");
    assertThat(stats.exit()).as(stats.err()).isZero();
    assertThat(JSON.readTree(stats.out()).at("/total/capped_conversions").asText()).isEqualTo("1");

    InProcessCli.Run table = kcid("stats", "--account", id, "--since", "1d");
    assertThat(table.out().lines().filter(l -> l.contains("rejected")).findFirst().orElseThrow()).contains("capped");
    // clicks 3, conversions 3: 0 pending, 2 approved, 1 rejected, 1 of them capped.
    assertThat(table.out().lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow())
        .matches("total\\s+3\\s+3\\s+0\\s+2\\s+1\\s+1\\s+.*");

    InProcessCli.Run bad = kcid("cap", "set", id, "broken", "--goal", "default", "--period", "daily");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("CAP_INVALID");
    InProcessCli.Run missing = kcid("cap", "delete", id, "nope");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.err()).contains("CAP_NOT_FOUND");
    assertThat(kcid("cap", "delete", id, "spring-daily").exit()).isZero();
    assertThat(kcid("cap", "list", id).out()).contains("no caps").contains("spring-daily deleted");
  }
}
