package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ConversionStatus;
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
import io.kcid.proto.tracking.v1.StatsFilter;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GetStats by every dimension over real gRPC on standalone Redis and on a Cluster: each detail
 * dimension's rows (creative, placement, s1, s2 ... s10) hold exactly the clicks, conversions,
 * statuses and values of the clicks with that value (status changes by postback and by the API
 * included, and under concurrency), the clicks without it in a row of their own, filters on
 * every dimension, the "(other)" bucket past 100 values an hour, and the refusals.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class DimensionStatsTest {
  @Parameter Topology topology;

  private static final int PARTITIONS = 2;

  private static TestRedis redis;
  private static RunningServer running;
  private static ReportServiceGrpc.ReportServiceBlockingStub reports;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    // Two partitions: the "(other)" bound (per partition and hour) is reached with a few hundred clicks.
    running = RunningServer.start(TestServers.builder(redis.url()).partitions(PARTITIONS).build(), Duration.ofSeconds(120));
    reports = running.reports();
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    running.close();
    redis.close();
  }

  /** One issued click as the test knows it, and its conversion's final state (if any). */
  private record TestClick(String kcid, String campaign, Map<StatsDimension, String> detail) {}

  private static final class Outcome {
    ConversionStatus status;
    BigDecimal amount;
  }

  private static final List<StatsDimension> DETAILS = List.of(StatsDimension.STATS_DIMENSION_CREATIVE,
      StatsDimension.STATS_DIMENSION_PLACEMENT, StatsDimension.STATS_DIMENSION_SUB_ID_1,
      StatsDimension.STATS_DIMENSION_SUB_ID_2, StatsDimension.STATS_DIMENSION_SUB_ID_10);

  private static String valueOf(StatsRow row, StatsDimension d) {
    return switch (d) {
      case STATS_DIMENSION_CREATIVE -> row.getCreativeId();
      case STATS_DIMENSION_PLACEMENT -> row.getPlacementId();
      case STATS_DIMENSION_SUB_ID_1 -> row.getSubId1();
      case STATS_DIMENSION_SUB_ID_2 -> row.getSubId2();
      case STATS_DIMENSION_SUB_ID_3 -> row.getSubId3();
      case STATS_DIMENSION_SUB_ID_10 -> row.getSubId10();
      default -> throw new IllegalArgumentException(d.name());
    };
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  private static GetStatsRequest.Builder lastDay(String accountId) {
    Instant now = Instant.now();
    return GetStatsRequest.newBuilder().setAccountId(accountId).setTimeZone("UTC")
        .setStartTime(ts(now.minus(Duration.ofDays(1)))).setEndTime(ts(now.plus(Duration.ofHours(1))));
  }

  private static StatsFilter filter(StatsDimension d, String value) {
    return StatsFilter.newBuilder().setDimension(d).setValue(value).build();
  }

  private static GetStatsResponse stats(String accountId, List<StatsFilter> filters, StatsDimension... by) {
    return reports.getStats(lastDay(accountId).addAllFilters(filters).addAllGroupBy(List.of(by)).build());
  }

  private static String issue(String account, String campaign, Map<StatsDimension, String> detail) {
    IssueClickRequest.Builder r = IssueClickRequest.newBuilder().setAccountId(account).setCampaignId(campaign)
        .setCreativeId(detail.getOrDefault(StatsDimension.STATS_DIMENSION_CREATIVE, ""))
        .setPlacementId(detail.getOrDefault(StatsDimension.STATS_DIMENSION_PLACEMENT, ""));
    Map<StatsDimension, String> subIds = Map.of(StatsDimension.STATS_DIMENSION_SUB_ID_1, "s1",
        StatsDimension.STATS_DIMENSION_SUB_ID_2, "s2", StatsDimension.STATS_DIMENSION_SUB_ID_3, "s3",
        StatsDimension.STATS_DIMENSION_SUB_ID_10, "s10");
    subIds.forEach((d, key) -> {
      String v = detail.getOrDefault(d, "");
      if (!v.isEmpty()) {
        r.putSubIds(key, v);
      }
    });
    return running.clicks().issueClick(r.build()).getClick().getKcid();
  }

  private static RecordConversionRequest.Builder postback(CreateAccountResponse a, String kcid) {
    return RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey("sale")
        .setCredentials(PostbackCredentials.newBuilder().setToken(a.getSecrets().getPostbackToken()));
  }

  private static Money eur(BigDecimal amount) {
    return Money.newBuilder().setAmount(amount.toPlainString()).setCurrencyCode("EUR").build();
  }

  /** What a row counts: clicks, conversions by status, EUR amounts by status. */
  private record Numbers(long clicks, long pending, long approved, long rejected,
      BigDecimal pendingEur, BigDecimal approvedEur, BigDecimal rejectedEur) {
    static final Numbers ZERO = new Numbers(0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

    static Numbers of(StatsRow row) {
      BigDecimal p = BigDecimal.ZERO;
      BigDecimal a = BigDecimal.ZERO;
      BigDecimal r = BigDecimal.ZERO;
      for (CurrencyValue v : row.getValuesList()) {
        if (v.getCurrencyCode().equals("EUR")) {
          p = new BigDecimal(v.getPendingAmount());
          a = new BigDecimal(v.getApprovedAmount());
          r = new BigDecimal(v.getRejectedAmount());
        }
      }
      assertThat(row.getConversions()).as("conversions = sum of statuses")
          .isEqualTo(row.getPendingConversions() + row.getApprovedConversions() + row.getRejectedConversions());
      return new Numbers(row.getClicks(), row.getPendingConversions(), row.getApprovedConversions(),
          row.getRejectedConversions(), p.stripTrailingZeros(), a.stripTrailingZeros(), r.stripTrailingZeros());
    }

    Numbers plus(Outcome o, boolean click) {
      Numbers n = new Numbers(clicks + (click ? 1 : 0), pending, approved, rejected, pendingEur, approvedEur, rejectedEur);
      if (o == null) {
        return n;
      }
      return switch (o.status) {
        case CONVERSION_STATUS_PENDING -> new Numbers(n.clicks, n.pending + 1, n.approved, n.rejected,
            n.pendingEur.add(o.amount).stripTrailingZeros(), n.approvedEur, n.rejectedEur);
        case CONVERSION_STATUS_APPROVED -> new Numbers(n.clicks, n.pending, n.approved + 1, n.rejected,
            n.pendingEur, n.approvedEur.add(o.amount).stripTrailingZeros(), n.rejectedEur);
        default -> new Numbers(n.clicks, n.pending, n.approved, n.rejected + 1,
            n.pendingEur, n.approvedEur, n.rejectedEur.add(o.amount).stripTrailingZeros());
      };
    }
  }

  /** The expected numbers per value of a dimension. */
  private static Map<String, Numbers> expected(List<TestClick> clicks, Map<String, Outcome> outcomes,
      Function<TestClick, String> key) {
    Map<String, Numbers> out = new TreeMap<>();
    for (TestClick c : clicks) {
      out.merge(key.apply(c), Numbers.ZERO.plus(outcomes.get(c.kcid()), true), (a, b) -> new Numbers(
          a.clicks + b.clicks, a.pending + b.pending, a.approved + b.approved, a.rejected + b.rejected,
          a.pendingEur.add(b.pendingEur).stripTrailingZeros(), a.approvedEur.add(b.approvedEur).stripTrailingZeros(),
          a.rejectedEur.add(b.rejectedEur).stripTrailingZeros()));
    }
    return out;
  }

  private static Map<String, Numbers> rows(GetStatsResponse report, Function<StatsRow, String> key) {
    Map<String, Numbers> out = new TreeMap<>();
    for (StatsRow row : report.getRowsList()) {
      assertThat(out.put(key.apply(row), Numbers.of(row))).as("one row per value").isNull();
    }
    return out;
  }

  /** 24 clicks with some detail dimensions, conversions in every status, then status changes. */
  private record Fixture(CreateAccountResponse account, List<TestClick> clicks, Map<String, Outcome> outcomes) {}

  private static Fixture fixture() {
    CreateAccountResponse a = running.newAccount(running.newPartner().getPartnerId());
    String id = a.getAccount().getAccountId();
    running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    List<TestClick> clicks = new ArrayList<>();
    Map<String, Outcome> outcomes = new HashMap<>();
    for (int i = 0; i < 24; i++) {
      Map<StatsDimension, String> detail = new HashMap<>();
      detail.put(StatsDimension.STATS_DIMENSION_CREATIVE, i % 3 == 0 ? "" : "cr" + i % 3);
      detail.put(StatsDimension.STATS_DIMENSION_PLACEMENT, i % 4 == 0 ? "" : "pl" + i % 2);
      detail.put(StatsDimension.STATS_DIMENSION_SUB_ID_1, "pub" + i % 2);
      detail.put(StatsDimension.STATS_DIMENSION_SUB_ID_2, i % 5 == 0 ? "" : (i % 2 == 0 ? "foo" : "bar"));
      detail.put(StatsDimension.STATS_DIMENSION_SUB_ID_10, i < 12 ? "ten" : "");
      String campaign = i % 2 == 0 ? "web" : "mail";
      TestClick c = new TestClick(issue(id, campaign, detail), campaign, detail);
      clicks.add(c);
      if (i % 3 != 2) {
        Outcome o = new Outcome();
        o.status = i % 2 == 0 ? ConversionStatus.CONVERSION_STATUS_PENDING : ConversionStatus.CONVERSION_STATUS_APPROVED;
        o.amount = new BigDecimal(i + 1 + ".25");
        running.conversions().recordConversion(postback(a, c.kcid()).setTransactionId("t" + i).setStatus(o.status)
            .setValue(eur(o.amount)).build());
        outcomes.put(c.kcid(), o);
      }
    }
    // Status changes: by postback (record_conversion) and by the API (update_status, with a new value).
    for (int i = 0; i < 24; i += 4) {
      TestClick c = clicks.get(i);
      if (!outcomes.containsKey(c.kcid())) {
        continue;
      }
      running.conversions().recordConversion(postback(a, c.kcid()).setTransactionId("t" + i)
          .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).build());
      outcomes.get(c.kcid()).status = ConversionStatus.CONVERSION_STATUS_APPROVED;
    }
    for (int i = 1; i < 24; i += 6) {
      TestClick c = clicks.get(i);
      BigDecimal lower = new BigDecimal("0.50");
      running.conversions().updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setKcid(c.kcid())
          .setTransactionId("t" + i).setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("chargeback")
          .setValue(eur(lower)).build());
      outcomes.get(c.kcid()).status = ConversionStatus.CONVERSION_STATUS_REJECTED;
      outcomes.get(c.kcid()).amount = lower;
    }
    return new Fixture(a, clicks, outcomes);
  }

  @Test
  void everyDetailDimensionCountsExactlyTheClicksThatHaveItsValue() {
    Fixture f = fixture();
    String id = f.account().getAccount().getAccountId();
    Numbers total = Numbers.of(stats(id, List.of()).getTotal());
    assertThat(total.clicks()).isEqualTo(24);
    assertThat(total.pending() + total.approved() + total.rejected()).isEqualTo(16);

    for (StatsDimension d : DETAILS) {
      GetStatsResponse report = stats(id, List.of(), d);
      Map<String, Numbers> expected = expected(f.clicks(), f.outcomes(), c -> c.detail().get(d));
      assertThat(rows(report, r -> valueOf(r, d))).as(d.name() + ": one row per value, \"\" = clicks without it")
          .isEqualTo(expected);
      assertThat(Numbers.of(report.getTotal())).as(d + " total").isEqualTo(total);

      // Crossed with campaign and goal.
      GetStatsResponse byCampaign = stats(id, List.of(), d, StatsDimension.STATS_DIMENSION_CAMPAIGN);
      assertThat(rows(byCampaign, r -> r.getCampaignId() + "/" + valueOf(r, d)))
          .isEqualTo(expected(f.clicks(), f.outcomes(), c -> c.campaign() + "/" + c.detail().get(d)));

      // Filtered on each value (and on ""), grouped by something else.
      for (Map.Entry<String, Numbers> e : expected.entrySet()) {
        GetStatsResponse only = stats(id, List.of(filter(d, e.getKey())), StatsDimension.STATS_DIMENSION_CAMPAIGN);
        assertThat(Numbers.of(only.getTotal())).as(d + "=" + e.getKey()).isEqualTo(e.getValue());
        assertThat(rows(only, StatsRow::getCampaignId)).isEqualTo(expected(
            f.clicks().stream().filter(c -> c.detail().get(d).equals(e.getKey())).toList(), f.outcomes(), TestClick::campaign));
      }
      assertThat(stats(id, List.of(filter(d, "never-seen")), d).getRowsList()).as("an unknown value: no rows").isEmpty();
    }
  }

  /**
   * The recording script reads a click's dimensions from its stored protobuf; lengths of 128 bytes
   * and more take a second varint byte (record_conversion.lua reads one-byte lengths inline). A
   * click whose landing page, creative, placement and sub ids are that long counts its conversion
   * under every one of them.
   */
  @Test
  void longValuesAroundALongLandingPageCountTheirConversions() {
    CreateAccountResponse a = running.newAccount(running.newPartner().getPartnerId());
    String id = a.getAccount().getAccountId();
    running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    String creative = "cr-" + "c".repeat(130);
    String placement = "pl-" + "p".repeat(140);
    String s2 = "s2-" + "x".repeat(150);
    String kcid = running.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("web")
        .setCreativeId(creative).setPlacementId(placement).putSubIds("s1", "pub-" + "y".repeat(160)).putSubIds("s2", s2)
        .setDestinationUrl("https://shop.example.com/landing?" + "utm_content=" + "z".repeat(400)).build())
        .getClick().getKcid();
    running.conversions().recordConversion(postback(a, kcid).setTransactionId("t-long")
        .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setValue(eur(new BigDecimal("12.50"))).build());

    Map<StatsDimension, String> values = Map.of(StatsDimension.STATS_DIMENSION_CREATIVE, creative,
        StatsDimension.STATS_DIMENSION_PLACEMENT, placement, StatsDimension.STATS_DIMENSION_SUB_ID_2, s2);
    values.forEach((d, value) -> {
      GetStatsResponse report = stats(id, List.of(), d);
      assertThat(rows(report, r -> valueOf(r, d))).as(d.name()).containsOnlyKeys(value);
      assertThat(Numbers.of(report.getRows(0))).as(d.name()).isEqualTo(new Numbers(1, 0, 1, 0,
          BigDecimal.ZERO, new BigDecimal("12.5"), BigDecimal.ZERO));
    });
  }

  @Test
  void everyOtherDimensionFilters() {
    Fixture f = fixture();
    String id = f.account().getAccount().getAccountId();
    String partner = f.account().getAccount().getPartnerId();
    Numbers total = Numbers.of(stats(id, List.of()).getTotal());

    // Campaign filter, grouped by a detail dimension.
    GetStatsResponse web = stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_CAMPAIGN, "web")),
        StatsDimension.STATS_DIMENSION_CREATIVE);
    List<TestClick> webClicks = f.clicks().stream().filter(c -> c.campaign().equals("web")).toList();
    assertThat(rows(web, StatsRow::getCreativeId)).isEqualTo(
        expected(webClicks, f.outcomes(), c -> c.detail().get(StatsDimension.STATS_DIMENSION_CREATIVE)));
    assertThat(rows(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_SUB_ID_1, "pub1")),
        StatsDimension.STATS_DIMENSION_CAMPAIGN), StatsRow::getCampaignId))
        .as("s1 filter").isEqualTo(expected(f.clicks().stream()
            .filter(c -> c.detail().get(StatsDimension.STATS_DIMENSION_SUB_ID_1).equals("pub1")).toList(),
            f.outcomes(), TestClick::campaign));

    // Goal filter: conversions of that goal only; clicks are those of the other dimensions.
    assertThat(Numbers.of(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_GOAL, "sale"))).getTotal()))
        .isEqualTo(total);
    Numbers noGoal = Numbers.of(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_GOAL, "signup"))).getTotal());
    assertThat(noGoal).isEqualTo(new Numbers(24, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO));

    // Hour and day filters: each hour (day) row equals the report filtered on it.
    for (StatsRow hour : stats(id, List.of(), StatsDimension.STATS_DIMENSION_HOUR).getRowsList()) {
      String hh = hour.getPeriod().substring(11, 13);
      assertThat(Numbers.of(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_HOUR, hh))).getTotal()))
          .as("hour " + hh).isEqualTo(Numbers.of(hour));
    }
    for (StatsRow day : stats(id, List.of(), StatsDimension.STATS_DIMENSION_DAY).getRowsList()) {
      assertThat(Numbers.of(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_DAY, day.getPeriod()))).getTotal()))
          .as("day " + day.getPeriod()).isEqualTo(Numbers.of(day));
    }
    assertThat(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_DAY, "2001-01-01"))).getTotal().getClicks())
        .isZero();

    // Account and partner: the dimension labels rows; a filter on another one leaves nothing.
    GetStatsResponse byPartner = stats(id, List.of(), StatsDimension.STATS_DIMENSION_PARTNER,
        StatsDimension.STATS_DIMENSION_ACCOUNT);
    assertThat(byPartner.getRowsList()).singleElement().satisfies(r -> {
      assertThat(r.getPartnerId()).isEqualTo(partner);
      assertThat(r.getAccountId()).isEqualTo(id);
      assertThat(Numbers.of(r)).isEqualTo(total);
    });
    assertThat(Numbers.of(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_PARTNER, partner))).getTotal()))
        .isEqualTo(total);
    assertThat(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_PARTNER, "someone-else"))).getTotal().getClicks())
        .isZero();
    assertThat(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_ACCOUNT, "another"))).getTotal().getClicks())
        .isZero();
    // A partner's roll-up filtered to one account is that account's report.
    GetStatsResponse rolled = reports.getStats(lastDay("").setPartnerId(partner)
        .addFilters(filter(StatsDimension.STATS_DIMENSION_ACCOUNT, id))
        .addGroupBy(StatsDimension.STATS_DIMENSION_SUB_ID_2).build());
    assertThat(rows(rolled, StatsRow::getSubId2)).isEqualTo(
        expected(f.clicks(), f.outcomes(), c -> c.detail().get(StatsDimension.STATS_DIMENSION_SUB_ID_2)));
  }

  @Test
  void detailDimensionsDoNotCombineAndBadFiltersAreRefused() {
    String id = running.newAccount().getAccount().getAccountId();
    assertThatThrownBy(() -> stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_SUB_ID_2, "foo")),
        StatsDimension.STATS_DIMENSION_CREATIVE))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_STATS_DIMENSIONS_NOT_COMBINABLE));
    assertThatThrownBy(() -> stats(id, List.of(), StatsDimension.STATS_DIMENSION_SUB_ID_1,
        StatsDimension.STATS_DIMENSION_PLACEMENT))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_STATS_DIMENSIONS_NOT_COMBINABLE));
    for (List<StatsFilter> bad : List.of(
        List.of(filter(StatsDimension.STATS_DIMENSION_HOUR, "24")),
        List.of(filter(StatsDimension.STATS_DIMENSION_HOUR, "7")),
        List.of(filter(StatsDimension.STATS_DIMENSION_DAY, "25.11.2025")),
        List.of(filter(StatsDimension.STATS_DIMENSION_UNSPECIFIED, "x")),
        List.of(filter(StatsDimension.STATS_DIMENSION_CAMPAIGN, "")),
        List.of(filter(StatsDimension.STATS_DIMENSION_SUB_ID_4, "a\u0001b")),
        List.of(filter(StatsDimension.STATS_DIMENSION_CAMPAIGN, "a"), filter(StatsDimension.STATS_DIMENSION_CAMPAIGN, "b")))) {
      assertThatThrownBy(() -> stats(id, bad)).as(bad.toString())
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_STATS_FILTER_INVALID));
    }
    // The same detail dimension grouped by and filtered is one dimension: fine.
    assertThat(stats(id, List.of(filter(StatsDimension.STATS_DIMENSION_CREATIVE, "c")),
        StatsDimension.STATS_DIMENSION_CREATIVE).getRowsList()).isEmpty();
  }

  @Test
  void pastAHundredValuesAnHourFurtherOnesCountAsOther() {
    CreateAccountResponse a = running.newAccount();
    String id = a.getAccount().getAccountId();
    running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    int n = 260;
    List<String> kcids = new ArrayList<>();
    int[] perPartition = new int[PARTITIONS];
    boolean[] named = new boolean[n];
    java.util.Set<Long> hours = new java.util.HashSet<>();
    for (int i = 0; i < n; i++) {
      var click = running.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("web")
          .putSubIds("s3", "r" + i).putSubIds("s1", "u" + i).build()).getClick();
      kcids.add(click.getKcid());
      hours.add(click.getClickTime().getSeconds() / 3600);
      // Within one hour, the first 100 distinct values of a partition keep their names.
      named[i] = perPartition[click.getPartition()]++ < 100;
    }
    for (int i = n - 10; i < n; i++) {
      running.conversions().recordConversion(postback(a, kcids.get(i)).setValue(eur(BigDecimal.ONE)).build());
    }
    long otherClicks = java.util.stream.IntStream.range(0, n).filter(i -> !named[i]).count();
    long otherConversions = java.util.stream.IntStream.range(n - 10, n).filter(i -> !named[i]).count();
    assertThat(otherClicks).as("some partition got more than 100 values").isPositive();
    for (StatsDimension d : List.of(StatsDimension.STATS_DIMENSION_SUB_ID_3, StatsDimension.STATS_DIMENSION_SUB_ID_1)) {
      GetStatsResponse report = stats(id, List.of(), StatsDimension.STATS_DIMENSION_HOUR, d);
      assertThat(report.getTotal().getClicks()).isEqualTo(n);
      assertThat(report.getTotal().getConversions()).isEqualTo(10);
      Map<String, List<StatsRow>> byHour = new TreeMap<>();
      report.getRowsList().forEach(r -> byHour.computeIfAbsent(r.getPeriod(), h -> new ArrayList<>()).add(r));
      for (List<StatsRow> hour : byHour.values()) {
        assertThat(hour.stream().filter(r -> !valueOf(r, d).equals("(other)")).count())
            .as(d + ": distinct values kept in an hour").isLessThanOrEqualTo(100L * PARTITIONS);
        assertThat(hour).filteredOn(r -> !valueOf(r, d).equals("(other)")).allSatisfy(r -> assertThat(r.getClicks()).isEqualTo(1));
      }
      if (hours.size() == 1 && byHour.size() == 1) {
        // Clicks and conversions in one hour: exactly the values past each partition's first 100
        // are "(other)", their conversions too (the conversion's hour has the same list).
        assertThat(report.getRowsList()).filteredOn(r -> valueOf(r, d).equals("(other)")).singleElement()
            .satisfies(r -> {
              assertThat(r.getClicks()).isEqualTo(otherClicks);
              assertThat(r.getConversions()).isEqualTo(otherConversions);
            });
      }
    }
  }

  @Test
  void flaggedClicksAndTheirConversionsCountApartPerValue() {
    CreateAccountResponse a = running.newAccount();
    String id = a.getAccount().getAccountId();
    running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    String bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    String human = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
    String[][] issued = {{"a", bot}, {"a", human}, {"b", bot}};
    List<String> kcids = new ArrayList<>();
    for (String[] c : issued) {
      kcids.add(running.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("web")
          .setCreativeId(c[0]).setUserAgent(c[1]).setClientIp("192.0.2.10").build()).getClick().getKcid());
    }
    running.conversions().recordConversion(postback(a, kcids.get(0)).build());
    running.conversions().recordConversion(postback(a, kcids.get(1)).build());

    Map<String, StatsRow> rows = new TreeMap<>();
    stats(id, List.of(), StatsDimension.STATS_DIMENSION_CREATIVE).getRowsList().forEach(r -> rows.put(r.getCreativeId(), r));
    assertThat(rows).containsOnlyKeys("a", "b");
    assertThat(rows.get("a").getClicks()).isEqualTo(1);
    assertThat(rows.get("a").getFlaggedClicks()).isEqualTo(1);
    assertThat(rows.get("a").getConversions()).isEqualTo(2);
    assertThat(rows.get("a").getFlaggedConversions()).isEqualTo(1);
    assertThat(rows.get("a").getConversionRate()).as("the flagged click's conversion leaves the rate").isEqualTo(1.0);
    assertThat(rows.get("b").getClicks()).isZero();
    assertThat(rows.get("b").getFlaggedClicks()).isEqualTo(1);
  }

  @Test
  void concurrentConversionsAndStatusChangesStayExactPerValue() throws Exception {
    CreateAccountResponse a = running.newAccount();
    String id = a.getAccount().getAccountId();
    running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    int n = 48;
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      kcids.add(issue(id, "web", Map.of(StatsDimension.STATS_DIMENSION_CREATIVE, "c" + i % 4,
          StatsDimension.STATS_DIMENSION_SUB_ID_2, "p" + i % 3)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        work.add(pool.submit(() -> {
          String kcid = kcids.get(k);
          running.conversions().recordConversion(postback(a, kcid).setTransactionId("t").setValue(eur(new BigDecimal("2.10")))
              .setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).build());
          running.conversions().recordConversion(postback(a, kcid).setTransactionId("t")
              .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).build());
          if (k % 2 == 0) {
            running.conversions().updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setKcid(kcid)
                .setTransactionId("t").setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("fraud").build());
          }
        }));
      }
      for (Future<?> w : work) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Numbers> byCreative = rows(stats(id, List.of(), StatsDimension.STATS_DIMENSION_CREATIVE),
        StatsRow::getCreativeId);
    assertThat(byCreative).containsOnlyKeys("c0", "c1", "c2", "c3");
    // c0 and c2 hold even clicks (rejected), c1 and c3 odd ones (approved): 12 clicks each.
    BigDecimal twelve = new BigDecimal("25.2");
    assertThat(byCreative.get("c0")).isEqualTo(new Numbers(12, 0, 0, 12, BigDecimal.ZERO, BigDecimal.ZERO, twelve));
    assertThat(byCreative.get("c2")).isEqualTo(new Numbers(12, 0, 0, 12, BigDecimal.ZERO, BigDecimal.ZERO, twelve));
    assertThat(byCreative.get("c1")).isEqualTo(new Numbers(12, 0, 12, 0, BigDecimal.ZERO, twelve, BigDecimal.ZERO));
    assertThat(byCreative.get("c3")).isEqualTo(new Numbers(12, 0, 12, 0, BigDecimal.ZERO, twelve, BigDecimal.ZERO));
    Map<String, Numbers> bySubId2 = rows(stats(id, List.of(), StatsDimension.STATS_DIMENSION_SUB_ID_2),
        StatsRow::getSubId2);
    BigDecimal eight = new BigDecimal("16.8");
    for (String p : List.of("p0", "p1", "p2")) {
      assertThat(bySubId2.get(p)).as(p).isEqualTo(new Numbers(16, 0, 8, 8, BigDecimal.ZERO, eight, eight));
    }
  }
}
