package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.SecretKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Accounts, their secrets and goals. Implementations never block the caller. */
public interface AccountStore {

  /** Creates the account with its first goal; {@code false} when the id is taken. */
  CompletionStage<Boolean> create(Account account, AccountSecrets secrets, Goal firstGoal);

  /** The account with its secrets and goals. */
  CompletionStage<Optional<AccountRecord>> load(String accountId);

  /** The account that owns a postback token. */
  CompletionStage<Optional<String>> accountIdForToken(String postbackToken);

  /** The account that owns the postback token with this SHA-256 digest (lower-case hex). */
  CompletionStage<Optional<String>> accountIdForTokenDigest(String tokenDigest);

  /**
   * Accounts ordered by id, starting after {@code afterId} ("" for the first page): {@code limit} of
   * them unless the listing reached the last account.
   */
  CompletionStage<List<Account>> list(String afterId, int limit);

  /**
   * As {@link #list(String, int)}, only the accounts of {@code partnerId} (accounts stored before
   * partners count as the default partner's).
   */
  CompletionStage<List<Account>> list(String afterId, int limit, String partnerId);

  /**
   * Deletes the account: its settings, secrets, goals, postback token index entries, postback log
   * and refusal sample, and its id from the listing. {@code false} when there was no account. Keys that expire
   * by themselves (request answers, transaction claims, used signatures) are left to expire.
   */
  CompletionStage<Boolean> delete(String accountId);

  /** Adds a goal; {@code false} when the key exists. */
  CompletionStage<Boolean> createGoal(Goal goal);

  /** Replaces an existing goal. */
  CompletionStage<Void> updateGoal(Goal goal);

  /** Replaces the settings (not the secrets) of an existing account; never re-creates a deleted one. */
  CompletionStage<Void> updateAccount(Account account);

  /**
   * Makes {@code newValue} the current secret of this kind; the previous one stays valid until
   * {@code previousExpiry}. For postback tokens {@code newValue} is the clear token (the store
   * keeps only its digest and re-indexes it).
   */
  CompletionStage<Void> rotateSecret(
      String accountId, SecretKind kind, String newValue, Instant previousExpiry);

  /**
   * Starts an idempotent write: claims {@code requestId} for the account. Completes with empty
   * when the caller should execute the write, or with the stored first answer of an earlier call.
   */
  CompletionStage<java.util.Optional<IdempotentReply>> beginRequest(
      String accountId, String requestId, String fingerprint);

  /** Stores the answer of a write begun with {@link #beginRequest}. */
  CompletionStage<Void> completeRequest(
      String accountId, String requestId, String fingerprint, byte[] reply);

  /** Releases a claimed request id after a definite failure, so a retry runs again. */
  CompletionStage<Void> abandonRequest(String accountId, String requestId);
}
