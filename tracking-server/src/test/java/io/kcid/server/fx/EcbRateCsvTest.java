package io.kcid.server.fx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ECB's two CSV files read as published: spaces, trailing commas, "N/A" cells, both date styles. */
class EcbRateCsvTest {
  /** The layout of https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip (one day; these rates are illustrative). */
  static final String DAILY_HEADER = "Date, USD, JPY, BGN, CZK, DKK, GBP, HUF, PLN, RON, SEK, CHF, ISK, NOK, TRY, AUD,"
      + " BRL, CAD, CNY, HKD, IDR, ILS, INR, KRW, MXN, MYR, NZD, PHP, SGD, THB, ZAR, ";
  static final String DAILY_ROW = "03 December 2025, 1.1652, 180.86, 1.9558, 24.214, 7.4694, 0.87530, 381.35,"
      + " 4.2250, 5.0917, 10.9570, 0.9355, 148.00, 11.7925, 49.5547, 1.7658, 6.2052, 1.6282, 8.2374, 9.0706,"
      + " 19394.76, 3.7737, 104.8860, 1715.45, 21.3052, 4.7937, 2.0246, 68.491, 1.5108, 37.293, 19.9188, ";
  /** The layout of eurofxref-hist.csv (every day since 1999; N/A where a currency had no rate that day; rates illustrative). */
  static final String HIST_HEADER = "Date,USD,JPY,BGN,CYP,CZK,DKK,EEK,GBP,HUF,LTL,LVL,MTL,PLN,ROL,RON,SEK,SIT,SKK,"
      + "CHF,ISK,NOK,HRK,RUB,TRL,TRY,AUD,BRL,CAD,CNY,HKD,IDR,ILS,INR,KRW,MXN,MYR,NZD,PHP,SGD,THB,ZAR,";
  static final String HIST_ROW = "1999-01-04,1.1789,133.73,N/A,0.58231,35.107,7.4501,15.6466,0.7111,251.48,3.4895,"
      + "0.6668,0.4297,4.0712,13111,N/A,9.4696,189.045,42.991,1.6168,N/A,8.855,N/A,25.2875,305.7,N/A,1.91,N/A,"
      + "1.8004,9.7349,9.1332,N/A,N/A,N/A,1573.55,N/A,4.4810,2.2229,N/A,1.9651,42.5,6.9358,";

  @Test
  void theDailyFileReadsWithItsSpacesTrailingCommaAndSpelledOutDate() {
    EcbRateCsv.Header header = EcbRateCsv.header(DAILY_HEADER);
    EcbRateCsv.Row row = EcbRateCsv.row(header, DAILY_ROW);
    assertThat(row.date()).isEqualTo(LocalDate.of(2025, 12, 3));
    assertThat(row.rates()).hasSize(30)
        .containsEntry("USD", "1.1652")
        .containsEntry("GBP", "0.8753") // trailing zeros dropped: the same number
        .containsEntry("ISK", "148")
        .containsEntry("IDR", "19394.76");
    assertThat(row.badCells()).isEmpty();
  }

  @Test
  void theHistoryFileSkipsNotAvailableCellsAndKeepsTheCurrenciesOfItsTime() {
    EcbRateCsv.Row row = EcbRateCsv.row(EcbRateCsv.header(HIST_HEADER), HIST_ROW);
    assertThat(row.date()).isEqualTo(LocalDate.of(1999, 1, 4));
    assertThat(row.rates()).containsEntry("CYP", "0.58231").containsEntry("ROL", "13111")
        .doesNotContainKeys("BGN", "RON", "TRY", "ISK");
    assertThat(row.rates()).hasSize(41 - 11);
    assertThat(row.badCells()).isEmpty();
  }

  @Test
  void aBadCellIsReportedAndTheRestOfTheLineIsKept() {
    EcbRateCsv.Header header = EcbRateCsv.header("Date,USD,JPY,GBP");
    EcbRateCsv.Row row = EcbRateCsv.row(header, "2025-12-03,1.1652,-1,1e3");
    assertThat(row.rates()).isEqualTo(Map.of("USD", "1.1652"));
    assertThat(row.badCells()).containsExactly(
        "JPY: '-1' is not a rate (a positive decimal such as 1.0843, or N/A)",
        "GBP: '1e3' is not a rate (a positive decimal such as 1.0843, or N/A)");
    assertThat(EcbRateCsv.row(header, "2025-12-03,0,N/A,").badCells()).hasSize(1);
  }

  @Test
  void aLineWithoutAValidDateOrWithTooManyCellsIsRefusedAsAWhole() {
    EcbRateCsv.Header header = EcbRateCsv.header("Date,USD");
    assertThatThrownBy(() -> EcbRateCsv.row(header, "2025-13-01,1.1")).hasMessageContaining("is not a date");
    assertThatThrownBy(() -> EcbRateCsv.row(header, ",1.1")).hasMessageContaining("no date");
    assertThatThrownBy(() -> EcbRateCsv.row(header, "2025-12-01,1.1,1.2")).hasMessageContaining("3 cells, the header 2");
    assertThatThrownBy(() -> EcbRateCsv.row(header, "\"2025-12-01,1.1")).hasMessageContaining("not a CSV line");
    // Empty trailing cells beyond the header are ECB's trailing comma, not extra data.
    assertThat(EcbRateCsv.row(header, "2025-12-01,1.1,,").rates()).containsEntry("USD", "1.1");
  }

  @Test
  void aHeaderThatIsNotEcbsIsRefusedWithAStableReason() {
    assertThatThrownBy(() -> EcbRateCsv.header("2025-12-03,1.1652"))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_FX_CSV_INVALID));
    assertThatThrownBy(() -> EcbRateCsv.header("Date,USD,USD"))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_FX_CSV_INVALID));
    assertThatThrownBy(() -> EcbRateCsv.header("Date,US Dollar"))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_FX_CURRENCY_UNKNOWN));
    // EUR is the base: a column for it is ignored, not an error.
    assertThat(EcbRateCsv.header("Date,EUR,USD").columns()).containsExactly(null, null, "USD");
  }

  @Test
  void crossRatesAreExactTo34DigitsAndAmountsRoundHalfEvenToMinorUnits() {
    Map<String, BigDecimal> day = Map.of("USD", new BigDecimal("1.1652"), "JPY", new BigDecimal("180.86"));
    assertThat(ExchangeRates.cross(day, "USD", "JPY")).contains(
        new BigDecimal("180.86").divide(new BigDecimal("1.1652"), ExchangeRates.MATH).stripTrailingZeros());
    assertThat(ExchangeRates.cross(day, "EUR", "USD")).contains(new BigDecimal("1.1652"));
    assertThat(ExchangeRates.cross(day, "GBP", "USD")).isEmpty();
    assertThat(ExchangeRates.cross(Map.of(), "EUR", "EUR")).isEmpty();
    assertThat(ExchangeRates.round(new BigDecimal("2.125"), "EUR")).isEqualByComparingTo("2.12");
    assertThat(ExchangeRates.round(new BigDecimal("2.135"), "EUR")).isEqualByComparingTo("2.14");
    assertThat(ExchangeRates.round(new BigDecimal("1234.5"), "JPY").toPlainString()).isEqualTo("1234");
    assertThat(ExchangeRates.round(new BigDecimal("1.23456"), "KWD").toPlainString()).isEqualTo("1.235");
  }
}
