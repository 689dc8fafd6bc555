package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.SecretKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An account store that records every change of an account's click verifier (creation, click
 * secret rotation, settings update: the kcid parameter) in {@link VerifierChanges} once the write
 * is stored, before the write is answered, so edges watching the changes learn it within their
 * poll interval. A failed notification does not fail the write (it is stored): it is logged, and
 * the edges' slow full refresh picks the change up.
 */
public final class NotifyingAccountStore implements AccountStore {
  private static final Logger log = LoggerFactory.getLogger(NotifyingAccountStore.class);

  private final AccountStore store;
  private final VerifierChanges changes;

  public NotifyingAccountStore(AccountStore store, VerifierChanges changes) {
    this.store = store;
    this.changes = changes;
  }

  private CompletionStage<Void> changed(String accountId) {
    return changes
        .publish(accountId)
        .exceptionally(
            failure -> {
              log.warn("click verifier change of account {} not published (edges learn it at their next full refresh): {}",
                  accountId, failure.toString());
              return null;
            });
  }

  @Override
  public CompletionStage<Boolean> create(Account account, AccountSecrets secrets, Goal firstGoal) {
    return store
        .create(account, secrets, firstGoal)
        .thenCompose(created -> created ? changed(account.getAccountId()).thenApply(x -> true) : CompletableFuture.completedFuture(false));
  }

  @Override
  public CompletionStage<Void> updateAccount(Account account) {
    return store.updateAccount(account).thenCompose(x -> changed(account.getAccountId()));
  }

  @Override
  public CompletionStage<Void> rotateSecret(String accountId, SecretKind kind, String newValue, Instant previousExpiry) {
    CompletionStage<Void> rotated = store.rotateSecret(accountId, kind, newValue, previousExpiry);
    return kind == SecretKind.SECRET_KIND_CLICK_SECRET ? rotated.thenCompose(x -> changed(accountId)) : rotated;
  }

  @Override
  public CompletionStage<Optional<AccountRecord>> load(String accountId) {
    return store.load(accountId);
  }

  @Override
  public CompletionStage<Optional<String>> accountIdForToken(String postbackToken) {
    return store.accountIdForToken(postbackToken);
  }

  @Override
  public CompletionStage<Optional<String>> accountIdForTokenDigest(String tokenDigest) {
    return store.accountIdForTokenDigest(tokenDigest);
  }

  @Override
  public CompletionStage<List<Account>> list(String afterId, int limit) {
    return store.list(afterId, limit);
  }

  @Override
  public CompletionStage<List<Account>> list(String afterId, int limit, String partnerId) {
    return store.list(afterId, limit, partnerId);
  }

  /**
   * Not published: a verifier watch pushes verifiers, never removals. Edges keep a deleted
   * account's verifier until their next full refresh; the clicks they forward meanwhile are refused
   * (ACCOUNT_NOT_FOUND) by the servers once their account cache expires.
   */
  @Override
  public CompletionStage<Boolean> delete(String accountId) {
    return store.delete(accountId);
  }

  @Override
  public CompletionStage<Boolean> createGoal(Goal goal) {
    return store.createGoal(goal);
  }

  @Override
  public CompletionStage<Void> updateGoal(Goal goal) {
    return store.updateGoal(goal);
  }

  @Override
  public CompletionStage<Optional<IdempotentReply>> beginRequest(String accountId, String requestId, String fingerprint) {
    return store.beginRequest(accountId, requestId, fingerprint);
  }

  @Override
  public CompletionStage<Void> completeRequest(String accountId, String requestId, String fingerprint, byte[] reply) {
    return store.completeRequest(accountId, requestId, fingerprint, reply);
  }

  @Override
  public CompletionStage<Void> abandonRequest(String accountId, String requestId) {
    return store.abandonRequest(accountId, requestId);
  }
}
