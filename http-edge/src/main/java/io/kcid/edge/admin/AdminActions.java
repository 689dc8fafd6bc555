package io.kcid.edge.admin;

import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeleteConversionCapRequest;
import io.kcid.proto.tracking.v1.DeleteConversionCapResponse;
import io.kcid.proto.tracking.v1.ListConversionCapsRequest;
import io.kcid.proto.tracking.v1.ListConversionCapsResponse;
import io.kcid.proto.tracking.v1.SetConversionCapRequest;
import io.kcid.proto.tracking.v1.SetConversionCapResponse;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreateGoalResponse;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.DeleteDestinationResponse;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetAccountResponse;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.ListGoalsResponse;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateAccountResponse;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import io.kcid.proto.tracking.v1.UpdateDestinationResponse;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.proto.tracking.v1.UpdateGoalResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the web view's forms do: each is one gRPC call of the admin, delivery or diagnostics
 * service, made with the signed-in human's key, so the server's role and scope checks decide (a
 * key without the admin role, or outside its partner or account, gets the server's refusal). The
 * edge adds no power of its own and keeps no state of the change.
 */
final class AdminActions {
  private final KeyedStubs stubs;

  AdminActions(KeyedStubs stubs) {
    this.stubs = stubs;
  }

  /** Who owns a destination: the account itself, or its partner (whose destinations apply to all its accounts). */
  record Owner(String accountId, String partnerId) {
    static Owner of(String accountId, String partnerId) {
      return partnerId == null || partnerId.isEmpty() ? new Owner(accountId, "") : new Owner("", partnerId);
    }
  }

  CompletableFuture<GetAccountResponse> account(String key, String accountId) {
    CompletableFuture<GetAccountResponse> done = new CompletableFuture<>();
    admin(key).getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build(), UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<ListGoalsResponse> goals(String key, String accountId) {
    CompletableFuture<ListGoalsResponse> done = new CompletableFuture<>();
    admin(key).listGoals(ListGoalsRequest.newBuilder().setAccountId(accountId).build(), UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<CreateGoalResponse> createGoal(String key, String accountId, String goalKey, String displayName) {
    CompletableFuture<CreateGoalResponse> done = new CompletableFuture<>();
    admin(key).createGoal(CreateGoalRequest.newBuilder().setAccountId(accountId).setGoalKey(goalKey).setDisplayName(displayName)
        .build(), UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<UpdateGoalResponse> setGoalState(String key, String accountId, String goalKey, GoalState state) {
    CompletableFuture<UpdateGoalResponse> done = new CompletableFuture<>();
    admin(key).updateGoal(UpdateGoalRequest.newBuilder().setAccountId(accountId).setGoalKey(goalKey).setState(state).build(),
        UnaryCalls.completing(done));
    return done;
  }

  /** Replaces the status map (an empty one clears it), sets ignore-status and the response format. */
  CompletableFuture<UpdateAccountResponse> updateStatusHandling(String key, String accountId,
      Map<String, ConversionStatus> statusMap, boolean ignoreStatus, PostbackResponseFormat format) {
    CompletableFuture<UpdateAccountResponse> done = new CompletableFuture<>();
    admin(key).updateAccount(UpdateAccountRequest.newBuilder().setAccountId(accountId).putAllStatusMap(statusMap)
        .setUpdateStatusMap(true).setIgnoreStatus(ignoreStatus).setPostbackResponseFormat(format).build(),
        UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<ListConversionCapsResponse> caps(String key, String accountId) {
    CompletableFuture<ListConversionCapsResponse> done = new CompletableFuture<>();
    admin(key).listConversionCaps(ListConversionCapsRequest.newBuilder().setAccountId(accountId).build(),
        UnaryCalls.completing(done));
    return done;
  }

  /** Creates or replaces a cap; the server audits the change under the signed-in key's name. */
  CompletableFuture<SetConversionCapResponse> setCap(String key, String accountId, ConversionCap cap) {
    CompletableFuture<SetConversionCapResponse> done = new CompletableFuture<>();
    admin(key).setConversionCap(SetConversionCapRequest.newBuilder().setAccountId(accountId).setCap(cap).build(),
        UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<DeleteConversionCapResponse> deleteCap(String key, String accountId, String capId) {
    CompletableFuture<DeleteConversionCapResponse> done = new CompletableFuture<>();
    admin(key).deleteConversionCap(DeleteConversionCapRequest.newBuilder().setAccountId(accountId).setCapId(capId).build(),
        UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<CreateDestinationResponse> createDestination(String key, CreateDestinationRequest request) {
    CompletableFuture<CreateDestinationResponse> done = new CompletableFuture<>();
    delivery(key).createDestination(request, UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<UpdateDestinationResponse> setDestinationPaused(String key, Owner owner, String destinationId, boolean paused) {
    CompletableFuture<UpdateDestinationResponse> done = new CompletableFuture<>();
    delivery(key).updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).setPaused(paused).build(), UnaryCalls.completing(done));
    return done;
  }

  /** Replaces a destination's URL and goal list (none: every goal); the server checks the URL as at creation. */
  CompletableFuture<UpdateDestinationResponse> editDestination(String key, Owner owner, String destinationId, String url,
      java.util.List<String> goalKeys) {
    CompletableFuture<UpdateDestinationResponse> done = new CompletableFuture<>();
    delivery(key).updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).setUrl(url).setReplaceGoalKeys(true)
        .addAllGoalKeys(goalKeys).build(), UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<DeleteDestinationResponse> deleteDestination(String key, Owner owner, String destinationId) {
    CompletableFuture<DeleteDestinationResponse> done = new CompletableFuture<>();
    delivery(key).deleteDestination(DeleteDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).build(), UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<ReplayPostbacksResponse> replay(String key, ReplayPostbacksRequest request) {
    CompletableFuture<ReplayPostbacksResponse> done = new CompletableFuture<>();
    stubs.withKey(DiagnosticsServiceGrpc.newStub(stubs.channel()), key).replayPostbacks(request, UnaryCalls.completing(done));
    return done;
  }

  CompletableFuture<RedeliverResponse> redeliver(String key, RedeliverRequest request) {
    CompletableFuture<RedeliverResponse> done = new CompletableFuture<>();
    delivery(key).redeliver(request, UnaryCalls.completing(done));
    return done;
  }

  private AdminServiceGrpc.AdminServiceStub admin(String key) {
    return stubs.withKey(AdminServiceGrpc.newStub(stubs.channel()), key);
  }

  private DeliveryServiceGrpc.DeliveryServiceStub delivery(String key) {
    return stubs.withKey(DeliveryServiceGrpc.newStub(stubs.channel()), key);
  }
}
