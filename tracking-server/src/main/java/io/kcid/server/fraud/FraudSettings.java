package io.kcid.server.fraud;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.SuspectAction;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import java.util.Map;

/** An account's fraud rules: what a flagged click's conversion becomes, and the velocity limit. */
public final class FraudSettings {
  /** More would make the rule meaningless: no /24 converts a million times a minute by accident. */
  static final int MAX_VELOCITY_LIMIT = 1_000_000;

  private FraudSettings() {}

  /** The rules a new account starts with. */
  public static void apply(CreateAccountRequest request, Account.Builder account) {
    account.setFlaggedClickAction(action("flagged_click_action", request.getFlaggedClickAction()))
        .setVelocityLimit(limit(request.getVelocityLimit()))
        .setVelocityAction(action("velocity_action", request.getVelocityAction()));
  }

  /** The rules an update names; the others keep their stored values. */
  public static void apply(UpdateAccountRequest request, Account.Builder account) {
    if (request.hasFlaggedClickAction()) {
      account.setFlaggedClickAction(action("flagged_click_action", request.getFlaggedClickAction()));
    }
    if (request.hasVelocityLimit()) {
      account.setVelocityLimit(limit(request.getVelocityLimit()));
    }
    if (request.hasVelocityAction()) {
      account.setVelocityAction(action("velocity_action", request.getVelocityAction()));
    }
  }

  /** The status an action records a conversion in; UNSPECIFIED keeps the one the postback asked for. */
  public static ConversionStatus statusOf(SuspectAction action) {
    return switch (action) {
      case SUSPECT_ACTION_PENDING -> ConversionStatus.CONVERSION_STATUS_PENDING;
      case SUSPECT_ACTION_REJECT -> ConversionStatus.CONVERSION_STATUS_REJECTED;
      default -> ConversionStatus.CONVERSION_STATUS_UNSPECIFIED;
    };
  }

  private static SuspectAction action(String field, SuspectAction action) {
    if (action == SuspectAction.UNRECOGNIZED) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          field + " must be accept, pending or reject.",
          Map.of("field", field));
    }
    return action;
  }

  private static int limit(int limit) {
    if (limit < 0 || limit > MAX_VELOCITY_LIMIT) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "velocity_limit must be between 0 (off) and " + MAX_VELOCITY_LIMIT + ".",
          Map.of("field", "velocity_limit"));
    }
    return limit;
  }
}
