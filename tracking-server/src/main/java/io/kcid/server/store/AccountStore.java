package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.Goal;
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

  /** Accounts ordered by id, starting after {@code afterId} ("" for the first page). */
  CompletionStage<List<Account>> list(String afterId, int limit);

  /** Adds a goal; {@code false} when the key exists. */
  CompletionStage<Boolean> createGoal(Goal goal);

  /** Replaces an existing goal. */
  CompletionStage<Void> updateGoal(Goal goal);

  /** Replaces the account's settings (not its secrets). */
  CompletionStage<Void> updateAccount(Account account);
}
