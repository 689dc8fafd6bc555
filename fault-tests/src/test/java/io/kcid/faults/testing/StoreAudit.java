package io.kcid.faults.testing;

import io.grpc.ManagedChannel;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads back what the store holds, through the public API. */
public final class StoreAudit {
  private StoreAudit() {}

  /** Every conversion of these clicks. */
  public static List<Conversion> conversions(ManagedChannel channel, Collection<String> kcids) {
    ConversionServiceGrpc.ConversionServiceBlockingStub stub = ConversionServiceGrpc.newBlockingStub(channel);
    List<Conversion> all = new ArrayList<>();
    for (String kcid : kcids) {
      String token = "";
      do {
        ListConversionsResponse page = stub.withDeadlineAfter(10, TimeUnit.SECONDS).listConversions(
            ListConversionsRequest.newBuilder().setKcid(kcid).setPageSize(1000).setPageToken(token).build());
        all.addAll(page.getConversionsList());
        token = page.getNextPageToken();
      } while (!token.isEmpty());
    }
    return all;
  }
}
