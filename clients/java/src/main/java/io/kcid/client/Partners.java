package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.CreatePartnerResponse;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.DeletePartnerResponse;
import io.kcid.proto.tracking.v1.GetPartnerRequest;
import io.kcid.proto.tracking.v1.GetPartnerResponse;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc.PartnerServiceBlockingStub;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code kcid.tracking.v1.PartnerService}: partners (agencies, resellers) that own accounts and
 * switch S2S tracking on and off for all of them; the generated blocking stub with every failure
 * thrown as {@link KcidException}.
 */
public final class Partners {
  private final PartnerServiceBlockingStub stub;

  Partners(PartnerServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public PartnerServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Partners withDeadline(Duration deadline) {
    return new Partners(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** Creates a partner, S2S active unless {@code s2s_active} is false. PARTNER_ALREADY_EXISTS. */
  public CreatePartnerResponse createPartner(CreatePartnerRequest request) {
    return call(() -> stub.createPartner(request));
  }

  public GetPartnerResponse getPartner(GetPartnerRequest request) {
    return call(() -> stub.getPartner(request));
  }

  /** One partner; PARTNER_NOT_FOUND when there is none with this id. */
  public Partner getPartner(String partnerId) {
    return getPartner(GetPartnerRequest.newBuilder().setPartnerId(partnerId).build()).getPartner();
  }

  /** One page of partners ordered by id; see {@link #listAllPartners(int)}. */
  public ListPartnersResponse listPartners(ListPartnersRequest request) {
    return call(() -> stub.listPartners(request));
  }

  /**
   * Every partner ordered by id, fetching pages of {@code pageSize} (0: 100) as the stream is
   * consumed; a failed page throws {@link KcidException} from the stream.
   */
  public Stream<Partner> listAllPartners(int pageSize) {
    return Pages.stream(token -> {
      ListPartnersResponse page = listPartners(
          ListPartnersRequest.newBuilder().setPageSize(pageSize).setPageToken(token).build());
      return new Pages.Page<>(page.getPartnersList(), page.getNextPageToken());
    });
  }

  /** Changes the fields the request sets (display name, S2S switch, defaults). */
  public UpdatePartnerResponse updatePartner(UpdatePartnerRequest request) {
    return call(() -> stub.updatePartner(request));
  }

  /**
   * Switches S2S tracking of every account of the partner on or off: while off, new clicks and
   * postbacks fail with PARTNER_INACTIVE (every server sees it within its account cache TTL);
   * stored data stays readable.
   */
  public Partner setS2sActive(String partnerId, boolean active) {
    return updatePartner(UpdatePartnerRequest.newBuilder().setPartnerId(partnerId).setS2SActive(active).build())
        .getPartner();
  }

  public DeletePartnerResponse deletePartner(DeletePartnerRequest request) {
    return call(() -> stub.deletePartner(request));
  }

  /**
   * Deletes a partner; refused with PARTNER_HAS_ACCOUNTS while it owns accounts unless {@code
   * cascade}, which deletes them too. Returns the ids of the accounts deleted with it.
   */
  public List<String> deletePartner(String partnerId, boolean cascade) {
    return deletePartner(DeletePartnerRequest.newBuilder().setPartnerId(partnerId).setCascade(cascade).build())
        .getDeletedAccountIdsList();
  }

  static Partners of(io.grpc.Channel channel) {
    return new Partners(PartnerServiceGrpc.newBlockingStub(channel));
  }
}
