package io.kcid.server.destination;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.server.delivery.DeliveryLog;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Stand-ins for delivery parts a server is built without (the delivery log, until it is wired):
 * each call fails with UNAVAILABLE (BACKEND_UNAVAILABLE) naming the missing part, so nothing
 * pretends to have logged anything.
 */
public final class NotWired {
  private NotWired() {}

  /** A delivery log that answers every call with UNAVAILABLE "delivery log not wired". */
  public static DeliveryLog deliveryLog() {
    return new DeliveryLog() {
      @Override
      public CompletionStage<ListDeliveriesResponse> list(ListDeliveriesRequest request) {
        return unavailable("delivery log not wired");
      }

      @Override
      public CompletionStage<RedeliverResponse> redeliver(RedeliverRequest request) {
        return unavailable("delivery log not wired");
      }
    };
  }

  private static <T> CompletionStage<T> unavailable(String what) {
    // UNAVAILABLE with a reason code, as every refusal carries one.
    return CompletableFuture.failedFuture(
        new KcidException(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE, what, Map.of("part", what.replace(" not wired", ""))));
  }
}
