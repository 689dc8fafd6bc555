package io.kcid.server.fx;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.common.Money;
import java.util.Map;

/** An account's reporting currency: an ISO 4217 money code, or empty (no conversion). */
public final class ReportingCurrencySettings {
  private ReportingCurrencySettings() {}

  public static void apply(CreateAccountRequest request, Account.Builder account) {
    account.setReportingCurrency(checked("reporting_currency", request.getReportingCurrency()));
  }

  /** Changes it when the update names it; empty stops converting new conversions. */
  public static void apply(UpdateAccountRequest request, Account.Builder account) {
    if (request.hasReportingCurrency()) {
      account.setReportingCurrency(checked("reporting_currency", request.getReportingCurrency()));
    }
  }

  /** Empty, or an upper-case ISO 4217 money code; FX_CURRENCY_UNKNOWN naming {@code field} otherwise. */
  public static String checked(String field, String code) {
    if (code.isEmpty() || Money.isMoneyCurrency(code)) {
      return code;
    }
    String shown = EcbRateCsv.shown(code);
    throw new KcidException(ErrorReason.ERROR_REASON_FX_CURRENCY_UNKNOWN,
        field + " '" + shown + "' is not an upper-case ISO 4217 currency code such as EUR or USD",
        Map.of("field", field, "currency", shown));
  }
}
