package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.cli.InProcessCli.Run;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code kcid stats} and {@code kcid stream} against a real tracking-server and redis-server. */
class StatsAndStreamCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static final List<String> conversionIds = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(2000)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5))
        .statsRetention(Duration.ofDays(400)).streamPollInterval(Duration.ofMillis(20)).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    var admin = AdminServiceGrpc.newBlockingStub(channel);
    var clicks = ClickServiceGrpc.newBlockingStub(channel);
    var conversions = ConversionServiceGrpc.newBlockingStub(channel);
    admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("shop").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("shop").setGoalKey("purchase").build());
    for (String campaign : List.of("spring", "spring", "spring", "autumn")) {
      String kcid = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId("shop").setCampaignId(campaign)
          .putSubIds("s1", "pub1").build()).getClick().getKcid();
      if (campaign.equals("spring")) {
        conversionIds.add(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
            .setAccountId("shop").setGoalKey("purchase")
            .setValue(Money.newBuilder().setAmount("12.5").setCurrencyCode("EUR")).build()).getConversionId());
      }
    }
    conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setConversionId(conversionIds.get(0))
        .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("returned").build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static Run kcid(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--grpc-addr", "localhost:" + server.port()));
    return InProcessCli.run(all);
  }

  @Test
  void statsPrintsATableAndJson() throws Exception {
    Run table = kcid("stats", "--account", "shop", "--by", "campaign", "--tz", "Europe/Berlin");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.get(1)).startsWith("campaign").contains("clicks", "conv", "cvr", "approval", "approved value");
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("autumn +1 +0 +0 +0 +0 +0\\.00% +- +-"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("spring +3 +3 +0 +2 +1 +100\\.00% +66\\.67% +25\\.00 EUR"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("total +4 +3 +0 +2 +1 +75\\.00% +66\\.67% +25\\.00 EUR"));
    assertThat(table.out()).contains("time to convert: <1m 3 | <10m 0");

    Run json = kcid("stats", "--account", "shop", "--since", "2d", "--by", "goal,day", "--json");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode report = JSON.readTree(json.out());
    assertThat(report.at("/total/clicks").isIntegralNumber()).isTrue();
    assertThat(report.at("/total/clicks").asLong()).isEqualTo(4);
    assertThat(report.at("/total/values/0/rejected_amount").asText()).isEqualTo("12.50");
    assertThat(report.at("/rows/0/goal_key").asText()).isEqualTo("purchase");

    Run bad = kcid("stats", "--account", "shop", "--by", "weekday");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--by weekday");
    Run unknown = kcid("stats", "--account", "nobody");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("ACCOUNT_NOT_FOUND");
  }

  @Test
  void statsOfAPartnerSumsItsAccountsAndGroupsByAccount() throws Exception {
    var partners = PartnerServiceGrpc.newBlockingStub(channel);
    var admin = AdminServiceGrpc.newBlockingStub(channel);
    var clicks = ClickServiceGrpc.newBlockingStub(channel);
    partners.createPartner(CreatePartnerRequest.newBuilder().setPartnerId("agency").setDisplayName("Agency").build());
    for (String account : List.of("agency-a", "agency-b")) {
      admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(account).setPartnerId("agency").build());
    }
    for (String account : List.of("agency-a", "agency-a", "agency-b")) {
      clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("web").build());
    }

    Run table = kcid("stats", "--partner", "agency", "--by", "account");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.get(0)).startsWith("partner agency, ");
    assertThat(lines.get(1)).startsWith("account").contains("clicks");
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("agency-a +2 +0 .*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("agency-b +1 +0 .*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("total +3 +0 .*"));
    assertThat(table.out()).doesNotContain("shop");

    Run json = kcid("stats", "--partner", "agency", "--by", "account", "--json");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode report = JSON.readTree(json.out());
    assertThat(report.get("rows").findValuesAsText("account_id")).containsExactly("agency-a", "agency-b");
    assertThat(report.at("/total/clicks").asLong()).isEqualTo(3);

    Run both = kcid("stats", "--partner", "agency", "--account", "shop");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("--account <id> or --partner <id>");
    Run unknown = kcid("stats", "--partner", "nobody");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("PARTNER_NOT_FOUND");
  }

  @Test
  void statsByCreativeAndSubIdWithFilters() throws Exception {
    var admin = AdminServiceGrpc.newBlockingStub(channel);
    var clicks = ClickServiceGrpc.newBlockingStub(channel);
    var conversions = ConversionServiceGrpc.newBlockingStub(channel);
    admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("studio").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("studio").setGoalKey("lead").build());
    String[][] issued = {{"web", "banner-a", "foo"}, {"web", "banner-a", "foo"}, {"web", "banner-b", "foo"},
        {"web", "banner-b", "bar"}, {"web", "", "foo"}, {"mail", "banner-a", "bar"}};
    for (String[] c : issued) {
      String kcid = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId("studio").setCampaignId(c[0])
          .setCreativeId(c[1]).putSubIds("s2", c[2]).build()).getClick().getKcid();
      if (c[1].equals("banner-a")) {
        conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId("studio")
            .setGoalKey("lead").setValue(Money.newBuilder().setAmount("3").setCurrencyCode("EUR")).build());
      }
    }

    Run table = kcid("stats", "--account", "studio", "--by", "creative", "--filter", "campaign=web");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.get(1)).startsWith("creative").contains("clicks");
    assertThat(lines).as("the mail click is left out")
        .anySatisfy(l -> assertThat(l).matches("banner-a +2 +2 +0 +2 +0 +100\\.00% .*6\\.00 EUR"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("banner-b +2 +0 .*"));
    assertThat(lines).as("clicks without a creative").anySatisfy(l -> assertThat(l).matches("- +1 +0 .*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("total +5 +2 .*"));

    Run foo = kcid("stats", "--account", "studio", "--by", "campaign", "--filter", "s2=foo", "--json");
    assertThat(foo.exit()).as(foo.err()).isZero();
    JsonNode report = JSON.readTree(foo.out());
    assertThat(report.get("rows").findValuesAsText("campaign_id")).containsExactly("web");
    assertThat(report.at("/total/clicks").asLong()).isEqualTo(4);
    assertThat(report.at("/total/conversions").asLong()).isEqualTo(2);

    Run bySubId = kcid("stats", "--account", "studio", "--by", "s2,campaign", "--json");
    assertThat(bySubId.exit()).as(bySubId.err()).isZero();
    assertThat(JSON.readTree(bySubId.out()).get("rows").findValuesAsText("sub_id_2")).containsExactly("bar", "bar", "foo");

    // Detail dimensions are counted one at a time: grouping by one and filtering on another is refused.
    Run crossed = kcid("stats", "--account", "studio", "--by", "creative", "--filter", "s2=foo");
    assertThat(crossed.exit()).isEqualTo(1);
    assertThat(crossed.err()).contains("STATS_DIMENSIONS_NOT_COMBINABLE");
    Run badFilter = kcid("stats", "--account", "studio", "--filter", "hour=25");
    assertThat(badFilter.exit()).isEqualTo(1);
    assertThat(badFilter.err()).contains("STATS_FILTER_INVALID");
    Run noValue = kcid("stats", "--account", "studio", "--filter", "creative");
    assertThat(noValue.exit()).isEqualTo(2);
    assertThat(noValue.err()).contains("DIMENSION=VALUE");
  }

  /** The four events of the account: three conversions and the rejection of the first. */
  private static List<String> allEvents() {
    return List.of(conversionIds.get(0) + "/R", conversionIds.get(1) + "/R", conversionIds.get(2) + "/R",
        conversionIds.get(0) + "/S");
  }

  private static List<String> events(Run run) throws Exception {
    assertThat(run.exit()).as(run.err()).isZero();
    List<String> events = new ArrayList<>();
    for (String line : run.out().lines().toList()) {
      JsonNode e = JSON.readTree(line).get("event");
      events.add(e.get("conversion_id").asText() + "/"
          + (e.get("type").asText().equals("recorded") ? "R" : "S"));
    }
    return events;
  }

  @Test
  void streamPrintsEventsAndResumesFromItsCursorFile() throws Exception {
    Path cursor = Files.createTempDirectory("kcid-stream").resolve("cursor");
    List<String> first = events(kcid("stream", "--account", "shop", "--from-start", "--count", "2", "--cursor-file",
        cursor.toString(), "--json"));
    assertThat(Files.readString(cursor)).isNotBlank();
    // The rest, from where the first run stopped.
    List<String> rest = events(kcid("stream", "--account", "shop", "--count", "2", "--cursor-file", cursor.toString(), "--json"));
    List<String> all = new ArrayList<>(first);
    all.addAll(rest);
    assertThat(all).containsExactlyInAnyOrderElementsOf(allEvents());
    assertThat(all.indexOf(conversionIds.get(0) + "/R")).isLessThan(all.indexOf(conversionIds.get(0) + "/S"));

    Run text = kcid("stream", "--account", "shop", "--from-start", "--count", "4");
    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out().lines()).hasSize(4)
        .anySatisfy(l -> assertThat(l).contains("recorded", "approved", conversionIds.get(1), "shop", "purchase", "12.5 EUR"))
        .anySatisfy(l -> assertThat(l).contains("status", "approved -> rejected", conversionIds.get(0)));
  }

  @Test
  void streamGroupsAcknowledgeWhatTheyPrinted() throws Exception {
    List<String> first = events(kcid("stream", "--account", "shop", "--from-start", "--group", "cli", "--name", "one",
        "--count", "3", "--json"));
    // The consumer comes back under its name: it gets the group's one event it had not printed.
    List<String> second = events(kcid("stream", "--account", "shop", "--group", "cli", "--name", "one", "--count", "1", "--json"));
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    assertThat(all).containsExactlyInAnyOrderElementsOf(allEvents());
    Run both = kcid("stream", "--group", "cli", "--cursor-file", "x");
    assertThat(both.exit()).isEqualTo(2);
  }
}
