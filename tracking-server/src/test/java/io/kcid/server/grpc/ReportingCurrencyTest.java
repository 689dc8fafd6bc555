package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.FxState;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListExchangeRatesRequest;
import io.kcid.proto.tracking.v1.ListExchangeRatesResponse;
import io.kcid.proto.tracking.v1.LoadExchangeRatesRequest;
import io.kcid.proto.tracking.v1.LoadExchangeRatesResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One reporting currency over real gRPC on standalone Redis and a Cluster: an operator loads ECB
 * rates, a conversion in another currency gains a converted value at the rate of its day (stored
 * with it), a missing rate is a state (never a guess) that resolves once the rate is loaded, and
 * stats show the reporting-currency value. Each test uses its own currencies: the table is shared.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class ReportingCurrencyTest {
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

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

  private static LoadExchangeRatesResponse load(String... lines) {
    return admin.loadExchangeRates(LoadExchangeRatesRequest.newBuilder().addAllLines(List.of(lines)).build());
  }

  private static CreateAccountResponse account(String reportingCurrency) {
    return admin.createAccount(CreateAccountRequest.newBuilder().setReportingCurrency(reportingCurrency).build());
  }

  private static RecordConversionResponse convert(CreateAccountResponse account, String amount, String currency) {
    String kcid = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setCampaignId("fx").build()).getClick().getKcid();
    RecordConversionResponse answer = conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
        .setValue(Money.newBuilder().setAmount(amount).setCurrencyCode(currency))
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build());
    assertThat(answer.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    return answer;
  }

  private static Conversion read(RecordConversionResponse recorded) {
    return conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(recorded.getConversionId()).build())
        .getConversion();
  }

  private static StatsRow total(CreateAccountResponse account, String reportingCurrency) {
    Instant now = Instant.now();
    return reports.getStats(GetStatsRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setStartTime(ts(now.minus(Duration.ofHours(2)))).setEndTime(ts(now.plus(Duration.ofHours(1))))
        .setReportingCurrency(reportingCurrency).build()).getTotal();
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  /** What the server must compute: perEur(to) / perEur(from), 34 digits, half-even. */
  private static BigDecimal cross(String perEurFrom, String perEurTo) {
    return new BigDecimal(perEurTo).divide(new BigDecimal(perEurFrom), MathContext.DECIMAL128);
  }

  @Test
  void aUsdConversionOfAnEurAccountGainsItsDaysRateStoredWithIt() {
    LoadExchangeRatesResponse loaded = load("Date, USD, ", TODAY + ", 1.0843, ");
    assertThat(loaded.getDays()).isEqualTo(1);
    assertThat(loaded.getRates()).isEqualTo(1);
    var account = account("EUR");
    assertThat(account.getAccount().getReportingCurrency()).isEqualTo("EUR");

    RecordConversionResponse usd = convert(account, "100.00", "USD");
    BigDecimal rate = cross("1.0843", "1");
    // The answer already shows it; a read shows the same, from the rate stored with the conversion.
    for (Conversion c : List.of(usd.getConversion(), read(usd))) {
      assertThat(c.getValue()).isEqualTo(Money.newBuilder().setAmount("100.00").setCurrencyCode("USD").build());
      assertThat(c.getFxState()).isEqualTo(FxState.FX_STATE_CONVERTED);
      assertThat(new BigDecimal(c.getFxRate())).isEqualByComparingTo(rate);
      assertThat(c.getFxRateDate()).isEqualTo(TODAY.toString());
      assertThat(c.getConvertedValue()).isEqualTo(Money.newBuilder().setAmount("92.23").setCurrencyCode("EUR").build());
    }

    // A reload with another rate for the day changes nothing already converted: its rate is stored.
    load("Date,USD", TODAY + ",1.2000");
    assertThat(read(usd).getConvertedValue().getAmount()).isEqualTo("92.23");
    load("Date,USD", TODAY + ",1.0843");

    RecordConversionResponse eur = convert(account, "10", "EUR");
    assertThat(eur.getConversion().getFxState()).isEqualTo(FxState.FX_STATE_SAME_CURRENCY);
    assertThat(eur.getConversion().getFxRate()).isEqualTo("1");
    assertThat(eur.getConversion().getConvertedValue().getAmount()).isEqualTo("10.00");

    // Stats: the exact sum 92.2253… + 10, rounded once.
    StatsRow total = total(account, "");
    assertThat(total.getReportingValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(total.getReportingValue().getApprovedAmount()).isEqualTo(
        new BigDecimal("100").multiply(rate).add(BigDecimal.TEN).setScale(2, RoundingMode.HALF_EVEN).toPlainString());
    assertThat(total.getReportingValue().getApprovedAmount()).isEqualTo("102.23");
    assertThat(total.getUnconvertedValuesList()).isEmpty();
    assertThat(total.getMissingRatesList()).isEmpty();
    // The values in their own currencies stay as they were.
    assertThat(total.getValuesList()).extracting(v -> v.getCurrencyCode() + " " + v.getApprovedAmount())
        .containsExactly("EUR 10.00", "USD 100.00");
  }

  @Test
  void aMissingRateIsAStateUntilTheRateIsLoadedThenTheConversionIsConvertedAtRead() {
    var account = account("EUR");
    RecordConversionResponse jpy = convert(account, "15000", "JPY");
    assertThat(jpy.getConversion().getFxState()).isEqualTo(FxState.FX_STATE_RATE_MISSING);
    assertThat(jpy.getConversion().getFxRate()).isEmpty();
    assertThat(jpy.getConversion().getConvertedValue().getAmount()).isEmpty();
    assertThat(read(jpy).getFxState()).isEqualTo(FxState.FX_STATE_RATE_MISSING);

    StatsRow before = total(account, "");
    assertThat(before.getReportingValue().getApprovedAmount()).isEqualTo("0.00");
    assertThat(before.getUnconvertedValuesList()).extracting(v -> v.getCurrencyCode() + " " + v.getApprovedAmount())
        .containsExactly("JPY 15000");
    assertThat(before.getMissingRatesList()).containsExactly("JPY " + TODAY);

    load("Date,JPY,", TODAY + ",162.5,");
    Conversion after = read(jpy);
    assertThat(after.getFxState()).isEqualTo(FxState.FX_STATE_CONVERTED_AT_READ);
    assertThat(new BigDecimal(after.getFxRate())).isEqualByComparingTo(cross("162.5", "1"));
    assertThat(after.getFxRateDate()).isEqualTo(TODAY.toString());
    assertThat(after.getConvertedValue().getAmount()).isEqualTo("92.31"); // 15000 / 162.5 = 92.307…
    // That first conversion at read stored its rate with the conversion: a reload changes nothing.
    load("Date,JPY", TODAY + ",150");
    assertThat(read(jpy).getFxRate()).isEqualTo(after.getFxRate());
    assertThat(read(jpy).getConvertedValue().getAmount()).isEqualTo("92.31");
    assertThat(read(jpy).getFxState()).isEqualTo(FxState.FX_STATE_CONVERTED_AT_READ);
    load("Date,JPY", TODAY + ",162.5");
    StatsRow now = total(account, "");
    assertThat(now.getReportingValue().getApprovedAmount()).isEqualTo("92.31");
    assertThat(now.getMissingRatesList()).isEmpty();
  }

  @Test
  void noRateOnTheDayUsesTheLatestEarlierDayWithinAWeekAndNeverOlder() {
    var account = account("EUR");
    // ECB publishes nothing on weekends and holidays: the latest day before counts, up to 7 days back.
    load("Date,CHF,SEK", TODAY.minusDays(3) + ",0.9400,N/A", TODAY.minusDays(8) + ",N/A,11.20");
    RecordConversionResponse chf = convert(account, "94.00", "CHF");
    assertThat(chf.getConversion().getFxState()).isEqualTo(FxState.FX_STATE_CONVERTED);
    assertThat(chf.getConversion().getFxRateDate()).isEqualTo(TODAY.minusDays(3).toString());
    assertThat(chf.getConversion().getConvertedValue().getAmount()).isEqualTo("100.00");
    RecordConversionResponse sek = convert(account, "112", "SEK");
    assertThat(sek.getConversion().getFxState()).isEqualTo(FxState.FX_STATE_RATE_MISSING);
  }

  @Test
  void crossRatesGoThroughTheEuroAndAStatsRequestMayNameItsOwnReportingCurrency() {
    load("Date, CAD, AUD", TODAY + ", 1.5000, 1.6500");
    var account = account("AUD");
    RecordConversionResponse cad = convert(account, "20.00", "CAD");
    assertThat(new BigDecimal(cad.getConversion().getFxRate())).isEqualByComparingTo("1.1");
    assertThat(cad.getConversion().getConvertedValue()).isEqualTo(
        Money.newBuilder().setAmount("22.00").setCurrencyCode("AUD").build());
    // Asked in CAD: AUD values are converted back; the account's own currency is unchanged.
    StatsRow inCad = total(account, "CAD");
    assertThat(inCad.getReportingValue().getCurrencyCode()).isEqualTo("CAD");
    assertThat(inCad.getReportingValue().getApprovedAmount()).isEqualTo("20.00");

    // An account without reporting currency gets none, unless the request asks.
    var plain = account("");
    RecordConversionResponse none = convert(plain, "5", "CAD");
    assertThat(none.getConversion().getFxState()).isEqualTo(FxState.FX_STATE_UNSPECIFIED);
    assertThat(none.getConversion().hasConvertedValue()).isFalse();
    assertThat(total(plain, "").hasReportingValue()).isFalse();
    assertThat(total(plain, "EUR").getReportingValue().getApprovedAmount()).isEqualTo("3.33");

    // Changing the account's currency applies to new conversions only.
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(plain.getAccount().getAccountId())
        .setReportingCurrency("AUD").build());
    assertThat(convert(plain, "10", "CAD").getConversion().getConvertedValue().getAmount()).isEqualTo("11.00");
    assertThat(read(none).getFxState()).isEqualTo(FxState.FX_STATE_UNSPECIFIED);
  }

  @Test
  void aValueAdjustmentIsConvertedAtTheRateStoredWithTheConversion() {
    load("Date,NZD,PLN", TODAY + ",1.8000,4.0000");
    var account = account("PLN");
    RecordConversionResponse nzd = convert(account, "90.00", "NZD");
    assertThat(nzd.getConversion().getConvertedValue().getAmount()).isEqualTo("200.00");
    // The table changes; the conversion's stored rate does not.
    load("Date,NZD", TODAY + ",2.0000");
    Conversion adjusted = conversions.updateConversionStatus(
        io.kcid.proto.tracking.v1.UpdateConversionStatusRequest.newBuilder()
            .setConversionId(nzd.getConversionId())
            .setStatus(io.kcid.proto.tracking.v1.ConversionStatus.CONVERSION_STATUS_APPROVED)
            .setValue(Money.newBuilder().setAmount("45.00").setCurrencyCode("NZD"))
            .setReason("partial refund").build()).getConversion();
    assertThat(adjusted.getValue().getAmount()).isEqualTo("45.00");
    assertThat(adjusted.getFxState()).isEqualTo(FxState.FX_STATE_CONVERTED);
    assertThat(new BigDecimal(adjusted.getFxRate())).isEqualByComparingTo(cross("1.8", "4"));
    assertThat(adjusted.getConvertedValue().getAmount()).isEqualTo("100.00");
    assertThat(read(nzd).getConvertedValue().getAmount()).isEqualTo("100.00");
  }

  @Test
  void badInputGetsStableReasonsAndBadRowsAreReportedByLineWhileTheRestLoads() {
    for (String code : List.of("eur", "ABC", "XTS")) {
      assertThatThrownBy(() -> account(code)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_FX_CURRENCY_UNKNOWN));
    }
    assertThatThrownBy(() -> reports.getStats(GetStatsRequest.newBuilder().setAccountId("x")
        .setStartTime(ts(Instant.now())).setReportingCurrency("EURO").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_FX_CURRENCY_UNKNOWN));
    assertThatThrownBy(() -> load("2025-01-02,1.03", "2025-01-03,1.04"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_FX_CSV_INVALID));

    LoadExchangeRatesResponse partly = admin.loadExchangeRates(LoadExchangeRatesRequest.newBuilder()
        .addAllLines(List.of("Date,NOK,HUF", "1995-02-06,8.1,abc", "yesterday,8.2,250", "1995-02-07,8.3,251"))
        .build());
    assertThat(partly.getDays()).isEqualTo(2);
    assertThat(partly.getRates()).isEqualTo(3);
    assertThat(partly.getBadLinesList()).extracting(b -> b.getLineNumber() + ": " + b.getMessage())
        .containsExactly("2: HUF: 'abc' is not a rate (a positive decimal such as 1.0843, or N/A)",
            "3: 'yesterday' is not a date such as 2025-12-03 or 03 December 2025");
    ListExchangeRatesResponse listed = admin.listExchangeRates(ListExchangeRatesRequest.newBuilder()
        .setBeforeDate("1995-02-07").setLimit(2).build());
    assertThat(listed.getDaysList()).extracting(d -> d.getDate() + " " + d.getRatesPerEurMap())
        .containsExactly("1995-02-07 {HUF=251, NOK=8.3}", "1995-02-06 {NOK=8.1}");
  }

  @Test
  void aWholeEcbHistoryLoadsInPartsAndEveryDayIsThere() {
    // eurofxref-hist.csv's shape: ≈ 6,700 working days since 1999, 41 columns and a trailing comma.
    String[] currencies = {"USD", "JPY", "BGN", "CYP", "CZK", "DKK", "EEK", "GBP", "HUF", "LTL", "LVL", "MTL",
        "PLN", "ROL", "RON", "SEK", "SIT", "SKK", "CHF", "ISK", "NOK", "HRK", "RUB", "TRL", "TRY", "AUD", "BRL",
        "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR"};
    String header = "Date," + String.join(",", currencies) + ",";
    List<String> rows = new ArrayList<>();
    LocalDate first = LocalDate.of(1999, 1, 4);
    for (LocalDate d = first; rows.size() < 6_700; d = d.plusDays(1)) {
      if (d.getDayOfWeek().getValue() >= 6) {
        continue;
      }
      StringBuilder row = new StringBuilder(d.toString());
      for (int c = 0; c < currencies.length; c++) {
        row.append(',').append(c % 7 == 3 ? "N/A" : (c + 1) + "." + (rows.size() % 10_000));
      }
      rows.add(row.append(',').toString());
    }
    // As the CLI sends it: parts of at most 2,000 lines, each with the header, newest row last.
    int days = 0;
    long rates = 0;
    for (int from = 0; from < rows.size(); from += 1_999) {
      List<String> part = new ArrayList<>();
      part.add(header);
      part.addAll(rows.subList(from, Math.min(rows.size(), from + 1_999)));
      LoadExchangeRatesResponse r = admin.loadExchangeRates(LoadExchangeRatesRequest.newBuilder()
          .addAllLines(part).setFirstLineNumber(from + 2).build());
      assertThat(r.getBadLinesList()).isEmpty();
      days += r.getDays();
      rates += r.getRates();
    }
    assertThat(days).isEqualTo(6_700);
    assertThat(rates).isEqualTo(6_700L * (currencies.length - 6));
    LocalDate last = LocalDate.parse(rows.get(rows.size() - 1).substring(0, 10));
    ListExchangeRatesResponse listed = admin.listExchangeRates(ListExchangeRatesRequest.newBuilder()
        .setBeforeDate(last.toString()).setLimit(1).build());
    assertThat(listed.getDays(0).getDate()).isEqualTo(last.toString());
    assertThat(listed.getDays(0).getRatesPerEurMap()).hasSize(currencies.length - 6)
        .containsEntry("USD", "1." + 6_699).doesNotContainKey("CYP");
    assertThat(listed.getTotalDays()).isGreaterThanOrEqualTo(6_700);
  }
}
