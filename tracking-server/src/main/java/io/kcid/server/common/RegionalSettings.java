package io.kcid.server.common;

import java.time.DateTimeException;
import java.time.ZoneId;

/** Time zones and currencies of partners' defaults and accounts: validated the same way everywhere. */
public final class RegionalSettings {
  /** The time zone of an account that names none (and of every account stored before time zones). */
  public static final String DEFAULT_TIME_ZONE = "UTC";

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
    // The codes postbacks accept (Money), so no account defaults to one its postbacks would refuse.
    if (!Money.isMoneyCurrency(value)) {
      throw Identifiers.invalid(field, field + " must be an upper-case ISO 4217 currency code, e.g. EUR");
    }
    return value;
  }
}
