package io.kcid.server.domain;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Exact decimal money: validation and normalisation. Never a binary float. */
public final class Money {
  private static final Set<String> ISO_4217 =
      Currency.getAvailableCurrencies().stream()
          .map(Currency::getCurrencyCode)
          .collect(Collectors.toUnmodifiableSet());
  private static final int MAX_INTEGER_DIGITS = 18;
  private static final int MAX_FRACTION_DIGITS = 6;

  private Money() {}

  /**
   * Validates an amount and currency; returns them normalised (plain decimal string, upper-case
   * code). Negative amounts are refused unless the goal allows corrections.
   */
  public static io.kcid.proto.tracking.v1.Money normalize(String amount, String currency) {
    return normalize(amount, currency, false);
  }

  /** As {@link #normalize(String, String)}, allowing a negative amount when {@code negativeAllowed}. */
  public static io.kcid.proto.tracking.v1.Money normalize(
      String amount, String currency, boolean negativeAllowed) {
    String code = currency.toUpperCase(Locale.ROOT);
    if (!ISO_4217.contains(code)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_CURRENCY,
          "currency '" + printable(currency) + "' is not an ISO 4217 code such as USD or EUR.",
          Map.of("field", "currency"));
    }
    return io.kcid.proto.tracking.v1.Money.newBuilder()
        .setAmount(parseAmount(amount, negativeAllowed).toPlainString())
        .setCurrencyCode(code)
        .build();
  }

  static BigDecimal parseAmount(String amount, boolean negativeAllowed) {
    BigDecimal value;
    try {
      if (!amount.matches((negativeAllowed ? "-?" : "") + "[0-9]{1,18}(\\.[0-9]{1,6})?")) {
        throw new NumberFormatException();
      }
      value = new BigDecimal(amount);
    } catch (NumberFormatException e) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_VALUE,
          "value '" + printable(amount) + "' is not a " + (negativeAllowed ? "" : "non-negative ")
              + "decimal with at most "
              + MAX_INTEGER_DIGITS + " digits before and " + MAX_FRACTION_DIGITS
              + " after the point (e.g. 12.50).",
          Map.of("field", "value"));
    }
    return value;
  }

  private static String printable(String s) {
    String cut = s.length() > 32 ? s.substring(0, 32) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
