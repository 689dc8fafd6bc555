package io.kcid.server.account;

import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.RotateAccountSecretResponse;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Secrets;
import io.kcid.server.common.Timestamps;
import io.kcid.server.store.AccountStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Rotating an account's secrets, with a grace period for the previous one. */
public final class SecretAdmin {
  private static final Duration DEFAULT_GRACE = Duration.ofHours(24);
  private static final Duration MAX_GRACE = Duration.ofDays(30);

  private final AccountStore store;
  private final AccountDirectory directory;
  private final IdempotentWrites idempotent;
  private final Clock clock;

  public SecretAdmin(
      AccountStore store, AccountDirectory directory, IdempotentWrites idempotent, Clock clock) {
    this.store = store;
    this.directory = directory;
    this.idempotent = idempotent;
    this.clock = clock;
  }

  /** Replaces one secret; the previous one stays valid for the grace period. */
  public CompletionStage<RotateAccountSecretResponse> rotateSecret(RotateAccountSecretRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    var kind = request.getKind();
    if (kind == SecretKind.SECRET_KIND_UNSPECIFIED || kind == SecretKind.UNRECOGNIZED) {
      throw Identifiers.invalid("kind", "kind must be POSTBACK_TOKEN, CLICK_SECRET or POSTBACK_SIGNING_SECRET");
    }
    Duration grace = request.hasGracePeriod()
        ? Duration.ofSeconds(request.getGracePeriod().getSeconds())
        : DEFAULT_GRACE;
    if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
      throw Identifiers.invalid("grace_period", "grace_period must lie between 0 and 30 days");
    }
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request, RotateAccountSecretRequest.getDescriptor().findFieldByName("request_id")),
        RotateAccountSecretResponse.parser(),
        () -> directory.fresh(accountId).thenCompose(record -> {
          AccountSecrets.Builder secrets = AccountSecrets.newBuilder();
          String value;
          switch (kind) {
            case SECRET_KIND_POSTBACK_TOKEN -> secrets.setPostbackToken(value = Secrets.newSecret("pbt_"));
            case SECRET_KIND_CLICK_SECRET -> secrets.setClickSecret(value = Secrets.newSecret("cks_"));
            default -> secrets.setPostbackSigningSecret(value = Secrets.newSecret("pbs_"));
          }
          Instant expiry = grace.isZero() ? null : clock.instant().plus(grace);
          CompletionStage<Void> hint = kind == SecretKind.SECRET_KIND_POSTBACK_TOKEN
              ? store.updateAccount(record.account().toBuilder().setPostbackTokenHint(Secrets.hint(value)).build())
              : CompletableFuture.completedFuture(null);
          return store.rotateSecret(accountId, kind, value, expiry)
              .thenCompose(x -> hint)
              .thenApply(x -> {
                directory.invalidate(accountId);
                var response = RotateAccountSecretResponse.newBuilder().setSecrets(secrets);
                if (expiry != null) {
                  response.setPreviousExpireTime(Timestamps.of(expiry));
                }
                return response.build();
              });
        }));
  }
}
