package io.kcid.server.domain;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.AccountRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Decides which account a postback acts for and whether it may. An account accepts any
 * combination of: its postback token, an HMAC signature with its signing secret (timestamped,
 * within a replay window), and an IP allowlist. A presented credential must be valid; at least one
 * accepted credential must be presented unless the allowlist alone authenticates; the allowlist,
 * when set, applies on top. Every secret comparison is constant-time.
 */
public final class PostbackAuthenticator {
  public static final Duration DEFAULT_SIGNATURE_TOLERANCE = Duration.ofMinutes(5);

  private final AccountDirectory accounts;
  private final ClickOwners owners;
  private final Clock clock;

  public PostbackAuthenticator(AccountDirectory accounts, ClickOwners owners, Clock clock) {
    this.accounts = accounts;
    this.owners = owners;
    this.clock = clock;
  }

  /**
   * The account whose rules apply. A request without credentials comes from a trusted gRPC caller
   * (issue/ingest clients), which names the account or lets the click decide. The account is
   * noted in {@code context} as soon as it is known — also when its checks then refuse the
   * postback, so the postback log can show an account its refused postbacks.
   */
  public CompletionStage<AccountRecord> authenticate(
      RecordConversionRequest request, DecodedKcid kcid, RecordContext context) {
    if (!request.hasCredentials()) {
      return accountOf(request, kcid).thenApply(account -> attributed(account, context));
    }
    PostbackCredentials credentials = request.getCredentials();
    if (!credentials.getToken().isEmpty()) {
      return accounts
          .authenticate(credentials.getToken())
          .thenApply(
              account -> {
                attributed(account, context);
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
                try {
                  checkAddress(account, credentials);
                } catch (KcidException rejection) {
                  throw LegacyMode.mark(account, rejection);
                }
                return account;
              });
    }
    return accountOf(request, kcid)
        .thenApply(
            account -> {
              attributed(account, context);
              try {
                check(account, credentials);
              } catch (KcidException rejection) {
                throw LegacyMode.mark(account, rejection);
              }
              return account;
            });
  }

  private static AccountRecord attributed(AccountRecord account, RecordContext context) {
    context.attribute(account.account().getAccountId());
    return account;
  }

  /** The checks once the account is known (so a rejection can honour its legacy mode). */
  private void check(AccountRecord account, PostbackCredentials credentials) {
    List<PostbackAuthMethod> methods = methods(account);
    if (!credentials.getSignature().isEmpty()) {
      if (!methods.contains(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
            "Account '" + account.account().getAccountId()
                + "' does not accept signed postbacks; use its postback token.");
      }
      checkSignature(account, credentials);
    } else if (!(methods.isEmpty() && hasAllowlist(account))) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING,
          "The postback carries no credentials: add ?token=…, an Authorization: Bearer"
              + " header or an X-Kcid-Signature header, as the account is set up for.");
    }
    checkAddress(account, credentials);
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
