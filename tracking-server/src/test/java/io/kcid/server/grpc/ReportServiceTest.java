package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CurrencyValue;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.TimeToConvertBucket;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.store.redis.RedisClickStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GetStats over gRPC on real Redis: the numbers equal what was recorded, exactly, after status
 * changes and value adjustments; test traffic stays out; days follow the requested time zone.
 * Backdated clicks (minted for a past instant with the server's own key ring and stored through
 * the same store code IssueClick uses) give known click-to-conversion times and hours.
 */
class ReportServiceTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final KcidCodec CODEC = new KcidCodec(KEYS, 16);

  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static RedisConnector direct;
  private static RedisClickStore directClicks;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ReportServiceGrpc.ReportServiceBlockingStub reports;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(TestServers.builder(redis.url()).macKeys(KEYS)
        .redisTimeout(Duration.ofMillis(2000)).statsRetention(Duration.ofDays(400))
        .streamPollInterval(Duration.ofMillis(50)).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    reports = ReportServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    direct = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 1000);
    directClicks = new RedisClickStore(direct.commands());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    direct.close();
    redis.close();
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.getDefaultInstance());
  }

  private static String click(String account, String campaign, String s1) {
    IssueClickRequest.Builder r = IssueClickRequest.newBuilder().setAccountId(account).setCampaignId(campaign);
    if (!s1.isEmpty()) {
      r.putSubIds("s1", s1);
    }
    return clicks.issueClick(r.build()).getClick().getKcid();
  }

  /** A click issued at {@code at}, stored as IssueClick stores it (and counted by the same script). */
  private static String clickAt(String account, String campaign, String s1, Instant at) {
    String kcid = CODEC.mintRandomPartition(at);
    Click.Builder click = Click.newBuilder().setAccountId(account).setCampaignId(campaign)
        .setClickTime(ts(at.truncatedTo(ChronoUnit.SECONDS)));
    if (!s1.isEmpty()) {
      click.putSubIds("s1", s1);
    }
    assertThat(directClicks.insert(CODEC.decode(kcid), account, click.build(), Duration.ofDays(30))
        .toCompletableFuture().join()).isTrue();
    return kcid;
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static RecordConversionRequest.Builder postback(CreateAccountResponse a, String kcid, String goal) {
    return RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey(goal)
        .setCredentials(PostbackCredentials.newBuilder().setToken(a.getSecrets().getPostbackToken()));
  }

  private static Money money(String amount, String currency) {
    return Money.newBuilder().setAmount(amount).setCurrencyCode(currency).build();
  }

  private static GetStatsResponse stats(String account, Instant from, Instant to, String zone, StatsDimension... by) {
    return reports.getStats(GetStatsRequest.newBuilder().setAccountId(account)
        .setStartTime(ts(from)).setEndTime(ts(to)).setTimeZone(zone).addAllGroupBy(List.of(by)).build());
  }

  private static CurrencyValue value(StatsRow row, String currency) {
    return row.getValuesList().stream().filter(v -> v.getCurrencyCode().equals(currency)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + currency + " in " + row));
  }

  private static List<Long> histogram(StatsRow row) {
    return row.getTimeToConvertList().stream().map(TimeToConvertBucket::getConversions).toList();
  }

  @Test
  void reportNumbersEqualTheRecordedConversionsExactly() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("purchase").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("signup").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("micro")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).setAllowNegativeValue(true).build());
    Instant now = Instant.now();
    String k1 = click(id, "spring", "pub1");
    String k2 = click(id, "spring", "pub1");
    String k3 = click(id, "spring", "pub1");
    String k4 = click(id, "spring", "pub2");
    String k5 = click(id, "autumn", "");
    String k6 = click(id, "autumn", "");
    String k7 = clickAt(id, "spring", "pub1", now.minus(Duration.ofHours(2)));
    String k8 = clickAt(id, "autumn", "", now.minus(Duration.ofDays(3)));

    conversions.recordConversion(postback(a, k1, "purchase").setValue(money("49.90", "EUR")).setTransactionId("o1").build());
    conversions.recordConversion(postback(a, k2, "purchase").setValue(money("10.00", "USD")).setTransactionId("o2")
        .setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).build());
    conversions.recordConversion(postback(a, k3, "purchase").setValue(money("5.05", "EUR")).setTransactionId("o3").build());
    conversions.recordConversion(postback(a, k4, "signup").build());
    String test = conversions.recordConversion(postback(a, k5, "purchase").setValue(money("100", "USD")).setTest(true).build())
        .getConversionId();
    String k6signup = conversions.recordConversion(postback(a, k6, "signup")
        .setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).build()).getConversionId();
    conversions.recordConversion(postback(a, k7, "purchase").setValue(money("20", "EUR")).build());
    for (int i = 0; i < 10; i++) {
      conversions.recordConversion(postback(a, k8, "micro").setValue(money("0.10", "EUR")).build());
    }
    conversions.recordConversion(postback(a, k8, "micro").setValue(money("-0.25", "EUR")).build());

    Instant from = now.minus(Duration.ofDays(4));
    Instant to = now.plus(Duration.ofHours(1));
    StatsRow before = stats(id, from, to, "").getTotal();
    assertThat(before.getClicks()).isEqualTo(8);
    assertThat(before.getConversions()).isEqualTo(17);
    assertThat(before.getPendingConversions()).isEqualTo(2);
    assertThat(before.getApprovedConversions()).isEqualTo(15);
    assertThat(value(before, "USD").getPendingAmount()).isEqualTo("10.00");
    assertThat(value(before, "EUR").getApprovedAmount()).isEqualTo("75.70"); // 49.90 + 5.05 + 20 + 1.00 - 0.25

    // Status changes: a postback approves k2's pending order, the API rejects k3 with a lower
    // value and approves k6; rejecting the test conversion changes nothing.
    conversions.recordConversion(postback(a, k2, "purchase").setTransactionId("o2")
        .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).build());
    conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setKcid(k3).setTransactionId("o3")
        .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("chargeback").setValue(money("4.00", "EUR")).build());
    conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setConversionId(k6signup)
        .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setReason("verified").build());
    conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setConversionId(test)
        .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("test").build());

    GetStatsResponse report = stats(id, from, to, "");
    StatsRow total = report.getTotal();
    assertThat(report.getRowsList()).singleElement().isEqualTo(total);
    assertThat(total.getClicks()).isEqualTo(8);
    assertThat(total.getConversions()).isEqualTo(17);
    assertThat(total.getPendingConversions()).isZero();
    assertThat(total.getApprovedConversions()).isEqualTo(16);
    assertThat(total.getRejectedConversions()).isEqualTo(1);
    assertThat(total.getValuesList()).containsExactly(
        CurrencyValue.newBuilder().setCurrencyCode("EUR")
            .setApprovedAmount("70.65").setPendingAmount("0.00").setRejectedAmount("4.00").build(),
        CurrencyValue.newBuilder().setCurrencyCode("USD")
            .setApprovedAmount("10.00").setPendingAmount("0.00").setRejectedAmount("0.00").build());
    assertThat(total.getConversionRate()).isEqualTo(17.0 / 8);
    assertThat(total.getApprovalRate()).isEqualTo(16.0 / 17);
    // <1m: k1 k2 k3 k4 k6; 1h-6h: k7; 1d-7d: the 11 on k8.
    assertThat(histogram(total)).containsExactly(5L, 0L, 0L, 1L, 0L, 11L, 0L, 0L);
    assertThat(total.getTimeToConvert(3).getMinDuration().getSeconds()).isEqualTo(3600);
    assertThat(total.getTimeToConvert(3).getMaxDuration().getSeconds()).isEqualTo(6 * 3600);
    assertThat(total.getTimeToConvert(7).hasMaxDuration()).isFalse();

    Map<String, StatsRow> byCampaign = byKey(stats(id, from, to, "", StatsDimension.STATS_DIMENSION_CAMPAIGN),
        StatsRow::getCampaignId);
    assertThat(byCampaign.keySet()).containsExactly("autumn", "spring");
    StatsRow spring = byCampaign.get("spring");
    assertThat(List.of(spring.getClicks(), spring.getConversions(), spring.getApprovedConversions(), spring.getRejectedConversions()))
        .containsExactly(5L, 5L, 4L, 1L);
    assertThat(value(spring, "EUR").getApprovedAmount()).isEqualTo("69.90");
    assertThat(value(spring, "EUR").getRejectedAmount()).isEqualTo("4.00");
    assertThat(value(spring, "USD").getApprovedAmount()).isEqualTo("10.00");
    assertThat(spring.getApprovalRate()).isEqualTo(0.8);
    StatsRow autumn = byCampaign.get("autumn");
    assertThat(List.of(autumn.getClicks(), autumn.getConversions(), autumn.getApprovedConversions())).containsExactly(3L, 12L, 12L);
    assertThat(autumn.getValuesList()).singleElement().satisfies(v -> assertThat(v.getApprovedAmount()).isEqualTo("0.75"));
    assertThat(autumn.getConversionRate()).isEqualTo(4.0);

    // Clicks have no goal: per goal they are the clicks of the row's other dimensions.
    Map<String, StatsRow> byGoal = byKey(stats(id, from, to, "", StatsDimension.STATS_DIMENSION_GOAL), StatsRow::getGoalKey);
    assertThat(byGoal.keySet()).containsExactly("micro", "purchase", "signup");
    assertThat(byGoal.values()).allSatisfy(r -> assertThat(r.getClicks()).isEqualTo(8));
    assertThat(byGoal.get("purchase").getConversions()).isEqualTo(4);
    assertThat(byGoal.get("purchase").getRejectedConversions()).isEqualTo(1);
    assertThat(byGoal.get("signup").getApprovedConversions()).isEqualTo(2);
    assertThat(byGoal.get("micro").getConversions()).isEqualTo(11);

    Map<String, StatsRow> byCampaignGoal = byKey(
        stats(id, from, to, "", StatsDimension.STATS_DIMENSION_CAMPAIGN, StatsDimension.STATS_DIMENSION_GOAL),
        r -> r.getCampaignId() + "/" + r.getGoalKey());
    assertThat(byCampaignGoal.keySet()).containsExactly("autumn/micro", "autumn/signup", "spring/purchase", "spring/signup");
    assertThat(byCampaignGoal.get("autumn/signup").getClicks()).isEqualTo(3);
    assertThat(byCampaignGoal.get("spring/purchase").getClicks()).isEqualTo(5);
    assertThat(byCampaignGoal.get("spring/purchase").getConversions()).isEqualTo(4);
    assertThat(byCampaignGoal.get("spring/signup").getConversions()).isEqualTo(1);

    Map<String, StatsRow> bySubId = byKey(stats(id, from, to, "", StatsDimension.STATS_DIMENSION_SUB_ID_1), StatsRow::getSubId1);
    assertThat(bySubId.keySet()).containsExactly("", "pub1", "pub2");
    assertThat(List.of(bySubId.get("pub1").getClicks(), bySubId.get("pub1").getConversions())).containsExactly(4L, 4L);
    assertThat(List.of(bySubId.get("pub2").getClicks(), bySubId.get("pub2").getConversions())).containsExactly(1L, 1L);
    assertThat(List.of(bySubId.get("").getClicks(), bySubId.get("").getConversions())).containsExactly(3L, 12L);

    // A range without the backdated click of k8 (3 days ago) loses exactly that click.
    assertThat(stats(id, now.minus(Duration.ofDays(1)), to, "").getTotal().getClicks()).isEqualTo(7);
    // Every counter hash expires the stats retention after its hour (the oldest here is 3 days
    // old): nothing is left without a TTL, not even after the status moves.
    assertThat(statsKeyTtls(id)).isNotEmpty().allSatisfy(ttl -> assertThat(ttl)
        .isBetween(Duration.ofDays(396).toMillis(), Duration.ofDays(400).plusHours(1).toMillis()));
  }

  private static <K> Map<K, StatsRow> byKey(GetStatsResponse report, java.util.function.Function<StatsRow, K> key) {
    Map<K, StatsRow> rows = new java.util.LinkedHashMap<>();
    for (StatsRow row : report.getRowsList()) {
      assertThat(rows.put(key.apply(row), row)).as("one row per key").isNull();
    }
    return rows;
  }

  private static List<Long> statsKeyTtls(String account) {
    try (RedisClient raw = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> c = raw.connect()) {
      return c.sync().keys("kc:*:st:" + account + ":*").stream().map(k -> c.sync().pttl(k)).toList();
    }
  }

  @Test
  void daysAndHoursFollowTheRequestedTimeZone() {
    var a = account();
    String id = a.getAccount().getAccountId();
    // Five days ago, UTC: 14:30 is 23:30 in Tokyo (UTC+9, no DST), 15:30 and 15:40 are the next day there.
    Instant day = LocalDate.now(ZoneOffset.UTC).minusDays(5).atStartOfDay(ZoneOffset.UTC).toInstant();
    String c1 = clickAt(id, "tz", "", day.plus(Duration.ofMinutes(14 * 60 + 30)));
    String c2 = clickAt(id, "tz", "", day.plus(Duration.ofMinutes(15 * 60 + 30)));
    clickAt(id, "tz", "", day.plus(Duration.ofMinutes(15 * 60 + 40)));
    conversions.recordConversion(postback(a, c1, "").setEventTime(ts(day.plus(Duration.ofMinutes(14 * 60 + 45)))).build());
    conversions.recordConversion(postback(a, c2, "").setEventTime(ts(day.plus(Duration.ofMinutes(15 * 60 + 45)))).build());
    Instant end = day.plus(Duration.ofDays(2));

    GetStatsResponse utc = stats(id, day, end, "UTC", StatsDimension.STATS_DIMENSION_DAY);
    assertThat(utc.getRowsList()).singleElement().satisfies(r -> {
      assertThat(r.getPeriod()).isEqualTo(day.atZone(ZoneOffset.UTC).toLocalDate().toString());
      assertThat(r.getClicks()).isEqualTo(3);
      assertThat(r.getConversions()).isEqualTo(2);
      // 15 minutes from click to conversion.
      assertThat(histogram(r)).containsExactly(0L, 0L, 2L, 0L, 0L, 0L, 0L, 0L);
    });
    assertThat(utc.getDayBoundariesApproximate()).isFalse();

    GetStatsResponse tokyo = stats(id, day, end, "Asia/Tokyo", StatsDimension.STATS_DIMENSION_DAY);
    LocalDate d = day.atZone(ZoneOffset.UTC).toLocalDate();
    assertThat(tokyo.getRowsList()).extracting(StatsRow::getPeriod, StatsRow::getClicks, StatsRow::getConversions)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(d.toString(), 1L, 1L),
            org.assertj.core.groups.Tuple.tuple(d.plusDays(1).toString(), 2L, 1L));
    // A Tokyo day starts at 15:00 UTC of the day before.
    assertThat(tokyo.getRows(1).getPeriodStartTime().getSeconds())
        .isEqualTo(day.plus(Duration.ofHours(15)).getEpochSecond());
    assertThat(tokyo.getTimeZone()).isEqualTo("Asia/Tokyo");

    GetStatsResponse hours = stats(id, day, end, "Asia/Tokyo", StatsDimension.STATS_DIMENSION_HOUR);
    assertThat(hours.getRowsList()).extracting(StatsRow::getPeriod, StatsRow::getClicks)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(d + "T23:00+09:00", 1L),
            org.assertj.core.groups.Tuple.tuple(d.plusDays(1) + "T00:00+09:00", 2L));

    // Kolkata is UTC+5:30: hourly counters cannot split its days exactly, and the answer says so.
    GetStatsResponse kolkata = stats(id, day, end, "Asia/Kolkata", StatsDimension.STATS_DIMENSION_DAY);
    assertThat(kolkata.getDayBoundariesApproximate()).isTrue();
    assertThat(kolkata.getTotal().getClicks()).isEqualTo(3);
  }

  @Test
  void invalidRequestsSayWhatToFix() {
    String id = account().getAccount().getAccountId();
    Instant now = Instant.now();
    assertThatThrownBy(() -> reports.getStats(GetStatsRequest.newBuilder().setAccountId(id).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER))
        .satisfies(e -> assertThat(field(e)).isEqualTo("start_time"));
    assertInvalid(() -> stats(id, now, now.minus(Duration.ofHours(2)), ""), "end_time");
    assertInvalid(() -> stats(id, now.minus(Duration.ofDays(401)), now, ""), "start_time");
    assertThat(stats(id, now.minus(Duration.ofDays(399)), now, "").getTotal().getClicks()).isZero();
    assertInvalid(() -> stats(id, now.minus(Duration.ofDays(32)), now, "", StatsDimension.STATS_DIMENSION_HOUR), "start_time");
    assertInvalid(() -> stats(id, now.minus(Duration.ofDays(1)), now, "Mars/Olympus_Mons"), "time_zone");
    assertInvalid(() -> stats(id, now.minus(Duration.ofDays(1)), now, "",
        StatsDimension.STATS_DIMENSION_HOUR, StatsDimension.STATS_DIMENSION_DAY), "group_by");
    assertInvalid(() -> stats(id, now.minus(Duration.ofDays(1)), now, "",
        StatsDimension.STATS_DIMENSION_CAMPAIGN, StatsDimension.STATS_DIMENSION_CAMPAIGN), "group_by");
    assertInvalid(() -> stats(id, now.minus(Duration.ofDays(1)), now, "", StatsDimension.STATS_DIMENSION_UNSPECIFIED), "group_by");
    assertInvalid(() -> stats("Not An Id", now.minus(Duration.ofDays(1)), now, ""), "account_id");
    assertThatThrownBy(() -> stats("no-such-account", now.minus(Duration.ofDays(1)), now, ""))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
  }

  private static void assertInvalid(Runnable call, String field) {
    assertThatThrownBy(call::run)
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .satisfies(e -> assertThat(field(e)).isEqualTo(field));
  }

  private static String field(Throwable t) {
    return StatusProto.fromThrowable(t).getDetailsList().stream()
        .filter(d -> d.is(ErrorInfo.class))
        .map(d -> {
          try {
            return d.unpack(ErrorInfo.class).getMetadataOrDefault("field", "");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        })
        .findFirst().orElse("");
  }
}
