package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import java.util.concurrent.CompletionStage;

/**
 * The per-account delivery log, as DeliveryService serves it: jobs with their attempts, and
 * redelivery of dead-lettered (or delivered) jobs under their original delivery ids. Requests
 * arrive validated for scope; implementations validate their own fields.
 */
public interface DeliveryLog {
  CompletionStage<ListDeliveriesResponse> list(ListDeliveriesRequest request);

  CompletionStage<RedeliverResponse> redeliver(RedeliverRequest request);
}
