package io.kcid.edge.admin;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.CapAction;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Money;
import java.util.Locale;

/**
 * The settings page's cap form and how a cap reads on the page, in the CLI's words ({@code ./kcid
 * cap set}: daily, monthly, lifetime; reject, pending). The form only translates words: the server
 * validates the cap (CAP_INVALID) exactly as for the CLI and the API.
 */
final class CapForm {
  private CapForm() {}

  /**
   * The cap a submitted form describes: {@code max} is a count of conversions, or a value when a
   * currency is given.
   *
   * @throws Rejection INVALID_PARAMETER for a period, action or count that is no such word or number
   */
  static ConversionCap cap(ActionForm form) {
    ConversionCap.Builder cap = ConversionCap.newBuilder()
        .setCapId(form.required("cap_id"))
        .setGoalKey(form.get("goal_key"))
        .setCampaignId(form.get("campaign_id"))
        .setPeriod(period(form.required("period")))
        .setAction(action(form.get("action")));
    String max = form.required("max");
    String currency = form.get("currency").toUpperCase(Locale.ROOT);
    if (currency.isEmpty()) {
      try {
        cap.setMaxConversions(Long.parseUnsignedLong(max));
      } catch (NumberFormatException e) {
        throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "'At most' is a whole number of conversions when no currency is given (got '" + max + "').");
      }
    } else {
      cap.setMaxValue(Money.newBuilder().setAmount(max).setCurrencyCode(currency));
    }
    return cap.build();
  }

  /** "goal purchase on campaign spring, daily, at most 100, then rejected": an audit line or a flash. */
  static String describe(ConversionCap cap) {
    return scope(cap) + ", " + periodName(cap.getPeriod()) + ", at most " + limit(cap) + ", then "
        + (cap.getAction() == CapAction.CAP_ACTION_PENDING ? "pending" : "rejected");
  }

  static String scope(ConversionCap cap) {
    String goal = cap.getGoalKey().isEmpty() ? "any goal" : "goal " + cap.getGoalKey();
    return cap.getCampaignId().isEmpty() ? goal : goal + " on campaign " + cap.getCampaignId();
  }

  static String limit(ConversionCap cap) {
    return cap.hasMaxValue()
        ? cap.getMaxValue().getAmount() + " " + cap.getMaxValue().getCurrencyCode()
        : Long.toUnsignedString(cap.getMaxConversions()) + " conversions";
  }

  static String periodName(CapPeriod period) {
    return switch (period) {
      case CAP_PERIOD_DAILY -> "daily";
      case CAP_PERIOD_MONTHLY -> "monthly";
      case CAP_PERIOD_LIFETIME -> "lifetime";
      default -> "?";
    };
  }

  static String actionName(CapAction action) {
    return action == CapAction.CAP_ACTION_PENDING ? "pending" : "reject";
  }

  private static CapPeriod period(String word) {
    return switch (word) {
      case "daily" -> CapPeriod.CAP_PERIOD_DAILY;
      case "monthly" -> CapPeriod.CAP_PERIOD_MONTHLY;
      case "lifetime" -> CapPeriod.CAP_PERIOD_LIFETIME;
      default -> throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "Unknown cap period '" + word + "'; expected daily, monthly or lifetime.");
    };
  }

  private static CapAction action(String word) {
    return switch (word) {
      case "", "reject" -> CapAction.CAP_ACTION_REJECT;
      case "pending" -> CapAction.CAP_ACTION_PENDING;
      default -> throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "Unknown cap action '" + word + "'; expected reject or pending.");
    };
  }
}
