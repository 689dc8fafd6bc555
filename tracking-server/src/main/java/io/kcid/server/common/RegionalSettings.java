package io.kcid.server.common;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Currency;
import java.util.Set;
import java.util.regex.Pattern;

/** Time zones and currencies of partners' defaults and accounts: validated the same way everywhere. */
public final class RegionalSettings {
  /** The time zone of an account that names none (and of every account stored before time zones). */
  public static final String DEFAULT_TIME_ZONE = "UTC";

  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  /** ISO 4217 codes that name no money: postbacks in them are refused, so no account defaults to them. */
  private static final Set<String> NOT_MONEY = Set.of("XXX", "XTS");

  private RegionalSettings() {}

  /** The IANA zone id (or fixed offset) as java.time spells it; INVALID_PARAMETER naming {@code field} otherwise. */
  public static String timeZone(String field, String value) {
    try {
      return ZoneId.of(value).getId();
    } catch (DateTimeException e) {
      throw Identifiers.invalid(field, field + " must be an IANA time zone id, e.g. Europe/Berlin");
    }
  }

  /** An upper-case ISO 4217 currency code; INVALID_PARAMETER naming {@code field} otherwise. */
  public static String currency(String field, String value) {
    boolean known = CURRENCY.matcher(value).matches() && !NOT_MONEY.contains(value);
    if (known) {
      try {
        Currency.getInstance(value);
      } catch (IllegalArgumentException e) {
        known = false;
      }
    }
    if (!known) {
      throw Identifiers.invalid(field, field + " must be an upper-case ISO 4217 currency code, e.g. EUR");
    }
    return value;
  }
}
