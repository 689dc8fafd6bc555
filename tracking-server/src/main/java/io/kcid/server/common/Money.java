package io.kcid.server.common;

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
  /** ISO 4217 codes that name no currency: XXX (no currency) and XTS (reserved for testing). */
  private static final Set<String> NOT_MONEY = Set.of("XXX", "XTS");

  private Money() {}

  /** Whether {@code code}, exactly as given (upper case), is an ISO 4217 code that names money. */
  public static boolean isMoneyCurrency(String code) {
    return ISO_4217.contains(code) && !NOT_MONEY.contains(code);
  }

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
    String code = currency.trim().toUpperCase(Locale.ROOT);
    if (!ISO_4217.contains(code)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_CURRENCY,
          "currency '" + printable(currency) + "' is not an ISO 4217 code such as USD or EUR.",
          Map.of("field", "currency"));
    }
    if (NOT_MONEY.contains(code)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_CURRENCY,
          "currency '" + code + "' is the ISO 4217 code for " + (code.equals("XXX") ? "no currency" : "testing")
              + ", not money; send the currency the value is in, such as USD or EUR.",
          Map.of("field", "currency"));
    }
    BigDecimal value = parseAmount(amount, negativeAllowed);
    int minorUnits = minorUnits(code);
    if (value.stripTrailingZeros().scale() > minorUnits) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_VALUE,
          "value '" + printable(amount) + "' has more decimals than " + code + " has: amounts in " + code
              + (minorUnits == 0 ? " have no decimals (e.g. 1500)." : " have at most " + minorUnits + " (e.g. "
                  + BigDecimal.valueOf(1250, minorUnits).toPlainString() + ")."),
          Map.of("field", "value"));
    }
    return io.kcid.proto.tracking.v1.Money.newBuilder()
        .setAmount(value.toPlainString())
        .setCurrencyCode(code)
        .build();
  }

  /**
   * The decimals an amount in {@code code} may have: its ISO 4217 minor unit (2 for USD, 0 for JPY,
   * 3 for BHD), or up to 6 for the codes that define none (gold, special drawing rights).
   */
  static int minorUnits(String code) {
    int digits = Currency.getInstance(code).getDefaultFractionDigits();
    return digits < 0 ? MAX_FRACTION_DIGITS : Math.min(digits, MAX_FRACTION_DIGITS);
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
