package io.kcid.server.fx;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.FxState;
import io.kcid.proto.tracking.v1.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A conversion's value in its account's reporting currency.
 *
 * <p>When recorded ({@link #atRecord}), the rate of the conversion's day (the UTC date of its
 * event time) is looked up and stored with it: fx_rate, fx_rate_date, fx_state CONVERTED and the
 * reporting currency (converted_value.currency_code). Without a rate the state is RATE_MISSING and
 * only the currency is stored: nothing is guessed. When read ({@link #atRead}), converted_value is
 * the current value × the stored rate (so a later value adjustment converts at the same rate), and a
 * conversion still RATE_MISSING is converted if the rate of its day has been loaded since
 * (CONVERTED_AT_READ; {@link ReportingConversionStore} then stores that rate with it). Amounts are rounded half-even to the reporting currency's minor units.
 */
public final class ReportingValues {
  private final ExchangeRates rates;

  public ReportingValues(ExchangeRates rates) {
    this.rates = rates;
  }

  /** The conversion's day: the UTC date of its event time. */
  public static LocalDate dayOf(Instant eventTime) {
    return eventTime.atOffset(ZoneOffset.UTC).toLocalDate();
  }

  /** Whether the account has a reporting currency: without one {@link #atRecord} stores nothing. */
  public static boolean converts(Account account) {
    return !account.getReportingCurrency().isEmpty();
  }

  /**
   * The fields a new conversion stores (only converted_value, fx_rate, fx_rate_date and fx_state
   * are set); the default instance when the account has no reporting currency or the conversion no
   * value.
   */
  public CompletionStage<Conversion> atRecord(Account account, Money value, Instant eventTime) {
    String reporting = account.getReportingCurrency();
    if (reporting.isEmpty() || value.getAmount().isEmpty() || value.getCurrencyCode().isEmpty()) {
      return CompletableFuture.completedFuture(Conversion.getDefaultInstance());
    }
    if (value.getCurrencyCode().equals(reporting)) {
      return CompletableFuture.completedFuture(converted(value, reporting, BigDecimal.ONE, null, FxState.FX_STATE_SAME_CURRENCY));
    }
    LocalDate day = dayOf(eventTime);
    return rates.rate(value.getCurrencyCode(), reporting, day).thenApply(rate -> rate
        .map(r -> converted(value, reporting, r.rate(), r.date(), FxState.FX_STATE_CONVERTED))
        .orElseGet(() -> missing(reporting)));
  }

  /** The conversion as read, its converted value filled in (see the class comment). */
  public CompletionStage<Conversion> atRead(Conversion conversion) {
    FxState state = conversion.getFxState();
    if (state == FxState.FX_STATE_UNSPECIFIED || state == FxState.UNRECOGNIZED || !conversion.hasConvertedValue()) {
      return CompletableFuture.completedFuture(conversion);
    }
    String reporting = conversion.getConvertedValue().getCurrencyCode();
    Money value = conversion.getValue();
    if (value.getAmount().isEmpty()) {
      return CompletableFuture.completedFuture(conversion);
    }
    if (value.getCurrencyCode().equals(reporting)) {
      return CompletableFuture.completedFuture(conversion.toBuilder()
          .mergeFrom(converted(value, reporting, BigDecimal.ONE, null, FxState.FX_STATE_SAME_CURRENCY)).build());
    }
    // The stored rate is for the currency the conversion was recorded in.
    String recordedIn = conversion.hasOriginalValue() && !conversion.getOriginalValue().getCurrencyCode().isEmpty()
        ? conversion.getOriginalValue().getCurrencyCode() : value.getCurrencyCode();
    boolean stored = state == FxState.FX_STATE_CONVERTED || state == FxState.FX_STATE_CONVERTED_AT_READ;
    if (stored && recordedIn.equals(value.getCurrencyCode()) && !conversion.getFxRate().isEmpty()) {
      return CompletableFuture.completedFuture(conversion.toBuilder()
          .setConvertedValue(amount(value, reporting, new BigDecimal(conversion.getFxRate()))).build());
    }
    Instant eventTime = Instant.ofEpochSecond(conversion.getEventTime().getSeconds(), conversion.getEventTime().getNanos());
    return rates.rate(value.getCurrencyCode(), reporting, dayOf(eventTime)).thenApply(rate -> {
      Conversion.Builder out = conversion.toBuilder();
      if (rate.isPresent()) {
        out.mergeFrom(converted(value, reporting, rate.get().rate(), rate.get().date(), FxState.FX_STATE_CONVERTED_AT_READ));
      } else {
        out.clearFxRate().clearFxRateDate().setFxState(FxState.FX_STATE_RATE_MISSING)
            .setConvertedValue(Money.newBuilder().setCurrencyCode(reporting));
      }
      return out.build();
    });
  }

  private static Conversion converted(Money value, String reporting, BigDecimal rate, LocalDate date, FxState state) {
    Conversion.Builder out = Conversion.newBuilder()
        .setConvertedValue(amount(value, reporting, rate))
        .setFxRate(ExchangeRates.text(rate))
        .setFxState(state);
    if (date != null) {
      out.setFxRateDate(date.toString());
    }
    return out.build();
  }

  private static Conversion missing(String reporting) {
    return Conversion.newBuilder()
        .setConvertedValue(Money.newBuilder().setCurrencyCode(reporting))
        .setFxState(FxState.FX_STATE_RATE_MISSING)
        .build();
  }

  static Money amount(Money value, String reporting, BigDecimal rate) {
    BigDecimal converted = ExchangeRates.round(new BigDecimal(value.getAmount()).multiply(rate, ExchangeRates.MATH), reporting);
    return Money.newBuilder().setAmount(converted.toPlainString()).setCurrencyCode(reporting).build();
  }
}
