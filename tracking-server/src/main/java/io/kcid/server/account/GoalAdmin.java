package io.kcid.server.account;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Money;
import io.kcid.server.common.Retention;
import io.kcid.server.common.Timestamps;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Creating, reading and changing an account's goals, with their validation. */
public final class GoalAdmin {
  /** The key of the goal every account starts with. */
  public static final String DEFAULT_GOAL = "default";
  private static final int MAX_CAMPAIGNS = 1000;

  private final AccountStore store;
  private final AccountDirectory directory;
  private final IdempotentWrites idempotent;
  private final Clock clock;

  public GoalAdmin(
      AccountStore store, AccountDirectory directory, IdempotentWrites idempotent, Clock clock) {
    this.store = store;
    this.directory = directory;
    this.idempotent = idempotent;
    this.clock = clock;
  }

  public CompletionStage<Goal> createGoal(CreateGoalRequest request) {
    String key = Identifiers.key("goal_key", request.getGoalKey());
    Identifiers.freeText("display_name", request.getDisplayName());
    String accountId = Identifiers.key("account_id", request.getAccountId());
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request, CreateGoalRequest.getDescriptor().findFieldByName("request_id")),
        Goal.parser(),
        () -> insertGoal(key, request));
  }

  private CompletionStage<Goal> insertGoal(String key, CreateGoalRequest request) {
    return directory.fresh(request.getAccountId())
        .thenCompose(
            account -> {
              var now = Timestamps.of(clock.instant());
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
                      .addAllCampaignIds(checkedCampaigns(request.getCampaignIdsList()))
                      .setAllowNegativeValue(request.getAllowNegativeValue())
                      .build();
              if (request.hasMinTimeToConvert()) {
                goal = goal.toBuilder().setMinTimeToConvert(checkedMinTime(request.getMinTimeToConvert(), goal)).build();
              }
              Goal created = goal;
              return store
                  .createGoal(created)
                  .thenCompose(
                      inserted -> {
                        if (!inserted) {
                          throw new KcidException(
                              ErrorReason.ERROR_REASON_GOAL_ALREADY_EXISTS,
                              "Account '" + created.getAccountId() + "' already has a goal '" + key + "'.",
                              Map.of("goalKey", key));
                        }
                        return afterGoalChange(account, created);
                      });
            });
  }

  public CompletionStage<Goal> updateGoal(UpdateGoalRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request, UpdateGoalRequest.getDescriptor().findFieldByName("request_id")),
        Goal.parser(),
        () -> changeGoal(request));
  }

  private CompletionStage<Goal> changeGoal(UpdateGoalRequest request) {
    return directory.fresh(request.getAccountId())
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
              if (request.getUpdateCampaignIds()) {
                goal.clearCampaignIds().addAllCampaignIds(checkedCampaigns(request.getCampaignIdsList()));
              }
              if (request.hasAllowNegativeValue()) {
                goal.setAllowNegativeValue(request.getAllowNegativeValue());
              }
              if (request.hasMinTimeToConvert()) {
                goal.setMinTimeToConvert(checkedMinTime(request.getMinTimeToConvert(), goal.build()));
              }
              goal.setUpdateTime(Timestamps.of(clock.instant()));
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
              goals.sort(Comparator.comparing(Goal::getGoalKey));
              return goals;
            });
  }

  /** The goal a new account starts with: its partner's window and counting mode, else once per click, 30 days. */
  static Goal defaultGoal(String accountId, Timestamp now, PartnerDefaults defaults) {
    return Goal.newBuilder()
        .setAccountId(accountId)
        .setGoalKey(DEFAULT_GOAL)
        .setDisplayName("Default conversion")
        // The partner's defaults when it sets them (validated when the partner was stored).
        .setAttributionWindow(
            defaults.hasAttributionWindow() ? defaults.getAttributionWindow() : seconds(Retention.DEFAULT_WINDOW))
        .setCountingMode(checkedMode(defaults.getCountingMode()))
        .setState(GoalState.GOAL_STATE_ACTIVE)
        .setCreateTime(now)
        .setUpdateTime(now)
        .build();
  }

  static Goal requireGoal(AccountRecord account, String goalKey) {
    return account
        .goal(goalKey)
        .orElseThrow(
            () ->
                new KcidException(
                    ErrorReason.ERROR_REASON_GOAL_NOT_FOUND,
                    "Account '" + account.account().getAccountId() + "' has no goal '" + goalKey + "'.",
                    Map.of("goalKey", goalKey)));
  }

  /** Clicks must live as long as the longest window: recompute the retention. */
  private CompletionStage<Goal> afterGoalChange(AccountRecord account, Goal changed) {
    Map<String, Goal> goals = new HashMap<>(account.goals());
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

  private static List<String> checkedCampaigns(List<String> campaigns) {
    if (campaigns.size() > MAX_CAMPAIGNS) {
      throw Identifiers.invalid("campaign_ids", "at most " + MAX_CAMPAIGNS + " campaign ids");
    }
    for (String c : campaigns) {
      Identifiers.required("campaign_ids", c);
      Identifiers.freeText("campaign_ids", c);
      if (c.indexOf('\n') >= 0 || c.indexOf('\0') >= 0) {
        throw Identifiers.invalid("campaign_ids", "campaign ids cannot contain line breaks");
      }
    }
    return campaigns;
  }

  private static Duration checkedMinTime(Duration min, Goal goal) {
    long window = goal.hasAttributionWindow() ? goal.getAttributionWindow().getSeconds() : Retention.DEFAULT_WINDOW.getSeconds();
    if (min.getSeconds() < 0 || min.getSeconds() >= window) {
      throw Identifiers.invalid("min_time_to_convert", "min_time_to_convert must lie between 0 and the attribution window");
    }
    return Duration.newBuilder().setSeconds(min.getSeconds()).build();
  }

  /** An attribution window within 1 minute … 400 days, whole seconds. */
  public static Duration checkedWindow(Duration window) {
    long s = window.getSeconds();
    if (s < 60 || s > Retention.MAX_WINDOW.getSeconds()) {
      throw Identifiers.invalid(
          "attribution_window", "attribution_window must lie between 1 minute and 400 days");
    }
    return Duration.newBuilder().setSeconds(s).build();
  }

  /** A known counting mode; unspecified means ONCE_PER_CLICK. */
  public static CountingMode checkedMode(CountingMode mode) {
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
}
