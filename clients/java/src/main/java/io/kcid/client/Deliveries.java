package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc.DeliveryServiceBlockingStub;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.proto.tracking.v1.RotateDestinationSecretRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretResponse;
import io.kcid.proto.tracking.v1.TestDestinationRequest;
import io.kcid.proto.tracking.v1.TestDestinationResponse;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code kcid.tracking.v1.DeliveryService}: destinations (partner postbacks and signed webhooks,
 * verified with {@link WebhookVerifier}), the delivery log and redelivery; the generated blocking
 * stub with every failure thrown as {@link KcidException} (DESTINATION_NOT_FOUND,
 * DESTINATION_ALREADY_EXISTS, DESTINATION_ADDRESS_FORBIDDEN, DELIVERY_NOT_FOUND …). A destination
 * belongs to an {@link Owner}: an account, or a partner whose destinations apply to all its accounts.
 */
public final class Deliveries {
  /**
   * TestDestination waits for the receiver's answer (the server's KCID_DELIVERY_TIMEOUT, 10 s by
   * default), longer than the client's default deadline; the shared service config gives it 30 s too.
   */
  static final Duration TEST_DEADLINE = Duration.ofSeconds(30);

  private final DeliveryServiceBlockingStub stub;

  Deliveries(DeliveryServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** Whose a destination is: exactly one of an account and a partner. */
  public record Owner(String accountId, String partnerId) {
    public Owner {
      accountId = accountId == null ? "" : accountId;
      partnerId = partnerId == null ? "" : partnerId;
    }

    /** An account's own destinations. */
    public static Owner account(String accountId) {
      return new Owner(accountId, "");
    }

    /** A partner's destinations, inherited by every account of the partner. */
    public static Owner partner(String partnerId) {
      return new Owner("", partnerId);
    }
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public DeliveryServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Deliveries withDeadline(Duration deadline) {
    return new Deliveries(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * Creates a destination; for a webhook the response carries its signing secret ({@code whsec_…},
   * shown only now). An unknown macro in a postback URL is INVALID_PARAMETER naming it.
   */
  public CreateDestinationResponse createDestination(CreateDestinationRequest request) {
    return call(() -> stub.createDestination(request));
  }

  /** Creates a webhook destination (a signed JSON POST to {@code url}); "" lets the server name it. */
  public CreateDestinationResponse createWebhook(Owner owner, String destinationId, String url) {
    return createDestination(CreateDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId)
        .setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl(url).build());
  }

  /** Creates a postback destination: a GET of {@code urlTemplate} with its {@code {macros}} filled in. */
  public Destination createPostback(Owner owner, String destinationId, String urlTemplate) {
    return createDestination(CreateDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId)
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl(urlTemplate).build()).getDestination();
  }

  /** One destination; DESTINATION_NOT_FOUND when there is none. */
  public Destination getDestination(Owner owner, String destinationId) {
    return call(() -> stub.getDestination(GetDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).build())).getDestination();
  }

  /** An account's destinations (its own and its partner's, whose {@code partner_id} is set), or a partner's. */
  public List<Destination> listDestinations(Owner owner) {
    return call(() -> stub.listDestinations(ListDestinationsRequest.newBuilder()
        .setAccountId(owner.accountId()).setPartnerId(owner.partnerId()).build())).getDestinationsList();
  }

  /** Changes the fields the request sets (url, paused, limits; the replace flags for lists and the status map). */
  public Destination updateDestination(UpdateDestinationRequest request) {
    return call(() -> stub.updateDestination(request)).getDestination();
  }

  /** Pauses a destination: its jobs wait, neither sent nor dropped. */
  public Destination pause(Owner owner, String destinationId) {
    return setPaused(owner, destinationId, true);
  }

  /** Resumes a paused destination (and closes an open circuit breaker). */
  public Destination resume(Owner owner, String destinationId) {
    return setPaused(owner, destinationId, false);
  }

  private Destination setPaused(Owner owner, String destinationId, boolean paused) {
    return updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).setPaused(paused).build());
  }

  /** Deletes a destination; its pending jobs are cancelled. DESTINATION_NOT_FOUND. */
  public void deleteDestination(Owner owner, String destinationId) {
    call(() -> stub.deleteDestination(DeleteDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).build()));
  }

  /**
   * Sends a synthetic test conversion now (delivery id {@code test_…}; nothing queued or retried)
   * and returns the attempt and the URL requested. Waits up to 30 s unless this copy has a deadline.
   */
  public TestDestinationResponse testDestination(Owner owner, String destinationId) {
    DeliveryServiceBlockingStub s = stub.getCallOptions().getDeadline() == null
        ? stub.withDeadlineAfter(TEST_DEADLINE.toNanos(), TimeUnit.NANOSECONDS) : stub;
    return call(() -> s.testDestination(TestDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(destinationId).build()));
  }

  /**
   * Gives a webhook destination a new signing secret (returned once); the previous one keeps
   * signing beside it for {@code gracePeriod} (null: the server's 24 h; at most 30 days).
   */
  public RotateDestinationSecretResponse rotateSecret(Owner owner, String destinationId, Duration gracePeriod) {
    RotateDestinationSecretRequest.Builder request = RotateDestinationSecretRequest.newBuilder()
        .setAccountId(owner.accountId()).setPartnerId(owner.partnerId()).setDestinationId(destinationId);
    if (gracePeriod != null) {
      request.setGracePeriod(com.google.protobuf.Duration.newBuilder()
          .setSeconds(gracePeriod.getSeconds()).setNanos(gracePeriod.getNano()));
    }
    return call(() -> stub.rotateDestinationSecret(request.build()));
  }

  /** One page of an account's delivery log, newest first; see {@link #listAllDeliveries}. */
  public ListDeliveriesResponse listDeliveries(ListDeliveriesRequest request) {
    return call(() -> stub.listDeliveries(request));
  }

  /**
   * Every job of the request's account, newest first, with its attempts, filtered as the request
   * says (failed only, destination, kcid), fetching pages of its page size as the stream is
   * consumed; a failed page throws {@link KcidException} from the stream.
   */
  public Stream<Delivery> listAllDeliveries(ListDeliveriesRequest request) {
    return Pages.stream(token -> {
      ListDeliveriesResponse page = listDeliveries(request.toBuilder().setPageToken(token).build());
      return new Pages.Page<>(page.getDeliveriesList(), page.getNextPageToken());
    });
  }

  /**
   * Queues dead-lettered (with {@code include_delivered}, any) jobs again, keeping their delivery
   * ids, so {@code webhook-id}; {@code dry_run} queues nothing. Run {@link #previewRedeliver} first.
   */
  public RedeliverResponse redeliver(RedeliverRequest request) {
    return call(() -> stub.redeliver(request));
  }

  /** The delivery ids {@link #redeliver} would queue for this request; queues nothing (a dry run). */
  public List<String> previewRedeliver(RedeliverRequest request) {
    return redeliver(request.toBuilder().setDryRun(true).build()).getDeliveryIdsList();
  }

  static Deliveries of(io.grpc.Channel channel) {
    return new Deliveries(DeliveryServiceGrpc.newBlockingStub(channel));
  }
}
