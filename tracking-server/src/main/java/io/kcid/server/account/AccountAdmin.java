package io.kcid.server.account;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.fraud.FraudSettings;
import io.kcid.server.fx.ReportingCurrencySettings;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.RegionalSettings;
import io.kcid.server.common.Retention;
import io.kcid.server.common.Secrets;
import io.kcid.server.common.Timestamps;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/** Creating, reading, listing and changing accounts (goals: {@link GoalAdmin}, secrets: {@link SecretAdmin}). */
public final class AccountAdmin {
  private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final String ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final AccountStore store;
  private final AccountDirectory directory;
  private final PartnerDirectory partners;
  private final IdempotentWrites idempotent;
  private final Clock clock;

  public AccountAdmin(
      AccountStore store, AccountDirectory directory, PartnerDirectory partners, IdempotentWrites idempotent,
      Clock clock) {
    this.store = store;
    this.directory = directory;
    this.partners = partners;
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
    if (!request.getTimeZone().isEmpty()) {
      RegionalSettings.timeZone("time_zone", request.getTimeZone());
    }
    if (!request.getCurrencyCode().isEmpty()) {
      RegionalSettings.currency("currency_code", request.getCurrencyCode());
    }
    StatusMapSettings.checked("status_map", request.getStatusMapMap());
    PostbackAnswerSettings.checkedFormat("postback_response_format", request.getPostbackResponseFormatValue());
    String partnerId =
        request.getPartnerId().isEmpty()
            ? Partners.DEFAULT_ID
            : Identifiers.key("partner_id", request.getPartnerId());
    // Read fresh: the account starts from the partner's current defaults, not a cached copy.
    return partners.fresh(partnerId).thenCompose(partner -> createUnder(partner, id, parameter, request));
  }

  /**
   * The account under {@code partner}, its first goal, postback methods, time zone, currency, status
   * map, ignore-status and response format taken from the partner's defaults unless the request
   * names them (copied at creation: a later change of the defaults affects new accounts only).
   */
  private CompletionStage<CreateAccountResponse> createUnder(
      Partner partner, String id, String parameter, CreateAccountRequest request) {
    var now = Timestamps.of(clock.instant());
    Goal firstGoal = GoalAdmin.defaultGoal(id, now, partner.getDefaults());
    AccountSecrets secrets =
        AccountSecrets.newBuilder()
            .setPostbackToken(Secrets.newSecret("pbt_"))
            .setClickSecret(Secrets.newSecret("cks_"))
            .setPostbackSigningSecret(Secrets.newSecret("pbs_"))
            .build();
    Account.Builder builder =
        Account.newBuilder()
            .setAccountId(id)
            .setDisplayName(request.getDisplayName().isEmpty() ? id : request.getDisplayName())
            .setKcidParameter(parameter)
            .setDefaultGoalKey(GoalAdmin.DEFAULT_GOAL)
            .setCreateTime(now)
            .setPostbackTokenHint(Secrets.hint(secrets.getPostbackToken()))
            .setClickRetention(Retention.forGoals(List.of(firstGoal)))
            .setPostbackAuth(PostbackAuthSettings.initial(partner.getDefaults()))
            .setPartnerId(partner.getPartnerId())
            .setTimeZone(firstNonEmpty(
                request.getTimeZone(), partner.getDefaults().getTimeZone(), RegionalSettings.DEFAULT_TIME_ZONE))
            .setCurrencyCode(firstNonEmpty(request.getCurrencyCode(), partner.getDefaults().getCurrencyCode(), ""))
            .putAllStatusMap(request.getStatusMapCount() > 0
                ? StatusMapSettings.checked("status_map", request.getStatusMapMap())
                : partner.getDefaults().getStatusMapMap())
            .setIgnoreStatus(request.hasIgnoreStatus() ? request.getIgnoreStatus() : partner.getDefaults().getIgnoreStatus())
            .setPostbackResponseFormat(PostbackAnswerSettings.firstSet(
                PostbackAnswerSettings.checkedFormat("postback_response_format", request.getPostbackResponseFormatValue()),
                partner.getDefaults().getPostbackResponseFormat()));
    FraudSettings.apply(request, builder);
    ReportingCurrencySettings.apply(request, builder);
    Account account = builder.build();
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

  /** The account's settings as stored now (never a cached copy), or ACCOUNT_NOT_FOUND. */
  public CompletionStage<Account> getAccount(String accountId) {
    return directory.fresh(accountId).thenApply(record -> record.account());
  }

  /**
   * One page of accounts in id order, after the page token (the last id of the previous page); only
   * the partner's when the request names one (PARTNER_NOT_FOUND for an unknown partner).
   */
  public CompletionStage<ListAccountsResponse> listAccounts(ListAccountsRequest request) {
    int size = request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
    String partnerId =
        request.getPartnerId().isEmpty() ? "" : Identifiers.key("partner_id", request.getPartnerId());
    CompletionStage<?> partnerKnown =
        partnerId.isEmpty() ? CompletableFuture.completedFuture(null) : partners.get(partnerId);
    return partnerKnown
        .thenCompose(x -> store.list(request.getPageToken(), size, partnerId))
        .thenApply(
            accounts -> {
              ListAccountsResponse.Builder response = ListAccountsResponse.newBuilder().addAllAccounts(accounts);
              if (accounts.size() == size) {
                response.setNextPageToken(accounts.get(size - 1).getAccountId());
              }
              return response.build();
            });
  }

  /** Changes the account settings named in the request. */
  public CompletionStage<Account> updateAccount(UpdateAccountRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    return idempotent.run(
        accountId, request.getRequestId(),
        IdempotentWrites.fingerprint(request, UpdateAccountRequest.getDescriptor().findFieldByName("request_id")),
        Account.parser(),
        () -> directory.fresh(accountId).thenCompose(record -> destination(request).thenCompose(partner -> {
          Account.Builder account = record.account().toBuilder();
          // Moving changes only the owner: clicks, conversions, goals, secrets and stats are keyed
          // by the account and stay with it; the new partner's S2S switch applies from now on.
          partner.ifPresent(account::setPartnerId);
          if (request.hasTimeZone()) {
            account.setTimeZone(RegionalSettings.timeZone("time_zone", request.getTimeZone()));
          }
          if (request.hasCurrencyCode()) {
            // Empty clears it: a postback value without a currency falls back as before (goal, USD).
            account.setCurrencyCode(request.getCurrencyCode().isEmpty()
                ? "" : RegionalSettings.currency("currency_code", request.getCurrencyCode()));
          }
          FraudSettings.apply(request, account);
          ReportingCurrencySettings.apply(request, account);
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
            GoalAdmin.requireGoal(record, request.getDefaultGoalKey());
            account.setDefaultGoalKey(request.getDefaultGoalKey());
          }
          if (request.hasLegacyHttp200()) {
            account.setLegacyHttp200(request.getLegacyHttp200());
          }
          if (request.getStatusMapCount() > 0 || request.getUpdateStatusMap()) {
            account.clearStatusMap().putAllStatusMap(StatusMapSettings.checked("status_map", request.getStatusMapMap()));
          }
          if (request.hasIgnoreStatus()) {
            account.setIgnoreStatus(request.getIgnoreStatus());
          }
          if (request.getPostbackResponseFormatValue() != 0) {
            account.setPostbackResponseFormat(PostbackAnswerSettings.checkedFormat(
                "postback_response_format", request.getPostbackResponseFormatValue()));
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
        })));
  }

  /** The partner an update moves the account to (read fresh: PARTNER_NOT_FOUND when unknown), if any. */
  private CompletionStage<Optional<String>> destination(UpdateAccountRequest request) {
    if (!request.hasPartnerId()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return partners
        .fresh(Identifiers.key("partner_id", request.getPartnerId()))
        .thenApply(partner -> Optional.of(partner.getPartnerId()));
  }

  private static String firstNonEmpty(String first, String second, String otherwise) {
    return !first.isEmpty() ? first : !second.isEmpty() ? second : otherwise;
  }

  private static String generatedId() {
    StringBuilder id = new StringBuilder("acc_");
    for (int i = 0; i < 10; i++) {
      id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    return id.toString();
  }
}
