package io.kcid.server.postback;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.account.IpAllowlist;
import io.kcid.server.click.ClickOwners;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.store.AccountRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Decides which account a postback acts for and whether it may. An account accepts any
 * combination of: its postback token, an HMAC signature with its signing secret (timestamped,
 * within a replay window), and an IP allowlist. Every presented credential must be valid; at least
 * one accepted credential must be presented unless the allowlist alone authenticates; the
 * allowlist, when set, applies on top. Every secret comparison is constant-time.
 */
public final class PostbackAuthenticator {
  public static final Duration DEFAULT_SIGNATURE_TOLERANCE = Duration.ofMinutes(5);

  private final AccountDirectory accounts;
  private final PartnerDirectory partners;
  private final ClickOwners owners;
  private final Clock clock;

  public PostbackAuthenticator(
      AccountDirectory accounts, PartnerDirectory partners, ClickOwners owners, Clock clock) {
    this.accounts = accounts;
    this.partners = partners;
    this.owners = owners;
    this.clock = clock;
  }

  /**
   * The account whose rules apply, once the sender is authenticated (see {@link #sender}) and the
   * account's partner has S2S tracking on (PARTNER_INACTIVE otherwise). The partner is asked only
   * after the sender proved to be the account, so a stranger learns nothing about it.
   */
  public CompletionStage<AccountRecord> authenticate(
      RecordConversionRequest request, DecodedKcid kcid, RecordContext context) {
    return sender(request, kcid, context).thenCompose(partners::requireActive);
  }

  /**
   * The account whose rules apply. A request without credentials comes from a trusted gRPC caller
   * (issue/ingest clients), which names the account or lets the click decide. The account is
   * noted in {@code context} as soon as it is known — also when its checks then refuse the
   * postback, so the postback log can show an account its refused postbacks — and the context is
   * marked authenticated only once every check passed.
   *
   * <p>Every presented credential must be valid: a token with a signature fails if the signature
   * does. A sender that has not proven to be the account (no valid credential of it) is told only
   * what it presented that failed, alike for every account and for none ({@link SenderAnswers});
   * the precise refusal goes to the account's postback log.
   */
  private CompletionStage<AccountRecord> sender(
      RecordConversionRequest request, DecodedKcid kcid, RecordContext context) {
    if (!request.hasCredentials()) {
      return accountOf(request, kcid).thenApply(account -> {
        context.authenticatedAs(account.account().getAccountId());
        return account;
      });
    }
    PostbackCredentials credentials = request.getCredentials();
    SenderAnswers.Attempt attempt = new SenderAnswers.Attempt();
    CompletionStage<AccountRecord> checked;
    if (!credentials.getToken().isEmpty()) {
      checked = accounts
          .authenticate(credentials.getToken())
          .thenApply(
              account -> {
                attempt.checking(attributed(account, context));
                String named = request.getAccountId();
                if (!named.isEmpty() && !named.equals(account.account().getAccountId())) {
                  throw new KcidException(
                      ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID,
                      "The postback token does not belong to account '" + named + "'.");
                }
                if (!methods(account).contains(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN)) {
                  throw new KcidException(
                      ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID,
                      "Account '" + account.account().getAccountId() + "' does not accept postback"
                          + " tokens; sign the postback (X-Kcid-Signature) instead.");
                }
                attempt.proven();
                if (!credentials.getSignature().isEmpty()) {
                  // A presented credential must be valid: a bad signature next to a good token fails.
                  checkSignature(account, credentials);
                }
                checkAddress(account, credentials);
                return account;
              });
    } else {
      checked = accountOf(request, kcid)
          .thenApply(
              account -> {
                attempt.checking(attributed(account, context));
                check(account, credentials, attempt);
                return account;
              });
    }
    return checked.handle(
        (account, failure) -> {
          if (failure == null) {
            context.authenticatedAs(account.account().getAccountId());
            return account;
          }
          throw SenderAnswers.answer(failure, credentials, attempt, context);
        });
  }

  private static AccountRecord attributed(AccountRecord account, RecordContext context) {
    context.attribute(account.account().getAccountId());
    return account;
  }

  /** The checks once the account is known from its name or its click (no token presented). */
  private void check(AccountRecord account, PostbackCredentials credentials, SenderAnswers.Attempt attempt) {
    List<PostbackAuthMethod> methods = methods(account);
    if (!credentials.getSignature().isEmpty()) {
      if (!methods.contains(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
            "Account '" + account.account().getAccountId()
                + "' does not accept signed postbacks; use its postback token.");
      }
      try {
        checkSignature(account, credentials);
      } catch (KcidException refused) {
        // A signature that verifies but is refused otherwise (stale, reused …) proves its sender
        // holds the secret: it may hear the precise reason.
        if (refused.reason() != ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID
            && holdsSigningSecret(account, credentials)) {
          attempt.proven();
        }
        throw refused;
      }
      attempt.proven();
    } else if (!(methods.isEmpty() && hasAllowlist(account))) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING,
          "The postback carries no credentials; account '" + account.account().getAccountId()
              + "' accepts " + methods.stream().map(m -> m.name().replace("POSTBACK_AUTH_METHOD_", "")
                  .toLowerCase(java.util.Locale.ROOT)).toList() + ".");
    }
    checkAddress(account, credentials);
  }

  /** Whether the signature verifies with one of the account's signing secrets (timestamp aside). */
  private boolean holdsSigningSecret(AccountRecord account, PostbackCredentials credentials) {
    byte[] payload =
        credentials.getSignedBody().isEmpty()
            ? PostbackSigner.queryPayload(credentials.getSignedQueryMap())
            : credentials.getSignedBody().toByteArray();
    for (String secret : account.secrets().signingSecretsAt(clock.instant())) {
      if (PostbackSigner.verify(
          secret, credentials.getSignatureTimestamp(), payload, credentials.getSignature())) {
        return true;
      }
    }
    return false;
  }

  /** Which account a click belongs to (cached); for deciding ownership before goal rules. */
  public ClickOwners owners() {
    return owners;
  }

  private CompletionStage<AccountRecord> accountOf(RecordConversionRequest request, DecodedKcid kcid) {
    if (!request.getAccountId().isEmpty()) {
      return accounts.get(request.getAccountId());
    }
    return owners.ownerOf(kcid).thenCompose(accounts::get);
  }

  private void checkSignature(AccountRecord account, PostbackCredentials credentials) {
    Instant now = clock.instant();
    Duration tolerance = tolerance(account.account().getPostbackAuth());
    long age = Math.abs(now.getEpochSecond() - credentials.getSignatureTimestamp());
    if (age > tolerance.getSeconds()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_STALE,
          "The signature's timestamp t=" + credentials.getSignatureTimestamp() + " is " + age
              + " s away from server time; signatures are accepted within " + tolerance.getSeconds()
              + " s. Sign each postback when sending it, with a synchronised clock.");
    }
    byte[] payload =
        credentials.getSignedBody().isEmpty()
            ? PostbackSigner.queryPayload(credentials.getSignedQueryMap())
            : credentials.getSignedBody().toByteArray();
    if (payload.length == 0) {
      // A signature over "t." alone vouches for nothing (the edge refuses it too, before any backend work).
      throw new KcidException(
          ErrorReason.ERROR_REASON_POSTBACK_SIGNED_PAYLOAD_EMPTY,
          "The X-Kcid-Signature covers an empty payload, which signs nothing: sign the postback's body (POST) or"
              + " its query (GET).");
    }
    for (String secret : account.secrets().signingSecretsAt(now)) {
      if (PostbackSigner.verify(
          secret, credentials.getSignatureTimestamp(), payload, credentials.getSignature())) {
        return;
      }
    }
    throw new KcidException(
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
        "The X-Kcid-Signature does not match: sign t + \".\" + the raw body (POST) or the canonical"
            + " query (GET) with the account's postback signing secret.");
  }

  private static void checkAddress(AccountRecord account, PostbackCredentials credentials) {
    if (!hasAllowlist(account)) {
      return;
    }
    IpAllowlist allowlist = IpAllowlist.parse(account.account().getPostbackAuth().getIpAllowlistList());
    if (!allowlist.allows(credentials.getClientIp())) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_IP_NOT_ALLOWED,
          "Postbacks for account '" + account.account().getAccountId() + "' are accepted only from"
              + " its IP allowlist; this one came from " + credentials.getClientIp() + ".");
    }
  }

  private static boolean hasAllowlist(AccountRecord account) {
    return account.account().getPostbackAuth().getIpAllowlistCount() > 0;
  }

  /** The accepted credential types; an account that never configured any accepts its token. */
  static List<PostbackAuthMethod> methods(AccountRecord account) {
    PostbackAuth auth = account.account().getPostbackAuth();
    if (auth.getMethodsCount() == 0 && auth.getIpAllowlistCount() == 0) {
      return List.of(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN);
    }
    return auth.getMethodsList();
  }

  static Duration tolerance(PostbackAuth auth) {
    return auth.hasSignatureTolerance()
        ? Duration.ofSeconds(auth.getSignatureTolerance().getSeconds())
        : DEFAULT_SIGNATURE_TOLERANCE;
  }
}
