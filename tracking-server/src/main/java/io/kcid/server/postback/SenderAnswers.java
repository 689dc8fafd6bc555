package io.kcid.server.postback;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.server.store.AccountRecord;
import java.util.concurrent.CompletionException;

/**
 * What a postback sender is told when its credentials are refused. A sender that has not proven
 * to be the account — no credential of the account verified — learns nothing about the account:
 * whether it exists, how it authenticates (token, signature, IP allowlist), whether it answers in
 * legacy-200 mode. It gets one answer per kind of credential it presented, the same for every
 * account and for none:
 *
 * <ul>
 *   <li>a token: 401 {@code POSTBACK_TOKEN_INVALID};
 *   <li>a signature (no token): 401 {@code POSTBACK_SIGNATURE_INVALID};
 *   <li>neither: 401 {@code POSTBACK_CREDENTIALS_MISSING}.
 * </ul>
 *
 * <p>A sender that proved to hold a valid credential of the account (its accepted token, or a
 * signature that verifies with its secret) is the account, or holds its secret: it hears the
 * precise refusal (a bad signature next to a good token, a stale or reused signature, an address
 * outside the allowlist), as the account's own setup asks (legacy 200). The precise refusal always
 * goes to the account's postback log ({@link RecordContext#diagnosis()}). Requests without
 * credentials come from trusted gRPC callers and are not answered here.
 */
public final class SenderAnswers {
  static final String TOKEN_INVALID =
      "The postback token is not valid. Send the current postback token of the account that issued"
          + " the click (tokens are case-sensitive).";
  static final String SIGNATURE_INVALID =
      "The X-Kcid-Signature does not verify. Sign t + \".\" + the raw body (POST) or the canonical"
          + " query (GET) with the account's postback signing secret when sending, with a"
          + " synchronised clock.";
  static final String CREDENTIALS_MISSING =
      "The postback is not authenticated. Send the account's postback token (?token=… or"
          + " Authorization: Bearer …) or sign it (X-Kcid-Signature), as agreed with the tracker.";

  private SenderAnswers() {}

  /** What one authentication learned: the account checked, and whether the sender proved to be it. */
  static final class Attempt {
    private volatile AccountRecord account;
    private volatile boolean proven;

    void checking(AccountRecord account) {
      this.account = account;
    }

    void proven() {
      this.proven = true;
    }
  }

  /**
   * The failure to answer for a refused authentication: unchanged when it is not about the sender
   * (an unknown click, an unavailable store), precise for a sender that proved to be the account,
   * generic otherwise — the precise one then noted in {@code context} for the log.
   */
  static RuntimeException answer(
      Throwable failure, PostbackCredentials presented, Attempt attempt, RecordContext context) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (!(cause instanceof KcidException refusal) || !aboutSender(refusal.reason())) {
      return failure instanceof CompletionException c ? c : new CompletionException(failure);
    }
    AccountRecord account = attempt.account;
    if (attempt.proven && account != null) {
      return LegacyMode.mark(account, refusal);
    }
    context.diagnosed(refusal);
    return generic(presented);
  }

  /** Refusals that must look alike for every account a stranger may name, and for none. */
  static boolean aboutSender(ErrorReason reason) {
    return SenderRefusals.aboutSender(reason) || reason == ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND;
  }

  /** The answer that depends only on what the sender presented. */
  public static KcidException generic(PostbackCredentials presented) {
    if (!presented.getToken().isEmpty()) {
      return new KcidException(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, TOKEN_INVALID);
    }
    if (!presented.getSignature().isEmpty()) {
      return new KcidException(ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, SIGNATURE_INVALID);
    }
    return new KcidException(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, CREDENTIALS_MISSING);
  }
}
