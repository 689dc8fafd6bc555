package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreateGoalResponse;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetAccountResponse;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.GetGoalResponse;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListApiKeysRequest;
import io.kcid.proto.tracking.v1.ListApiKeysResponse;
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.ListGoalsResponse;
import io.kcid.proto.tracking.v1.RevokeApiKeyRequest;
import io.kcid.proto.tracking.v1.RevokeApiKeyResponse;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.proto.tracking.v1.UpdateGoalResponse;
import io.kcid.server.account.AccountAdmin;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.auth.ApiKeys;
import io.kcid.server.common.Identifiers;
import io.kcid.server.store.AccountStore;

/** {@code kcid.tracking.v1.AdminService}. */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final AccountAdmin admin;
  private final AccountDirectory directory;
  private final AccountStore store;
  private final ApiKeys apiKeys;

  public AdminGrpcService(AccountAdmin admin, AccountDirectory directory, AccountStore store, ApiKeys apiKeys) {
    this.admin = admin;
    this.directory = directory;
    this.store = store;
    this.apiKeys = apiKeys;
  }

  @Override
  public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> observer) {
    Replies.reply(observer, () -> apiKeys.create(request));
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
    Replies.reply(observer, () -> admin.createAccount(request));
  }

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> observer) {
    Replies.reply(
        observer,
        () -> {
          Identifiers.key("account_id", request.getAccountId());
          directory.invalidate(request.getAccountId());
          return directory
              .get(request.getAccountId())
              .thenApply(a -> GetAccountResponse.newBuilder().setAccount(a.account()).build());
        });
  }

  @Override
  public void updateAccount(
      io.kcid.proto.tracking.v1.UpdateAccountRequest request,
      StreamObserver<io.kcid.proto.tracking.v1.UpdateAccountResponse> observer) {
    Replies.reply(
        observer,
        () -> admin.updateAccount(request)
            .thenApply(a -> io.kcid.proto.tracking.v1.UpdateAccountResponse.newBuilder().setAccount(a).build()));
  }

  @Override
  public void rotateAccountSecret(
      io.kcid.proto.tracking.v1.RotateAccountSecretRequest request,
      StreamObserver<io.kcid.proto.tracking.v1.RotateAccountSecretResponse> observer) {
    Replies.reply(observer, () -> admin.rotateSecret(request));
  }

  @Override
  public void listAccounts(
      ListAccountsRequest request, StreamObserver<ListAccountsResponse> observer) {
    int size = request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
    Replies.reply(
        observer,
        () ->
            store
                .list(request.getPageToken(), size)
                .thenApply(
                    accounts -> {
                      ListAccountsResponse.Builder response =
                          ListAccountsResponse.newBuilder().addAllAccounts(accounts);
                      if (accounts.size() == size) {
                        response.setNextPageToken(accounts.get(size - 1).getAccountId());
                      }
                      return response.build();
                    }));
  }

  @Override
  public void createGoal(CreateGoalRequest request, StreamObserver<CreateGoalResponse> observer) {
    Replies.reply(
        observer,
        () ->
            admin.createGoal(request).thenApply(g -> CreateGoalResponse.newBuilder().setGoal(g).build()));
  }

  @Override
  public void getGoal(GetGoalRequest request, StreamObserver<GetGoalResponse> observer) {
    Replies.reply(
        observer,
        () ->
            admin
                .getGoal(request.getAccountId(), request.getGoalKey())
                .thenApply(g -> GetGoalResponse.newBuilder().setGoal(g).build()));
  }

  @Override
  public void listGoals(ListGoalsRequest request, StreamObserver<ListGoalsResponse> observer) {
    Replies.reply(
        observer,
        () ->
            admin
                .listGoals(request.getAccountId())
                .thenApply(goals -> ListGoalsResponse.newBuilder().addAllGoals(goals).build()));
  }

  @Override
  public void updateGoal(UpdateGoalRequest request, StreamObserver<UpdateGoalResponse> observer) {
    Replies.reply(
        observer,
        () ->
            admin.updateGoal(request).thenApply(g -> UpdateGoalResponse.newBuilder().setGoal(g).build()));
  }
}
