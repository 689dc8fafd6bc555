package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.DeleteDestinationResponse;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.GetDestinationResponse;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.ListDestinationsResponse;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.proto.tracking.v1.RotateDestinationSecretRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretResponse;
import io.kcid.proto.tracking.v1.TestDestinationRequest;
import io.kcid.proto.tracking.v1.TestDestinationResponse;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import io.kcid.proto.tracking.v1.UpdateDestinationResponse;
import io.kcid.server.delivery.DeliveryLog;
import io.kcid.server.destination.DestinationAdmin;
import io.kcid.server.destination.DestinationTester;

/** {@code kcid.tracking.v1.DeliveryService}: destinations (admin, test sends) and the delivery log. */
public final class DeliveryGrpcService extends DeliveryServiceGrpc.DeliveryServiceImplBase {
  private final DestinationAdmin destinations;
  private final DestinationTester tester;
  private final DeliveryLog deliveryLog;

  public DeliveryGrpcService(DestinationAdmin destinations, DestinationTester tester, DeliveryLog deliveryLog) {
    this.destinations = destinations;
    this.tester = tester;
    this.deliveryLog = deliveryLog;
  }

  @Override
  public void createDestination(CreateDestinationRequest request, StreamObserver<CreateDestinationResponse> observer) {
    Replies.reply(observer, () -> destinations.create(request));
  }

  @Override
  public void getDestination(GetDestinationRequest request, StreamObserver<GetDestinationResponse> observer) {
    Replies.reply(observer, () -> destinations.get(request.getAccountId(), request.getPartnerId(), request.getDestinationId())
        .thenApply(d -> GetDestinationResponse.newBuilder().setDestination(d).build()));
  }

  @Override
  public void listDestinations(ListDestinationsRequest request, StreamObserver<ListDestinationsResponse> observer) {
    Replies.reply(observer, () -> destinations.list(request.getAccountId(), request.getPartnerId()));
  }

  @Override
  public void updateDestination(UpdateDestinationRequest request, StreamObserver<UpdateDestinationResponse> observer) {
    Replies.reply(observer, () -> destinations.update(request)
        .thenApply(d -> UpdateDestinationResponse.newBuilder().setDestination(d).build()));
  }

  @Override
  public void deleteDestination(DeleteDestinationRequest request, StreamObserver<DeleteDestinationResponse> observer) {
    Replies.reply(observer, () -> destinations.delete(request.getAccountId(), request.getPartnerId(), request.getDestinationId())
        .thenApply(x -> DeleteDestinationResponse.getDefaultInstance()));
  }

  @Override
  public void testDestination(TestDestinationRequest request, StreamObserver<TestDestinationResponse> observer) {
    Replies.reply(observer, () -> tester.test(request));
  }

  @Override
  public void rotateDestinationSecret(
      RotateDestinationSecretRequest request, StreamObserver<RotateDestinationSecretResponse> observer) {
    Replies.reply(observer, () -> destinations.rotateSecret(request));
  }

  @Override
  public void listDeliveries(ListDeliveriesRequest request, StreamObserver<ListDeliveriesResponse> observer) {
    Replies.reply(observer, () -> deliveryLog.list(request));
  }

  @Override
  public void redeliver(RedeliverRequest request, StreamObserver<RedeliverResponse> observer) {
    Replies.reply(observer, () -> deliveryLog.redeliver(request));
  }
}
