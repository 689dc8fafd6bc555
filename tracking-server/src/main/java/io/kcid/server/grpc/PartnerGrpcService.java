package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.CreatePartnerResponse;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.DeletePartnerResponse;
import io.kcid.proto.tracking.v1.GetPartnerRequest;
import io.kcid.proto.tracking.v1.GetPartnerResponse;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerResponse;
import io.kcid.server.partner.admin.PartnerAdmin;
import io.kcid.server.partner.admin.PartnerDeletion;

/** {@code kcid.tracking.v1.PartnerService}. */
public final class PartnerGrpcService extends PartnerServiceGrpc.PartnerServiceImplBase {
  private final PartnerAdmin partners;
  private final PartnerDeletion deletion;

  public PartnerGrpcService(PartnerAdmin partners, PartnerDeletion deletion) {
    this.partners = partners;
    this.deletion = deletion;
  }

  @Override
  public void deletePartner(DeletePartnerRequest request, StreamObserver<DeletePartnerResponse> observer) {
    Replies.reply(observer, () -> deletion.deletePartner(request));
  }

  @Override
  public void createPartner(CreatePartnerRequest request, StreamObserver<CreatePartnerResponse> observer) {
    Replies.reply(
        observer,
        () -> partners.createPartner(request).thenApply(p -> CreatePartnerResponse.newBuilder().setPartner(p).build()));
  }

  @Override
  public void getPartner(GetPartnerRequest request, StreamObserver<GetPartnerResponse> observer) {
    Replies.reply(
        observer,
        () -> partners.getPartner(request.getPartnerId())
            .thenApply(p -> GetPartnerResponse.newBuilder().setPartner(p).build()));
  }

  @Override
  public void listPartners(ListPartnersRequest request, StreamObserver<ListPartnersResponse> observer) {
    Replies.reply(observer, () -> partners.listPartners(request));
  }

  @Override
  public void updatePartner(UpdatePartnerRequest request, StreamObserver<UpdatePartnerResponse> observer) {
    Replies.reply(
        observer,
        () -> partners.updatePartner(request).thenApply(p -> UpdatePartnerResponse.newBuilder().setPartner(p).build()));
  }
}
