package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClearBotRangesRequest;
import io.kcid.proto.tracking.v1.ClearBotRangesResponse;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreateGoalResponse;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetAccountResponse;
import io.kcid.proto.tracking.v1.GetCallerRequest;
import io.kcid.proto.tracking.v1.GetCallerResponse;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.GetGoalResponse;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListApiKeysRequest;
import io.kcid.proto.tracking.v1.ListApiKeysResponse;
import io.kcid.proto.tracking.v1.ListBotRangesRequest;
import io.kcid.proto.tracking.v1.ListBotRangesResponse;
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.ListGoalsResponse;
import io.kcid.proto.tracking.v1.LoadBotRangesRequest;
import io.kcid.proto.tracking.v1.LoadBotRangesResponse;
import io.kcid.proto.tracking.v1.RevokeApiKeyRequest;
import io.kcid.proto.tracking.v1.RevokeApiKeyResponse;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.RotateAccountSecretResponse;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateAccountResponse;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.proto.tracking.v1.UpdateGoalResponse;
import io.kcid.server.account.AccountAdmin;
import io.kcid.server.account.GoalAdmin;
import io.kcid.server.account.SecretAdmin;
import io.kcid.server.auth.ApiKeyInterceptor;
import io.kcid.server.auth.ApiKeys;
import io.kcid.server.cap.CapAdmin;
import io.kcid.server.fraud.BotRangeAdmin;
import io.kcid.server.fx.FxAdmin;
import io.kcid.proto.tracking.v1.ListExchangeRatesRequest;
import io.kcid.proto.tracking.v1.ListExchangeRatesResponse;
import io.kcid.proto.tracking.v1.LoadExchangeRatesRequest;
import io.kcid.proto.tracking.v1.LoadExchangeRatesResponse;
import io.kcid.proto.tracking.v1.SetConversionCapRequest;
import io.kcid.proto.tracking.v1.SetConversionCapResponse;
import io.kcid.proto.tracking.v1.ListConversionCapsRequest;
import io.kcid.proto.tracking.v1.ListConversionCapsResponse;
import io.kcid.proto.tracking.v1.DeleteConversionCapRequest;
import io.kcid.proto.tracking.v1.DeleteConversionCapResponse;

/** {@code kcid.tracking.v1.AdminService}. */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private final AccountAdmin accounts;
  private final GoalAdmin goals;
  private final SecretAdmin secrets;
  private final ApiKeys apiKeys;
  private final BotRangeAdmin botRanges;
  private final FxAdmin fx;
  private final CapAdmin caps;

  /**
   * @param botRanges the operator's IP lists
   * @param caps conversion caps
   * @param fx the exchange-rate table
   */
  public AdminGrpcService(
      AccountAdmin accounts, GoalAdmin goals, SecretAdmin secrets, ApiKeys apiKeys, BotRangeAdmin botRanges,
      CapAdmin caps, FxAdmin fx) {
    this.caps = caps;
    this.fx = fx;
    this.botRanges = botRanges;
    this.accounts = accounts;
    this.goals = goals;
    this.secrets = secrets;
    this.apiKeys = apiKeys;
  }

  @Override
  public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> observer) {
    Replies.reply(observer, () -> apiKeys.create(request));
  }

  @Override
  public void getCaller(GetCallerRequest request, StreamObserver<GetCallerResponse> observer) {
    ApiKeys.Caller caller = ApiKeyInterceptor.CALLER_KEY.get();
    Replies.reply(observer, () -> java.util.concurrent.CompletableFuture.completedFuture(
        GetCallerResponse.newBuilder().setApiKey((caller == null ? ApiKeys.ANONYMOUS : caller).asApiKey()).build()));
  }

  @Override
  public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> observer) {
    Replies.reply(observer, () -> apiKeys.list().thenApply(keys -> ListApiKeysResponse.newBuilder().addAllApiKeys(keys).build()));
  }

  @Override
  public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<RevokeApiKeyResponse> observer) {
    Replies.reply(observer, () -> apiKeys.revoke(request.getName()).thenApply(done -> RevokeApiKeyResponse.getDefaultInstance()));
  }

  @Override
  public void createAccount(
      CreateAccountRequest request, StreamObserver<CreateAccountResponse> observer) {
    Replies.reply(observer, () -> accounts.createAccount(request));
  }

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> observer) {
    Replies.reply(
        observer,
        () -> accounts.getAccount(request.getAccountId())
            .thenApply(a -> GetAccountResponse.newBuilder().setAccount(a).build()));
  }

  @Override
  public void updateAccount(UpdateAccountRequest request, StreamObserver<UpdateAccountResponse> observer) {
    Replies.reply(
        observer,
        () -> accounts.updateAccount(request)
            .thenApply(a -> UpdateAccountResponse.newBuilder().setAccount(a).build()));
  }

  @Override
  public void rotateAccountSecret(
      RotateAccountSecretRequest request, StreamObserver<RotateAccountSecretResponse> observer) {
    Replies.reply(observer, () -> secrets.rotateSecret(request));
  }

  @Override
  public void listAccounts(ListAccountsRequest request, StreamObserver<ListAccountsResponse> observer) {
    Replies.reply(observer, () -> accounts.listAccounts(request));
  }

  @Override
  public void createGoal(CreateGoalRequest request, StreamObserver<CreateGoalResponse> observer) {
    Replies.reply(
        observer,
        () -> goals.createGoal(request).thenApply(g -> CreateGoalResponse.newBuilder().setGoal(g).build()));
  }

  @Override
  public void getGoal(GetGoalRequest request, StreamObserver<GetGoalResponse> observer) {
    Replies.reply(
        observer,
        () -> goals.getGoal(request.getAccountId(), request.getGoalKey())
            .thenApply(g -> GetGoalResponse.newBuilder().setGoal(g).build()));
  }

  @Override
  public void listGoals(ListGoalsRequest request, StreamObserver<ListGoalsResponse> observer) {
    Replies.reply(
        observer,
        () -> goals.listGoals(request.getAccountId())
            .thenApply(list -> ListGoalsResponse.newBuilder().addAllGoals(list).build()));
  }

  @Override
  public void updateGoal(UpdateGoalRequest request, StreamObserver<UpdateGoalResponse> observer) {
    Replies.reply(
        observer,
        () -> goals.updateGoal(request).thenApply(g -> UpdateGoalResponse.newBuilder().setGoal(g).build()));
  }

  @Override
  public void loadBotRanges(LoadBotRangesRequest request, StreamObserver<LoadBotRangesResponse> observer) {
    Replies.reply(observer, () -> botRanges.load(request));
  }

  @Override
  public void listBotRanges(ListBotRangesRequest request, StreamObserver<ListBotRangesResponse> observer) {
    Replies.reply(observer, () -> botRanges.list(request.getKind()));
  }

  @Override
  public void clearBotRanges(ClearBotRangesRequest request, StreamObserver<ClearBotRangesResponse> observer) {
    Replies.reply(observer, () -> botRanges.clear(request.getKind()));
  }

  @Override
  public void loadExchangeRates(LoadExchangeRatesRequest request, StreamObserver<LoadExchangeRatesResponse> observer) {
    Replies.reply(observer, () -> fx.load(request));
  }

  @Override
  public void listExchangeRates(ListExchangeRatesRequest request, StreamObserver<ListExchangeRatesResponse> observer) {
    Replies.reply(observer, () -> fx.list(request));
  }

  @Override
  public void setConversionCap(
      SetConversionCapRequest request,
      StreamObserver<SetConversionCapResponse> observer) {
    String actor = callerName();
    Replies.reply(observer, () -> caps.set(request, actor));
  }

  @Override
  public void listConversionCaps(
      ListConversionCapsRequest request,
      StreamObserver<ListConversionCapsResponse> observer) {
    Replies.reply(observer, () -> caps.list(request.getAccountId()));
  }

  @Override
  public void deleteConversionCap(
      DeleteConversionCapRequest request,
      StreamObserver<DeleteConversionCapResponse> observer) {
    String actor = callerName();
    Replies.reply(observer, () -> caps.delete(request, actor));
  }

  /** The calling key's name for an audit entry ("" without API keys). */
  private static String callerName() {
    ApiKeys.Caller caller = ApiKeyInterceptor.CALLER_KEY.get();
    return caller == null ? "" : caller.name();
  }
}
