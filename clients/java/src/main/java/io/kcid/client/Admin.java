package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.proto.tracking.v1.ApiKeyRole;
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
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.ListGoalsResponse;
import io.kcid.proto.tracking.v1.RevokeApiKeyRequest;
import io.kcid.proto.tracking.v1.RevokeApiKeyResponse;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.RotateAccountSecretResponse;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateAccountResponse;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.proto.tracking.v1.UpdateGoalResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code kcid.tracking.v1.AdminService}: accounts, goals, API keys and the calling key; the generated
 * blocking stub, with every failure thrown as {@link KcidException}.
 */
public final class Admin {
  private final AdminServiceBlockingStub stub;

  Admin(AdminServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public AdminServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Admin withDeadline(Duration deadline) {
    return new Admin(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** Creates an account; its postback token and click secret are in the response only. */
  public CreateAccountResponse createAccount(CreateAccountRequest request) {
    return call(() -> stub.createAccount(request));
  }

  public GetAccountResponse getAccount(GetAccountRequest request) {
    return call(() -> stub.getAccount(request));
  }

  /** One page of accounts ordered by id (those of {@code partner_id} when set). */
  public ListAccountsResponse listAccounts(ListAccountsRequest request) {
    return call(() -> stub.listAccounts(request));
  }

  /**
   * Every account ordered by id, of {@code partnerId} (empty: of every partner the key sees),
   * fetching pages of {@code pageSize} (0: 100) as the stream is consumed.
   */
  public Stream<Account> listAllAccounts(String partnerId, int pageSize) {
    return Pages.stream(token -> {
      ListAccountsResponse page = listAccounts(ListAccountsRequest.newBuilder()
          .setPartnerId(partnerId).setPageSize(pageSize).setPageToken(token).build());
      return new Pages.Page<>(page.getAccountsList(), page.getNextPageToken());
    });
  }

  public CreateGoalResponse createGoal(CreateGoalRequest request) {
    return call(() -> stub.createGoal(request));
  }

  public GetGoalResponse getGoal(GetGoalRequest request) {
    return call(() -> stub.getGoal(request));
  }

  public ListGoalsResponse listGoals(ListGoalsRequest request) {
    return call(() -> stub.listGoals(request));
  }

  public UpdateGoalResponse updateGoal(UpdateGoalRequest request) {
    return call(() -> stub.updateGoal(request));
  }

  /**
   * Changes the account settings the request names (display name, goal, postback auth, time
   * zone, currency, …); {@code partner_id} moves the account to another partner with its clicks
   * and history (platform keys only).
   */
  public UpdateAccountResponse updateAccount(UpdateAccountRequest request) {
    return call(() -> stub.updateAccount(request));
  }

  /** Replaces one secret; the previous one stays valid for the grace period. Shown once. */
  public RotateAccountSecretResponse rotateAccountSecret(RotateAccountSecretRequest request) {
    return call(() -> stub.rotateAccountSecret(request));
  }

  /**
   * Creates an API key with roles, scoped to the platform (no {@code partner_id}, no {@code
   * account_id}), a partner or one account; its secret is returned once.
   */
  public CreateApiKeyResponse createApiKey(CreateApiKeyRequest request) {
    return call(() -> stub.createApiKey(request));
  }

  /** An API key whose roles apply to this partner and its accounts only; its secret is returned once. */
  public CreateApiKeyResponse createPartnerApiKey(String name, String partnerId, ApiKeyRole... roles) {
    return createApiKey(CreateApiKeyRequest.newBuilder()
        .setName(name).setPartnerId(partnerId).addAllRoles(List.of(roles)).build());
  }

  /** An API key whose roles apply to this one account only; its secret is returned once. */
  public CreateApiKeyResponse createAccountApiKey(String name, String accountId, ApiKeyRole... roles) {
    return createApiKey(CreateApiKeyRequest.newBuilder()
        .setName(name).setAccountId(accountId).addAllRoles(List.of(roles)).build());
  }

  public GetCallerResponse getCaller(GetCallerRequest request) {
    return call(() -> stub.getCaller(request));
  }

  /** The key this client calls with: its name, roles and scope (never its secret). Any valid key may ask. */
  public ApiKey caller() {
    return getCaller(GetCallerRequest.getDefaultInstance()).getApiKey();
  }

  /** The API keys (never their secrets), ordered by name. */
  public ListApiKeysResponse listApiKeys(ListApiKeysRequest request) {
    return call(() -> stub.listApiKeys(request));
  }

  /** Revokes an API key; every server stops accepting it within its key cache time. */
  public RevokeApiKeyResponse revokeApiKey(RevokeApiKeyRequest request) {
    return call(() -> stub.revokeApiKey(request));
  }

  static Admin of(io.grpc.Channel channel) {
    return new Admin(AdminServiceGrpc.newBlockingStub(channel));
  }
}
