package io.kcid.server.postbacklog;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.postback.SenderRefusals;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Which rejected postbacks a replay may re-run. A replay runs as the account, without the
 * postback's credentials (they were never stored), so it may only re-run what the account itself
 * demonstrably sent and what its own setup refused:
 *
 * <ul>
 *   <li>never an entry refused for who sent it ({@link SenderRefusals}: credentials, signature,
 *       IP allowlist, click ownership) — replaying it would record what anyone could have sent;
 *   <li>never an entry whose sender was not authenticated as the account when it was logged (its
 *       refusal came before or during the credential checks, its account was guessed from
 *       {@code a=} or the click, or it predates the log's {@code authenticated} flag);
 *   <li>only the reasons in {@link #REPLAYABLE}: the account's setup (goal missing, paused,
 *       restricted to campaigns, its window, minimum time, negative values, the transaction id its
 *       counting needs, a status word its map lacked) or a click stored after its postback (from the edge's spool). Anything
 *       else was wrong in the postback itself and would be refused again: the advertiser resends
 *       it corrected.
 * </ul>
 */
public final class ReplayRules {
  /** Rejections a change of the account's setup (or a late click) can turn into a conversion. */
  public static final Set<ErrorReason> REPLAYABLE =
      EnumSet.of(
          ErrorReason.ERROR_REASON_GOAL_NOT_FOUND,
          ErrorReason.ERROR_REASON_GOAL_PAUSED,
          ErrorReason.ERROR_REASON_GOAL_CAMPAIGN_MISMATCH,
          ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW,
          ErrorReason.ERROR_REASON_BELOW_MINIMUM_TIME,
          ErrorReason.ERROR_REASON_INVALID_VALUE,
          ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
          ErrorReason.ERROR_REASON_STATUS_NOT_MAPPED);

  private ReplayRules() {}

  /** Why a rejected original may not be replayed, or empty when it may. */
  public static Optional<String> notReplayable(PostbackLogEntry entry) {
    ErrorReason reason = entry.getReason();
    String name = ErrorReasons.shortName(reason);
    if (SenderRefusals.aboutSender(reason)) {
      return Optional.of("Refused for who sent it (" + name + "), not for the account's setup: such a"
          + " postback is never replayed, since the replay could not check its credentials. If the"
          + " advertiser really sent it, it must send it again with valid credentials.");
    }
    if (!entry.getAuthenticated()) {
      return Optional.of("Its sender was never authenticated as this account (refused with " + name
          + " before its credentials were verified, or logged before kcid recorded that): replaying"
          + " it would record what anyone could have sent. The advertiser must send it again.");
    }
    if (!REPLAYABLE.contains(reason)) {
      return Optional.of("Refused for what it says (" + name + "), not for the account's setup:"
          + " replaying it cannot succeed. The advertiser must send it again, corrected.");
    }
    return Optional.empty();
  }
}
