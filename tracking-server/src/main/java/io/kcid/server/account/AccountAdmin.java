package io.kcid.server.account;

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
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Money;
import io.kcid.server.common.Retention;
import io.kcid.server.common.Secrets;
import io.kcid.server.common.Timestamps;
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

  private static final java.time.Duration DEFAULT_GRACE = java.time.Duration.ofHours(24);
  private static final java.time.Duration MAX_GRACE = java.time.Duration.ofDays(30);
  private static final int MAX_CAMPAIGNS = 1000;

  private final AccountStore store;
  private final AccountDirectory directory;
  private final IdempotentWrites idempotent;
  private final Clock clock;

  public AccountAdmin(
      AccountStore store, AccountDirectory directory, IdempotentWrites idempotent, Clock clock) {
    this.store = store;
    this.directory = directory;
    this.idempotent = idempotent;
    this.clock = clock;
  }

  /**
   * Creates an account with fresh secrets. With a request_id, a retry within 24 hours returns the
   * first answer, secrets included (kept that long under the account's request key).
   */
  public CompletionStage<CreateAccountResponse> createAccount(CreateAccountRequest request) {
    if (!request.getRequestId().isEmpty() && request.getAccountId().isEmpty()) {
      // A generated id would differ on retry; the request id names the account instead.
      throw Identifiers.invalid(
          "account_id", "account_id is required with request_id, so a retry names the same account");
    }
    String id =
        request.getAccountId().isEmpty()
            ? generatedId()
            : Identifiers.key("account_id", request.getAccountId());
    return idempotent.run(
        id, request.getRequestId(),
        IdempotentWrites.fingerprint(request, CreateAccountRequest.getDescriptor().findFieldByName("request_id")),
        CreateAccountResponse.parser(),
        () -> create(id, request));
  }

  private CompletionStage<CreateAccountResponse> create(String id, CreateAccountRequest request) {
    String parameter = request.getKcidParameter().isEmpty() ? "kcid" : request.getKcidParameter();
    if (!PARAMETER.matcher(parameter).matches()) {
      throw Identifiers.invalid("kcid_parameter", "kcid_parameter must match [A-Za-z0-9_.-]{1,64}");
    }
    Identifiers.freeText("display_name", request.getDisplayName());
    var now = Timestamps.of(clock.instant());
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
            .setPostbackSigningSecret(Secrets.newSecret("pbs_"))
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
            .setPostbackAuth(PostbackAuthSettings.initial())
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
    String accountId = Identifiers.key("account_id", request.getAccountId());
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request, CreateGoalRequest.getDescriptor().findFieldByName("request_id")),
        Goal.parser(),
        () -> insertGoal(key, request));
  }

  private CompletionStage<Goal> insertGoal(String key, CreateGoalRequest request) {
    return fresh(request.getAccountId())
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

  /** Changes the account settings named in the request. */
  public CompletionStage<io.kcid.proto.tracking.v1.Account> updateAccount(
      io.kcid.proto.tracking.v1.UpdateAccountRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request,
            io.kcid.proto.tracking.v1.UpdateAccountRequest.getDescriptor().findFieldByName("request_id")),
        io.kcid.proto.tracking.v1.Account.parser(),
        () -> fresh(accountId).thenCompose(record -> {
          Account.Builder account = record.account().toBuilder();
          if (request.hasDisplayName()) {
            account.setDisplayName(Identifiers.freeText("display_name", request.getDisplayName()));
          }
          if (request.hasKcidParameter()) {
            if (!PARAMETER.matcher(request.getKcidParameter()).matches()) {
              throw Identifiers.invalid("kcid_parameter", "kcid_parameter must match [A-Za-z0-9_.-]{1,64}");
            }
            account.setKcidParameter(request.getKcidParameter());
          }
          if (request.hasDefaultGoalKey()) {
            requireGoal(record, request.getDefaultGoalKey());
            account.setDefaultGoalKey(request.getDefaultGoalKey());
          }
          if (request.hasLegacyHttp200()) {
            account.setLegacyHttp200(request.getLegacyHttp200());
          }
          if (PostbackAuthSettings.touched(request)) {
            // Only the auth settings the request names change; the others are kept.
            account.setPostbackAuth(PostbackAuthSettings.updated(record.account().getPostbackAuth(), request));
          }
          Account updated = account.build();
          return store.updateAccount(updated).thenApply(x -> {
            directory.invalidate(accountId);
            return updated;
          });
        }));
  }

  /** Replaces one secret; the previous one stays valid for the grace period. */
  public CompletionStage<io.kcid.proto.tracking.v1.RotateAccountSecretResponse> rotateSecret(
      io.kcid.proto.tracking.v1.RotateAccountSecretRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    var kind = request.getKind();
    if (kind == io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_UNSPECIFIED
        || kind == io.kcid.proto.tracking.v1.SecretKind.UNRECOGNIZED) {
      throw Identifiers.invalid("kind", "kind must be POSTBACK_TOKEN, CLICK_SECRET or POSTBACK_SIGNING_SECRET");
    }
    java.time.Duration grace = request.hasGracePeriod()
        ? java.time.Duration.ofSeconds(request.getGracePeriod().getSeconds())
        : DEFAULT_GRACE;
    if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
      throw Identifiers.invalid("grace_period", "grace_period must lie between 0 and 30 days");
    }
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request,
            io.kcid.proto.tracking.v1.RotateAccountSecretRequest.getDescriptor().findFieldByName("request_id")),
        io.kcid.proto.tracking.v1.RotateAccountSecretResponse.parser(),
        () -> fresh(accountId).thenCompose(record -> {
          AccountSecrets.Builder secrets = AccountSecrets.newBuilder();
          String value;
          switch (kind) {
            case SECRET_KIND_POSTBACK_TOKEN -> secrets.setPostbackToken(value = Secrets.newSecret("pbt_"));
            case SECRET_KIND_CLICK_SECRET -> secrets.setClickSecret(value = Secrets.newSecret("cks_"));
            default -> secrets.setPostbackSigningSecret(value = Secrets.newSecret("pbs_"));
          }
          java.time.Instant expiry = grace.isZero() ? null : clock.instant().plus(grace);
          CompletionStage<Void> hint = kind == io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_POSTBACK_TOKEN
              ? store.updateAccount(record.account().toBuilder().setPostbackTokenHint(Secrets.hint(value)).build())
              : CompletableFuture.completedFuture(null);
          return store.rotateSecret(accountId, kind, value, expiry)
              .thenCompose(x -> hint)
              .thenApply(x -> {
                directory.invalidate(accountId);
                var response = io.kcid.proto.tracking.v1.RotateAccountSecretResponse.newBuilder()
                    .setSecrets(secrets);
                if (expiry != null) {
                  response.setPreviousExpireTime(Timestamps.of(expiry));
                }
                return response.build();
              });
        }));
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
