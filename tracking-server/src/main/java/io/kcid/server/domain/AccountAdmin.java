package io.kcid.server.domain;

import com.google.protobuf.Duration;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/** Creating and changing accounts and goals, with their validation. */
public final class AccountAdmin {
  public static final String DEFAULT_GOAL = "default";
  private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final String ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final AccountStore store;
  private final AccountDirectory directory;
  private final Clock clock;

  public AccountAdmin(AccountStore store, AccountDirectory directory, Clock clock) {
    this.store = store;
    this.directory = directory;
    this.clock = clock;
  }

  public CompletionStage<CreateAccountResponse> createAccount(CreateAccountRequest request) {
    String id =
        request.getAccountId().isEmpty()
            ? generatedId()
            : Identifiers.key("account_id", request.getAccountId());
    String parameter = request.getKcidParameter().isEmpty() ? "kcid" : request.getKcidParameter();
    if (!PARAMETER.matcher(parameter).matches()) {
      throw Identifiers.invalid("kcid_parameter", "kcid_parameter must match [A-Za-z0-9_.-]{1,64}");
    }
    Identifiers.freeText("display_name", request.getDisplayName());
    var now = ClickIssuer.timestamp(clock.instant());
    Goal firstGoal =
        Goal.newBuilder()
            .setAccountId(id)
            .setGoalKey(DEFAULT_GOAL)
            .setDisplayName("Default conversion")
            .setAttributionWindow(seconds(Retention.DEFAULT_WINDOW))
            .setCountingMode(CountingMode.COUNTING_MODE_ONCE_PER_CLICK)
            .setState(GoalState.GOAL_STATE_ACTIVE)
            .setCreateTime(now)
            .setUpdateTime(now)
            .build();
    AccountSecrets secrets =
        AccountSecrets.newBuilder()
            .setPostbackToken(Secrets.newSecret("pbt_"))
            .setClickSecret(Secrets.newSecret("cks_"))
            .build();
    Account account =
        Account.newBuilder()
            .setAccountId(id)
            .setDisplayName(request.getDisplayName().isEmpty() ? id : request.getDisplayName())
            .setKcidParameter(parameter)
            .setDefaultGoalKey(DEFAULT_GOAL)
            .setCreateTime(now)
            .setPostbackTokenHint(Secrets.hint(secrets.getPostbackToken()))
            .setClickRetention(Retention.forGoals(List.of(firstGoal)))
            .build();
    return store
        .create(account, secrets, firstGoal)
        .thenApply(
            created -> {
              if (!created) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_ACCOUNT_ALREADY_EXISTS,
                    "An account '" + id + "' already exists.",
                    Map.of("accountId", id));
              }
              return CreateAccountResponse.newBuilder().setAccount(account).setSecrets(secrets).build();
            });
  }

  public CompletionStage<Goal> createGoal(CreateGoalRequest request) {
    String key = Identifiers.key("goal_key", request.getGoalKey());
    Identifiers.freeText("display_name", request.getDisplayName());
    return fresh(request.getAccountId())
        .thenCompose(
            account -> {
              var now = ClickIssuer.timestamp(clock.instant());
              Goal goal =
                  Goal.newBuilder()
                      .setAccountId(account.account().getAccountId())
                      .setGoalKey(key)
                      .setDisplayName(request.getDisplayName().isEmpty() ? key : request.getDisplayName())
                      .setAttributionWindow(
                          request.hasAttributionWindow()
                              ? checkedWindow(request.getAttributionWindow())
                              : seconds(Retention.DEFAULT_WINDOW))
                      .setCountingMode(checkedMode(request.getCountingMode()))
                      .setDefaultValue(checkedValue(request))
                      .setState(
                          request.getState() == GoalState.GOAL_STATE_UNSPECIFIED
                              ? GoalState.GOAL_STATE_ACTIVE
                              : request.getState())
                      .setCreateTime(now)
                      .setUpdateTime(now)
                      .build();
              return store
                  .createGoal(goal)
                  .thenCompose(
                      created -> {
                        if (!created) {
                          throw new KcidException(
                              ErrorReason.ERROR_REASON_GOAL_ALREADY_EXISTS,
                              "Account '" + goal.getAccountId() + "' already has a goal '" + key + "'.",
                              Map.of("goalKey", key));
                        }
                        return afterGoalChange(account, goal);
                      });
            });
  }

  public CompletionStage<Goal> updateGoal(UpdateGoalRequest request) {
    return fresh(request.getAccountId())
        .thenCompose(
            account -> {
              Goal current = requireGoal(account, request.getGoalKey());
              Goal.Builder goal = current.toBuilder();
              if (request.hasDisplayName()) {
                goal.setDisplayName(Identifiers.freeText("display_name", request.getDisplayName()));
              }
              if (request.hasAttributionWindow()) {
                goal.setAttributionWindow(checkedWindow(request.getAttributionWindow()));
              }
              if (request.getCountingMode() != CountingMode.COUNTING_MODE_UNSPECIFIED) {
                goal.setCountingMode(checkedMode(request.getCountingMode()));
              }
              if (request.hasDefaultValue()) {
                goal.setDefaultValue(
                    Money.normalize(
                        request.getDefaultValue().getAmount(),
                        request.getDefaultValue().getCurrencyCode()));
              }
              if (request.getState() != GoalState.GOAL_STATE_UNSPECIFIED) {
                goal.setState(request.getState());
              }
              goal.setUpdateTime(ClickIssuer.timestamp(clock.instant()));
              Goal updated = goal.build();
              return store.updateGoal(updated).thenCompose(x -> afterGoalChange(account, updated));
            });
  }

  public CompletionStage<Goal> getGoal(String accountId, String goalKey) {
    return directory.get(accountId).thenApply(account -> requireGoal(account, goalKey));
  }

  public CompletionStage<List<Goal>> listGoals(String accountId) {
    return directory
        .get(accountId)
        .thenApply(
            account -> {
              List<Goal> goals = new ArrayList<>(account.goals().values());
              goals.sort(java.util.Comparator.comparing(Goal::getGoalKey));
              return goals;
            });
  }

  /** The account read straight from the store, for read-modify-write changes. */
  private CompletionStage<AccountRecord> fresh(String accountId) {
    Identifiers.key("account_id", accountId);
    directory.invalidate(accountId);
    return directory.get(accountId);
  }

  /** Clicks must live as long as the longest window: recompute the retention. */
  private CompletionStage<Goal> afterGoalChange(AccountRecord account, Goal changed) {
    Map<String, Goal> goals = new java.util.HashMap<>(account.goals());
    goals.put(changed.getGoalKey(), changed);
    Account updated =
        account.account().toBuilder().setClickRetention(Retention.forGoals(goals.values())).build();
    CompletionStage<Void> write =
        updated.equals(account.account())
            ? CompletableFuture.completedFuture(null)
            : store.updateAccount(updated);
    return write.thenApply(
        x -> {
          directory.invalidate(updated.getAccountId());
          return changed;
        });
  }

  private static Goal requireGoal(AccountRecord account, String goalKey) {
    return account
        .goal(goalKey)
        .orElseThrow(
            () ->
                new KcidException(
                    ErrorReason.ERROR_REASON_GOAL_NOT_FOUND,
                    "Account '" + account.account().getAccountId() + "' has no goal '" + goalKey + "'.",
                    Map.of("goalKey", goalKey)));
  }

  private static Duration checkedWindow(Duration window) {
    long s = window.getSeconds();
    if (s < 60 || s > Retention.MAX_WINDOW.getSeconds()) {
      throw Identifiers.invalid(
          "attribution_window", "attribution_window must lie between 1 minute and 400 days");
    }
    return Duration.newBuilder().setSeconds(s).build();
  }

  private static CountingMode checkedMode(CountingMode mode) {
    if (mode == CountingMode.UNRECOGNIZED) {
      throw Identifiers.invalid("counting_mode", "unknown counting_mode");
    }
    return mode == CountingMode.COUNTING_MODE_UNSPECIFIED
        ? CountingMode.COUNTING_MODE_ONCE_PER_CLICK
        : mode;
  }

  private static io.kcid.proto.tracking.v1.Money checkedValue(CreateGoalRequest request) {
    if (!request.hasDefaultValue() || request.getDefaultValue().getAmount().isEmpty()) {
      return io.kcid.proto.tracking.v1.Money.getDefaultInstance();
    }
    String currency = request.getDefaultValue().getCurrencyCode();
    return Money.normalize(request.getDefaultValue().getAmount(), currency.isEmpty() ? "USD" : currency);
  }

  private static Duration seconds(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).build();
  }

  private static String generatedId() {
    StringBuilder id = new StringBuilder("acc_");
    for (int i = 0; i < 10; i++) {
      id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    return id.toString();
  }
}
