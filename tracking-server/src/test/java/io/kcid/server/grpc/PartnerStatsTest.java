package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import com.google.rpc.ErrorInfo;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.CurrencyValue;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.TimeToConvertBucket;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GetStats by partner over real gRPC on standalone Redis and on a Cluster: the roll-up's totals
 * equal the sum of its accounts' own reports, one row per account when grouped by account, other
 * partners' accounts never counted, and bad requests refused with their field.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class PartnerStatsTest {
  @Parameter Topology topology;

  private static TestRedis redis;
  private static RunningServer running;
  private static ReportServiceGrpc.ReportServiceBlockingStub reports;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    running = RunningServer.start(TestServers.config(redis.url()), Duration.ofSeconds(120));
    reports = running.reports();
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    running.close();
    redis.close();
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  private static GetStatsRequest.Builder lastDay() {
    Instant now = Instant.now();
    return GetStatsRequest.newBuilder().setStartTime(ts(now.minus(Duration.ofDays(1)))).setEndTime(ts(now.plus(Duration.ofHours(1))));
  }

  private static GetStatsResponse ofAccount(String accountId, StatsDimension... by) {
    return reports.getStats(lastDay().setAccountId(accountId).addAllGroupBy(List.of(by)).build());
  }

  private static GetStatsResponse ofPartner(String partnerId, StatsDimension... by) {
    return reports.getStats(lastDay().setPartnerId(partnerId).addAllGroupBy(List.of(by)).build());
  }

  /** Clicks in two campaigns and conversions in two currencies and every status; returns the account id. */
  private static String busyAccount(String partnerId, int clicks, String currency, String amount) {
    CreateAccountResponse account = running.newAccount(partnerId);
    String id = account.getAccount().getAccountId();
    running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < clicks; i++) {
      kcids.add(running.issueClick(id, i % 2 == 0 ? "web" : "mail"));
    }
    ConversionStatus[] statuses = {ConversionStatus.CONVERSION_STATUS_APPROVED, ConversionStatus.CONVERSION_STATUS_PENDING,
        ConversionStatus.CONVERSION_STATUS_REJECTED};
    for (int i = 0; i < clicks - 1; i++) {
      running.conversions().recordConversion(RecordConversionRequest.newBuilder().setKcid(kcids.get(i)).setGoalKey("sale")
          .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
          .setValue(i == 0 ? Money.newBuilder().setAmount("1500").setCurrencyCode("JPY").build()
              : Money.newBuilder().setAmount(amount).setCurrencyCode(currency).build())
          .setStatus(statuses[i % 3]).setTransactionId("t" + i).build());
    }
    return id;
  }

  /** Everything a row counts, without its identity, with amounts as numbers. */
  private record Numbers(long clicks, long conversions, long approved, long pending, long rejected,
      Map<String, List<BigDecimal>> values, List<Long> timeToConvert) {
    static Numbers of(StatsRow row) {
      Map<String, List<BigDecimal>> values = new TreeMap<>();
      for (CurrencyValue v : row.getValuesList()) {
        values.put(v.getCurrencyCode(), List.of(new BigDecimal(v.getApprovedAmount()), new BigDecimal(v.getPendingAmount()),
            new BigDecimal(v.getRejectedAmount())));
      }
      return new Numbers(row.getClicks(), row.getConversions(), row.getApprovedConversions(), row.getPendingConversions(),
          row.getRejectedConversions(), values, row.getTimeToConvertList().stream().map(TimeToConvertBucket::getConversions).toList());
    }

    Numbers plus(Numbers other) {
      Map<String, List<BigDecimal>> sum = new TreeMap<>(values);
      other.values.forEach((currency, amounts) -> sum.merge(currency, amounts,
          (a, b) -> List.of(a.get(0).add(b.get(0)), a.get(1).add(b.get(1)), a.get(2).add(b.get(2)))));
      List<Long> buckets = new ArrayList<>();
      for (int i = 0; i < timeToConvert.size(); i++) {
        buckets.add(timeToConvert.get(i) + other.timeToConvert.get(i));
      }
      return new Numbers(clicks + other.clicks, conversions + other.conversions, approved + other.approved,
          pending + other.pending, rejected + other.rejected, sum, buckets);
    }

    /** Amounts compared by value: "5.1" and "5.10" are the same money. */
    boolean sameAs(Numbers other) {
      if (!values.keySet().equals(other.values.keySet())) {
        return false;
      }
      for (String currency : values.keySet()) {
        for (int i = 0; i < 3; i++) {
          if (values.get(currency).get(i).compareTo(other.values.get(currency).get(i)) != 0) {
            return false;
          }
        }
      }
      return clicks == other.clicks && conversions == other.conversions && approved == other.approved
          && pending == other.pending && rejected == other.rejected && timeToConvert.equals(other.timeToConvert);
    }
  }

  @Test
  void aPartnersTotalsAreTheSumOfItsAccountsOwnReports() {
    String partner = running.newPartner().getPartnerId();
    List<String> accounts = List.of(
        busyAccount(partner, 4, "EUR", "10.10"), busyAccount(partner, 7, "USD", "0.99"), busyAccount(partner, 5, "EUR", "3"));
    String quiet = running.newAccount(partner).getAccount().getAccountId();
    String other = busyAccount(running.newPartner().getPartnerId(), 6, "EUR", "1000");

    Numbers total = null;
    for (String account : accounts) {
      Numbers own = Numbers.of(ofAccount(account).getTotal());
      total = total == null ? own : total.plus(own);
    }
    Numbers sum = total;
    Numbers rolledUp = Numbers.of(ofPartner(partner).getTotal());
    assertThat(rolledUp.sameAs(sum)).as(rolledUp + " vs " + sum).isTrue();
    assertThat(rolledUp.clicks()).isEqualTo(16);
    assertThat(rolledUp.conversions()).isEqualTo(13);
    assertThat(ofPartner(partner).getRowsList()).as("no grouping: one row, the totals").singleElement()
        .satisfies(row -> assertThat(Numbers.of(row).sameAs(sum)).isTrue());

    GetStatsResponse byAccount = ofPartner(partner, StatsDimension.STATS_DIMENSION_ACCOUNT);
    List<String> expectedIds = new ArrayList<>(accounts);
    expectedIds.add(quiet);
    assertThat(byAccount.getRowsList()).extracting(StatsRow::getAccountId)
        .as("every account of the partner, the quiet one too, in id order; never another partner's")
        .containsExactlyElementsOf(expectedIds.stream().sorted().toList())
        .doesNotContain(other);
    for (StatsRow row : byAccount.getRowsList()) {
      Numbers own = Numbers.of(ofAccount(row.getAccountId()).getTotal());
      assertThat(Numbers.of(row).sameAs(own)).as(row.getAccountId()).isTrue();
    }
    assertThat(Numbers.of(byAccount.getTotal()).sameAs(sum)).isTrue();

    // Accounts with other dimensions: the rows still add up to the total, each account's to its own report.
    GetStatsResponse byAccountAndCampaign =
        ofPartner(partner, StatsDimension.STATS_DIMENSION_ACCOUNT, StatsDimension.STATS_DIMENSION_CAMPAIGN);
    assertThat(byAccountAndCampaign.getRowsList()).hasSize(6).allSatisfy(r -> assertThat(r.getAccountId()).isIn(accounts));
    assertThat(byAccountAndCampaign.getRowsList().stream().mapToLong(StatsRow::getClicks).sum()).isEqualTo(16);
    for (String account : accounts) {
      assertThat(byAccountAndCampaign.getRowsList().stream().filter(r -> r.getAccountId().equals(account))
          .mapToLong(StatsRow::getConversions).sum()).isEqualTo(ofAccount(account).getTotal().getConversions());
    }
    GetStatsResponse byDay = ofPartner(partner, StatsDimension.STATS_DIMENSION_DAY);
    assertThat(byDay.getRowsList().stream().mapToLong(StatsRow::getClicks).sum()).isEqualTo(16);
    assertThat(byDay.getRowsList()).allSatisfy(r -> assertThat(r.getAccountId()).isEmpty());
  }

  @Test
  void oneAccountGroupedByAccountIsOneRowNamingIt() {
    String account = busyAccount(running.newPartner().getPartnerId(), 3, "EUR", "2.50");
    GetStatsResponse report = ofAccount(account, StatsDimension.STATS_DIMENSION_ACCOUNT);
    assertThat(report.getRowsList()).singleElement().satisfies(row -> {
      assertThat(row.getAccountId()).isEqualTo(account);
      assertThat(Numbers.of(row).sameAs(Numbers.of(report.getTotal()))).isTrue();
    });
    assertThat(report.getTotal().getClicks()).isEqualTo(3);
  }

  @Test
  void aPartnersReportIsInItsDefaultTimeZoneUnlessAnotherIsAsked() {
    String partner = running.partners().createPartner(CreatePartnerRequest.newBuilder()
        .setPartnerId("pt-zone-" + System.nanoTime())
        .setDefaults(PartnerDefaults.newBuilder().setTimeZone("Europe/Berlin")).build()).getPartner().getPartnerId();
    assertThat(ofPartner(partner).getTimeZone()).isEqualTo("Europe/Berlin");
    assertThat(reports.getStats(lastDay().setPartnerId(partner).setTimeZone("Asia/Tokyo").build()).getTimeZone())
        .isEqualTo("Asia/Tokyo");
    assertThat(ofPartner(running.newPartner().getPartnerId()).getTimeZone()).isEqualTo("Z");
  }

  @Test
  void badRequestsAreRefusedWithTheirField() {
    assertThatThrownBy(() -> reports.getStats(lastDay().build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER))
        .satisfies(e -> assertThat(field(e)).isEqualTo("account_id"));
    String partner = running.newPartner().getPartnerId();
    String account = running.newAccount(partner).getAccount().getAccountId();
    assertThatThrownBy(() -> reports.getStats(lastDay().setPartnerId(partner).setAccountId(account).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .satisfies(e -> assertThat(field(e)).isEqualTo("partner_id"));
    assertThatThrownBy(() -> reports.getStats(lastDay().setPartnerId("Not A Key").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .satisfies(e -> assertThat(field(e)).isEqualTo("partner_id"));
    assertThatThrownBy(() -> reports.getStats(lastDay().setPartnerId("no-such-partner").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
    assertThatThrownBy(() -> reports.getStats(lastDay().setPartnerId(partner).setTimeZone("Mars/Olympus").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .satisfies(e -> assertThat(field(e)).isEqualTo("time_zone"));
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
