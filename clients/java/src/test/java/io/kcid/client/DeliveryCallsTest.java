package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.kcid.client.Deliveries.Owner;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.DeleteDestinationResponse;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The requests the destination and delivery-log calls build, their page-following and a refusal's
 * reason, against a recording DeliveryService on a real local port.
 */
class DeliveryCallsTest {
  private static final List<Message> requests = new CopyOnWriteArrayList<>();
  private static Server server;
  private static KcidClient kcid;

  static <T> void answer(Message request, StreamObserver<T> out, T response) {
    requests.add(request);
    out.onNext(response);
    out.onCompleted();
  }

  static final class RecordingDeliveries extends DeliveryServiceGrpc.DeliveryServiceImplBase {
    @Override
    public void createDestination(CreateDestinationRequest request, StreamObserver<CreateDestinationResponse> out) {
      answer(request, out, CreateDestinationResponse.newBuilder()
          .setDestination(Destination.newBuilder().setDestinationId(request.getDestinationId()).setKind(request.getKind()))
          .setSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").build());
    }

    @Override
    public void getDestination(GetDestinationRequest request, StreamObserver<GetDestinationResponse> out) {
      if (request.getDestinationId().equals("gone")) {
        requests.add(request);
        out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Code.NOT_FOUND_VALUE).setMessage("no destination gone")
            .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
                .setReason("DESTINATION_NOT_FOUND").setDomain("tracking.kcid.io").build())).build()));
        return;
      }
      answer(request, out, GetDestinationResponse.newBuilder()
          .setDestination(Destination.newBuilder().setDestinationId(request.getDestinationId())).build());
    }

    @Override
    public void listDestinations(ListDestinationsRequest request, StreamObserver<ListDestinationsResponse> out) {
      answer(request, out, ListDestinationsResponse.newBuilder()
          .addDestinations(Destination.newBuilder().setDestinationId("own"))
          .addDestinations(Destination.newBuilder().setDestinationId("inherited").setPartnerId("agency-one")).build());
    }

    @Override
    public void updateDestination(UpdateDestinationRequest request, StreamObserver<UpdateDestinationResponse> out) {
      answer(request, out, UpdateDestinationResponse.newBuilder()
          .setDestination(Destination.newBuilder().setDestinationId(request.getDestinationId()).setPaused(request.getPaused()))
          .build());
    }

    @Override
    public void deleteDestination(DeleteDestinationRequest request, StreamObserver<DeleteDestinationResponse> out) {
      answer(request, out, DeleteDestinationResponse.getDefaultInstance());
    }

    @Override
    public void testDestination(TestDestinationRequest request, StreamObserver<TestDestinationResponse> out) {
      answer(request, out, TestDestinationResponse.newBuilder()
          .setAttempt(DeliveryAttempt.newBuilder().setStatusCode(204)).setRequestUrl("https://hooks.example/kcid").build());
    }

    @Override
    public void rotateDestinationSecret(RotateDestinationSecretRequest request,
        StreamObserver<RotateDestinationSecretResponse> out) {
      answer(request, out, RotateDestinationSecretResponse.newBuilder()
          .setSigningSecret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").build());
    }

    @Override
    public void listDeliveries(ListDeliveriesRequest request, StreamObserver<ListDeliveriesResponse> out) {
      boolean first = request.getPageToken().isEmpty();
      answer(request, out, ListDeliveriesResponse.newBuilder()
          .addDeliveries(Delivery.newBuilder().setDeliveryId(first ? "dlv_b" : "dlv_a"))
          .setNextPageToken(first ? "p2" : "").build());
    }

    @Override
    public void redeliver(RedeliverRequest request, StreamObserver<RedeliverResponse> out) {
      answer(request, out, RedeliverResponse.newBuilder().addDeliveryIds("dlv_a")
          .setDryRun(request.getDryRun()).build());
    }
  }

  @BeforeAll
  static void start() throws Exception {
    server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new RecordingDeliveries()).build().start();
    kcid = KcidClient.connect("127.0.0.1:" + server.getPort());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    kcid.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    requests.clear();
  }

  private static Message last() {
    return requests.get(requests.size() - 1);
  }

  @Test
  void createWebhookAndPostbackNameTheOwnerAndTheKind() {
    CreateDestinationResponse created = kcid.deliveries().createWebhook(Owner.account("acme"), "hooks", "https://hooks.example/kcid");
    assertThat(WebhookVerifier.of(created.getSigningSecret())).isNotNull();
    assertThat(last()).isEqualTo(CreateDestinationRequest.newBuilder().setAccountId("acme").setDestinationId("hooks")
        .setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl("https://hooks.example/kcid").build());
    kcid.deliveries().createPostback(Owner.partner("agency-one"), "", "https://t.example/pb?cid={s1}");
    assertThat(last()).isEqualTo(CreateDestinationRequest.newBuilder().setPartnerId("agency-one")
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl("https://t.example/pb?cid={s1}").build());
  }

  @Test
  void getListDeleteAndTestAddressTheOwnersDestination() {
    assertThat(kcid.deliveries().getDestination(Owner.partner("agency-one"), "pb").getDestinationId()).isEqualTo("pb");
    assertThat(last()).isEqualTo(GetDestinationRequest.newBuilder().setPartnerId("agency-one").setDestinationId("pb").build());
    assertThatThrownBy(() -> kcid.deliveries().getDestination(Owner.account("acme"), "gone"))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND));
    assertThat(kcid.deliveries().listDestinations(Owner.account("acme"))).extracting(Destination::getPartnerId)
        .containsExactly("", "agency-one");
    assertThat(last()).isEqualTo(ListDestinationsRequest.newBuilder().setAccountId("acme").build());
    kcid.deliveries().deleteDestination(Owner.account("acme"), "hooks");
    assertThat(last()).isEqualTo(DeleteDestinationRequest.newBuilder().setAccountId("acme").setDestinationId("hooks").build());
    assertThat(kcid.deliveries().testDestination(Owner.account("acme"), "hooks").getAttempt().getStatusCode()).isEqualTo(204);
    assertThat(last()).isEqualTo(TestDestinationRequest.newBuilder().setAccountId("acme").setDestinationId("hooks").build());
  }

  @Test
  void pauseAndResumeSendPausedEvenWhenFalse() {
    assertThat(kcid.deliveries().pause(Owner.account("acme"), "hooks").getPaused()).isTrue();
    UpdateDestinationRequest sent = (UpdateDestinationRequest) last();
    assertThat(sent.hasPaused()).isTrue();
    assertThat(sent.getPaused()).isTrue();
    assertThat(sent.hasUrl()).isFalse();
    assertThat(kcid.deliveries().resume(Owner.account("acme"), "hooks").getPaused()).isFalse();
    sent = (UpdateDestinationRequest) last();
    assertThat(sent.hasPaused()).isTrue();
    assertThat(sent.getPaused()).isFalse();
  }

  @Test
  void rotateSecretSendsTheGracePeriodOnlyWhenGiven() {
    kcid.deliveries().rotateSecret(Owner.account("acme"), "hooks", null);
    assertThat(((RotateDestinationSecretRequest) last()).hasGracePeriod()).isFalse();
    kcid.deliveries().rotateSecret(Owner.account("acme"), "hooks", Duration.ofHours(1));
    assertThat(((RotateDestinationSecretRequest) last()).getGracePeriod().getSeconds()).isEqualTo(3600);
  }

  @Test
  void listAllDeliveriesFollowsPageTokensWithTheFiltersAndPreviewRedeliverIsADryRun() {
    ListDeliveriesRequest request = ListDeliveriesRequest.newBuilder().setAccountId("acme").setFailedOnly(true)
        .setDestinationId("hooks").setPageSize(1).build();
    assertThat(kcid.deliveries().listAllDeliveries(request).map(Delivery::getDeliveryId)).containsExactly("dlv_b", "dlv_a");
    assertThat(last()).isEqualTo(request.toBuilder().setPageToken("p2").build());
    assertThat(kcid.deliveries().previewRedeliver(RedeliverRequest.newBuilder().setAccountId("acme")
        .setDeliveryId("dlv_a").setIncludeDelivered(true).build())).containsExactly("dlv_a");
    assertThat(last()).isEqualTo(RedeliverRequest.newBuilder().setAccountId("acme").setDeliveryId("dlv_a")
        .setIncludeDelivered(true).setDryRun(true).build());
  }
}
