package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.BotRangeKind;
import io.kcid.proto.tracking.v1.ClearBotRangesRequest;
import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.ListBotRangesRequest;
import io.kcid.proto.tracking.v1.LoadBotRangesRequest;
import io.kcid.proto.tracking.v1.LoadBotRangesResponse;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.SuspectAction;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bot and fraud filtering over real gRPC on standalone Redis and a Cluster: crawler user agents
 * and operator ranges flag clicks (which still get their redirect), flagged clicks are counted
 * apart and kept out of the conversion rate, a conversion on a flagged click follows the account's
 * action, and the velocity rule counts conversions per click network.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class BotFilteringTest {
  static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  static final String CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
      + " Chrome/126.0.0.0 Safari/537.36";

  @Parameter Topology topology;

  private static TestRedis redis;
  private static RunningServer running;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ReportServiceGrpc.ReportServiceBlockingStub reports;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    running = RunningServer.start(TestServers.config(redis.url()), Duration.ofMinutes(5));
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
    reports = running.reports();
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    running.close();
    redis.close();
  }

  private static CreateAccountResponse account(SuspectAction flagged) {
    return admin.createAccount(CreateAccountRequest.newBuilder().setFlaggedClickAction(flagged).build());
  }

  private static IssueClickResponse click(CreateAccountResponse account, String userAgent, String ip) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setCampaignId("spring").setDestinationUrl("https://shop.example/landing")
        .setUserAgent(userAgent).setClientIp(ip).build());
  }

  private static RecordConversionResponse convert(CreateAccountResponse account, String kcid, String txid) {
    return conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setTransactionId(txid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build());
  }

  private static StatsRow total(CreateAccountResponse account) {
    Instant now = Instant.now();
    return reports.getStats(GetStatsRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setStartTime(ts(now.minus(Duration.ofHours(2)))).setEndTime(ts(now.plus(Duration.ofHours(1))))
        .build()).getTotal();
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  @Test
  void aCrawlerClickRedirectsIsStoredFlaggedAndStaysOutOfTheConversionRate() {
    var account = account(SuspectAction.SUSPECT_ACTION_UNSPECIFIED);
    IssueClickResponse bot = click(account, GOOGLEBOT, "192.0.2.10");
    assertThat(bot.getRedirectUrl()).startsWith("https://shop.example/landing?kcid=");
    assertThat(bot.getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_BOT_USER_AGENT);
    assertThat(clicks.getClick(GetClickRequest.newBuilder().setKcid(bot.getClick().getKcid()).build())
        .getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_BOT_USER_AGENT);
    IssueClickResponse human = click(account, CHROME, "192.0.2.11");
    IssueClickResponse other = click(account, CHROME, "192.0.2.12");
    assertThat(human.getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_UNSPECIFIED);
    assertThat(other.getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_UNSPECIFIED);

    // Accept (the default): recorded as asked, with the reason kept on the conversion.
    RecordConversionResponse onBot = convert(account, bot.getClick().getKcid(), "o-bot");
    assertThat(onBot.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(onBot.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(onBot.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_FLAGGED_BOT);
    assertThat(conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(onBot.getConversionId())
        .build()).getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_FLAGGED_BOT);
    RecordConversionResponse onHuman = convert(account, human.getClick().getKcid(), "o-human");
    assertThat(onHuman.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);

    StatsRow total = total(account);
    assertThat(total.getClicks()).isEqualTo(2);
    assertThat(total.getFlaggedClicks()).isEqualTo(1);
    assertThat(total.getConversions()).isEqualTo(2);
    assertThat(total.getFlaggedConversions()).isEqualTo(1);
    assertThat(total.getConversionRate()).isEqualTo(0.5);
  }

  @Test
  void aConversionOnAFlaggedClickFollowsTheAccountsAction() {
    var pending = account(SuspectAction.SUSPECT_ACTION_PENDING);
    var held = convert(pending, click(pending, GOOGLEBOT, "").getClick().getKcid(), "o-1");
    assertThat(held.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(held.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(held.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_FLAGGED_BOT);
    assertThat(conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(held.getConversionId())
        .build()).getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);

    var reject = account(SuspectAction.SUSPECT_ACTION_UNSPECIFIED);
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(reject.getAccount().getAccountId())
        .setFlaggedClickAction(SuspectAction.SUSPECT_ACTION_REJECT).build());
    var refused = convert(reject, click(reject, GOOGLEBOT, "").getClick().getKcid(), "o-2");
    assertThat(refused.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    StatsRow total = total(reject);
    assertThat(total.getRejectedConversions()).isEqualTo(1);
    assertThat(total.getApprovedConversions()).isZero();
    // A clean click of the same account is not touched by the action.
    var clean = convert(reject, click(reject, CHROME, "").getClick().getKcid(), "o-3");
    assertThat(clean.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
  }

  @Test
  void operatorRangesFlagClicksAndBadLinesAreReportedByNumber() {
    LoadBotRangesResponse loaded = admin.loadBotRanges(LoadBotRangesRequest.newBuilder()
        .setKind(BotRangeKind.BOT_RANGE_KIND_DATACENTER)
        .addAllLines(List.of("# a data centre", "198.51.100.0/24", "", "not-an-ip", "2001:db8:ff::/48  # v6",
            "203.0.113.7/33"))
        .build());
    assertThat(loaded.getLoaded()).isEqualTo(2);
    assertThat(loaded.getBadLinesList()).extracting(b -> b.getLineNumber()).containsExactly(4, 6);
    assertThat(loaded.getBadLines(0).getMessage()).contains("not an IPv4 or IPv6 address");
    admin.loadBotRanges(LoadBotRangesRequest.newBuilder().setKind(BotRangeKind.BOT_RANGE_KIND_BOT)
        .addLines("192.0.2.66").build());
    assertThat(admin.listBotRanges(ListBotRangesRequest.getDefaultInstance()).getRangesList())
        .extracting(r -> r.getCidr())
        .contains("192.0.2.66/32", "198.51.100.0/24", "2001:db8:ff::/48");

    var account = account(SuspectAction.SUSPECT_ACTION_PENDING);
    IssueClickResponse datacenter = click(account, CHROME, "198.51.100.77");
    assertThat(datacenter.getRedirectUrl()).isNotEmpty();
    assertThat(datacenter.getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_DATACENTER);
    assertThat(click(account, CHROME, "2001:db8:ff:1::9").getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_DATACENTER);
    assertThat(click(account, CHROME, "192.0.2.66").getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_BOT_RANGE);
    assertThat(click(account, CHROME, "198.51.101.1").getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_UNSPECIFIED);
    var held = convert(account, datacenter.getClick().getKcid(), "o-dc");
    assertThat(held.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_FLAGGED_DATACENTER);
    assertThat(held.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);

    // Cleared: the next click (the tests' cache TTL is zero) is clean again.
    assertThat(admin.clearBotRanges(ClearBotRangesRequest.newBuilder()
        .setKind(BotRangeKind.BOT_RANGE_KIND_DATACENTER).build()).getRemoved()).isEqualTo(2);
    assertThat(click(account, CHROME, "198.51.100.77").getClick().getFlag()).isEqualTo(ClickFlag.CLICK_FLAG_UNSPECIFIED);
    admin.clearBotRanges(ClearBotRangesRequest.getDefaultInstance());
  }

  @Test
  void theVelocityRuleCountsConversionsPerClickNetworkOnce() {
    var account = account(SuspectAction.SUSPECT_ACTION_UNSPECIFIED);
    String id = account.getAccount().getAccountId();
    var updated = admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id)
        .setVelocityLimit(2).setVelocityAction(SuspectAction.SUSPECT_ACTION_REJECT).build()).getAccount();
    assertThat(updated.getVelocityLimit()).isEqualTo(2);
    List<String> sameNetwork = List.of(
        click(account, CHROME, "203.0.113.1").getClick().getKcid(),
        click(account, CHROME, "203.0.113.2").getClick().getKcid(),
        click(account, CHROME, "203.0.113.3").getClick().getKcid());
    String elsewhere = click(account, CHROME, "203.0.114.1").getClick().getKcid();

    assertThat(convert(account, sameNetwork.get(0), "v-1").getConversion().getStatus())
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    // A retry is the same conversion: counted once, answered duplicate.
    assertThat(convert(account, sameNetwork.get(0), "v-1").getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(convert(account, sameNetwork.get(1), "v-2").getConversion().getStatus())
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    RecordConversionResponse third = convert(account, sameNetwork.get(2), "v-3");
    assertThat(third.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(third.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(third.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_VELOCITY_EXCEEDED);
    assertThat(conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(third.getConversionId())
        .build()).getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_VELOCITY_EXCEEDED);
    RecordConversionResponse other = convert(account, elsewhere, "v-4");
    assertThat(other.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(other.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    // The click keeps a digest of its network, not its address.
    assertThat(clicks.getClick(GetClickRequest.newBuilder().setKcid(elsewhere).build()).getClick().getSourceNetwork())
        .isNotZero();
  }

  @Test
  void withTheVelocityRuleOffAClickKeepsNoNetwork() {
    var account = account(SuspectAction.SUSPECT_ACTION_UNSPECIFIED);
    String kcid = click(account, CHROME, "203.0.113.1").getClick().getKcid();
    assertThat(clicks.getClick(GetClickRequest.newBuilder().setKcid(kcid).build()).getClick().getSourceNetwork()).isZero();
  }
}
