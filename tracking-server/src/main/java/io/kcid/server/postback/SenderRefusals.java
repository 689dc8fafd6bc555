package io.kcid.server.postback;

import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.EnumSet;
import java.util.Set;

/**
 * The one table of refusals that are about <em>who sent</em> a postback rather than what it says:
 * credentials, signatures, the IP allowlist and click ownership. Such a refusal proves nothing about
 * the account's own wishes, so it is never replayed, and its precise diagnosis is for the account
 * (its postback log, authenticated callers), not for the anonymous sender.
 */
public final class SenderRefusals {
  private static final Set<ErrorReason> ABOUT_THE_SENDER =
      EnumSet.of(
          ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING,
          ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID,
          ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
          ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_STALE,
          ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_REUSED,
          ErrorReason.ERROR_REASON_POSTBACK_PARAMETER_UNSIGNED,
          ErrorReason.ERROR_REASON_POSTBACK_SIGNED_PAYLOAD_EMPTY,
          ErrorReason.ERROR_REASON_IP_NOT_ALLOWED,
          ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH,
          ErrorReason.ERROR_REASON_API_KEY_INVALID,
          ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING);

  private SenderRefusals() {}

  /** True when the refusal was about who sent the request (so it is never replayable). */
  public static boolean aboutSender(ErrorReason reason) {
    return ABOUT_THE_SENDER.contains(reason);
  }

  /** The reasons {@link #aboutSender} is true for, for docs and tests. */
  public static Set<ErrorReason> reasons() {
    return Set.copyOf(ABOUT_THE_SENDER);
  }
}
