package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.GetClickRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bot filtering end to end: real HTTP clicks through the edge (a crawler's User-Agent, an address
 * in a data-centre range loaded with {@code ./kcid bots load}) still redirect and are stored
 * flagged; a conversion on one, posted back through the edge, follows the account's action set
 * with {@code ./kcid account update --flagged-clicks} and names its reason in the answer.
 */
class BotFilteringIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

  private static EdgeStack stack;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    // The stack's server has no account cache: a range loaded applies to the next click.
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

  /** GET /c through the edge with a User-Agent; returns the kcid of its redirect. */
  private static String clickThroughEdge(CreateAccountResponse account, String userAgent) throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account.getAccount().getAccountId());
    params.put("c", "spring");
    params.put("u", "https://shop.example/landing");
    String url = ClickUrlSigner.signedUrl(stack.edgeUrl(), params, account.getSecrets().getClickSecret());
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("User-Agent", userAgent).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("a flagged click still redirects").isEqualTo(302);
    String location = response.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("https://shop.example/landing?kcid=");
    return location.substring(location.indexOf("kcid=") + 5);
  }

  private static ClickFlag flagOf(String kcid) {
    return ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .getClick(GetClickRequest.newBuilder().setKcid(kcid).build()).getClick().getFlag();
  }

  private static JsonNode postback(String kcid, String token, String txid) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.edgeUrl()
            + "/postback?kcid=" + kcid + "&token=" + token + "&txid=" + txid)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  @Test
  void crawlerAndDataCentreClicksRedirectAreStoredFlaggedAndTheirConversionsFollowTheAction() throws Exception {
    CreateAccountResponse account = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .createAccount(CreateAccountRequest.getDefaultInstance());
    String id = account.getAccount().getAccountId();
    String token = account.getSecrets().getPostbackToken();

    String bot = clickThroughEdge(account, GOOGLEBOT);
    assertThat(flagOf(bot)).isEqualTo(ClickFlag.CLICK_FLAG_BOT_USER_AGENT);
    String human = clickThroughEdge(account, FIREFOX);
    assertThat(flagOf(human)).isEqualTo(ClickFlag.CLICK_FLAG_UNSPECIFIED);

    InProcessCli.Run update = kcid("account", "update", id, "--flagged-clicks", "pending", "-o", "json");
    assertThat(update.exit()).as(update.err()).isZero();
    assertThat(JSON.readTree(update.out()).get("flagged_click_action").asText()).isEqualTo("pending");
    JsonNode held = postback(bot, token, "o-bot");
    assertThat(held.get("status").asText()).isEqualTo("accepted");
    assertThat(held.get("reason").asText()).isEqualTo("CLICK_FLAGGED_BOT");
    assertThat(held.get("message").asText()).startsWith("Recorded as pending");
    JsonNode clean = postback(human, token, "o-human");
    assertThat(clean.has("reason")).isFalse();
    // One clean click converted, one flagged click converted: the rate counts the clean ones only.
    InProcessCli.Run stats = kcid("stats", "--account", id, "--since", "1d");
    assertThat(stats.exit()).as(stats.err()).isZero();
    assertThat(stats.out()).contains("flagged");
    assertThat(stats.out().lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow())
        .matches("total\\s+1\\s+1\\s+2\\s+1\\s+1\\s+0\\s+100\\.00%.*");

    // The edge sees this test's clicks from 127.0.0.1: load it as a data centre, with bad lines.
    Path ranges = Files.createTempFile("ranges", ".txt");
    Files.writeString(ranges, "# test ranges\n127.0.0.1/32\nnot-an-ip\n10.0.0.0/8 # private\n300.1.1.1\n");
    try {
      InProcessCli.Run load = kcid("bots", "load", "--kind", "datacenter", ranges.toString());
      assertThat(load.exit()).as("bad lines make the exit code 1").isEqualTo(1);
      assertThat(load.out()).contains("loaded 2 new datacenter ranges");
      assertThat(load.err()).contains(ranges + ":3: ", ranges + ":5: ").doesNotContain(":2: ", ":4: ");
      assertThat(kcid("bots", "list", "--kind", "datacenter").out()).contains("datacenter  127.0.0.1/32", "10.0.0.0/8");

      String fromDataCentre = clickThroughEdge(account, FIREFOX);
      assertThat(flagOf(fromDataCentre)).isEqualTo(ClickFlag.CLICK_FLAG_DATACENTER);
      assertThat(kcid("account", "update", id, "--flagged-clicks", "reject").exit()).isZero();
      JsonNode rejected = postback(fromDataCentre, token, "o-dc");
      assertThat(rejected.get("reason").asText()).isEqualTo("CLICK_FLAGGED_DATACENTER");
      assertThat(rejected.get("message").asText()).startsWith("Recorded as rejected");
    } finally {
      assertThat(kcid("bots", "clear").exit()).isZero();
      Files.deleteIfExists(ranges);
    }
    assertThat(flagOf(clickThroughEdge(account, FIREFOX))).isEqualTo(ClickFlag.CLICK_FLAG_UNSPECIFIED);
  }
}
