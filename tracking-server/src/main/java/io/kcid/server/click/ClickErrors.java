package io.kcid.server.click;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.Retention;
import java.time.Duration;

/** The error for a well-formed kcid whose click is not (or no longer) stored, said one way everywhere. */
public final class ClickErrors {
  private ClickErrors() {}

  /**
   * @param expiredAfter the retention the click outlived, or {@code null} when it was never stored
   *     here (another deployment's kcid, or a deleted click)
   */
  public static KcidException missing(DecodedKcid kcid, Duration expiredAfter) {
    if (expiredAfter != null) {
      return new KcidException(
          ErrorReason.ERROR_REASON_CLICK_EXPIRED,
          "The click was issued at " + kcid.issueTime() + " and expired after " + Retention.humanize(expiredAfter)
              + ", its account's click retention.");
    }
    return new KcidException(
        ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
        "The kcid is well formed but no click is stored for it: it was issued by another kcid"
            + " deployment, or its click was deleted.");
  }
}
