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
import java.util.List;
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
    return UnaryCalls.call(admin(key)::getAccount, GetAccountRequest.newBuilder().setAccountId(accountId).build());
  }

  CompletableFuture<ListGoalsResponse> goals(String key, String accountId) {
    return UnaryCalls.call(admin(key)::listGoals, ListGoalsRequest.newBuilder().setAccountId(accountId).build());
  }

  CompletableFuture<CreateGoalResponse> createGoal(String key, String accountId, String goalKey, String displayName) {
    return UnaryCalls.call(admin(key)::createGoal,
        CreateGoalRequest.newBuilder().setAccountId(accountId).setGoalKey(goalKey).setDisplayName(displayName).build());
  }

  CompletableFuture<UpdateGoalResponse> setGoalState(String key, String accountId, String goalKey, GoalState state) {
    return UnaryCalls.call(admin(key)::updateGoal,
        UpdateGoalRequest.newBuilder().setAccountId(accountId).setGoalKey(goalKey).setState(state).build());
  }

  /** Replaces the status map (an empty one clears it), sets ignore-status and the response format. */
  CompletableFuture<UpdateAccountResponse> updateStatusHandling(String key, String accountId,
      Map<String, ConversionStatus> statusMap, boolean ignoreStatus, PostbackResponseFormat format) {
    return UnaryCalls.call(admin(key)::updateAccount, UpdateAccountRequest.newBuilder().setAccountId(accountId).putAllStatusMap(statusMap)
        .setUpdateStatusMap(true).setIgnoreStatus(ignoreStatus).setPostbackResponseFormat(format).build());
  }

  CompletableFuture<ListConversionCapsResponse> caps(String key, String accountId) {
    return UnaryCalls.call(admin(key)::listConversionCaps, ListConversionCapsRequest.newBuilder().setAccountId(accountId).build());
  }

  /** Creates or replaces a cap; the server audits the change under the signed-in key's name. */
  CompletableFuture<SetConversionCapResponse> setCap(String key, String accountId, ConversionCap cap) {
    return UnaryCalls.call(admin(key)::setConversionCap, SetConversionCapRequest.newBuilder().setAccountId(accountId).setCap(cap).build());
  }

  CompletableFuture<DeleteConversionCapResponse> deleteCap(String key, String accountId, String capId) {
    return UnaryCalls.call(admin(key)::deleteConversionCap,
        DeleteConversionCapRequest.newBuilder().setAccountId(accountId).setCapId(capId).build());
  }

  CompletableFuture<CreateDestinationResponse> createDestination(String key, CreateDestinationRequest request) {
    return UnaryCalls.call(delivery(key)::createDestination, request);
  }

  CompletableFuture<UpdateDestinationResponse> setDestinationPaused(String key, Owner owner, String destinationId, boolean paused) {
    return UnaryCalls.call(delivery(key)::updateDestination, destination(owner, destinationId).setPaused(paused).build());
  }

  /**
   * Replaces a destination's URL, goal list (none: every goal) and delivery settings; the server
   * checks them as at creation.
   */
  CompletableFuture<UpdateDestinationResponse> editDestination(String key, Owner owner, String destinationId, String url,
      List<String> goalKeys, DestinationForm.Settings settings) {
    return UnaryCalls.call(delivery(key)::updateDestination,
        destination(owner, destinationId).setUrl(url).setReplaceGoalKeys(true).addAllGoalKeys(goalKeys)
            .setReplaceTriggers(true).addAllTriggers(settings.triggers())
            .setReplaceStatusMap(true).putAllStatusMap(settings.statusMap())
            .setMaxConcurrency(settings.maxConcurrency()).setMaxRequestsPerSecond(settings.maxRequestsPerSecond()).build());
  }

  CompletableFuture<DeleteDestinationResponse> deleteDestination(String key, Owner owner, String destinationId) {
    return UnaryCalls.call(delivery(key)::deleteDestination, DeleteDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).build());
  }

  CompletableFuture<ReplayPostbacksResponse> replay(String key, ReplayPostbacksRequest request) {
    return UnaryCalls.call(stubs.withKey(DiagnosticsServiceGrpc.newStub(stubs.channel()), key)::replayPostbacks, request);
  }

  CompletableFuture<RedeliverResponse> redeliver(String key, RedeliverRequest request) {
    return UnaryCalls.call(delivery(key)::redeliver, request);
  }

  private static UpdateDestinationRequest.Builder destination(Owner owner, String destinationId) {
    return UpdateDestinationRequest.newBuilder().setAccountId(owner.accountId()).setPartnerId(owner.partnerId())
        .setDestinationId(destinationId);
  }

  private AdminServiceGrpc.AdminServiceStub admin(String key) {
    return stubs.withKey(AdminServiceGrpc.newStub(stubs.channel()), key);
  }

  private DeliveryServiceGrpc.DeliveryServiceStub delivery(String key) {
    return stubs.withKey(DeliveryServiceGrpc.newStub(stubs.channel()), key);
  }
}
