package io.kcid.server.delivery.http;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.OutboundEvent;
import io.kcid.server.delivery.OutboundMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shared pieces of the sender tests: a delivery config and a minimal postback attempt. */
final class SenderFixtures {
  private SenderFixtures() {}

  /** Defaults but for the allowlist and the whole-attempt timeout (connect: 2 s). */
  static DeliveryConfig config(List<String> allowedNetworks, Duration requestTimeout) {
    return new DeliveryConfig(
        true, Duration.ofDays(3), allowedNetworks, Duration.ofSeconds(2), requestTimeout, 4,
        Duration.ofDays(7), Duration.ofHours(6));
  }

  /** Sends a postback of a bare conversion to {@code url} and waits for its result. */
  static AttemptResult sendPostback(HttpDeliverySender sender, String url) throws Exception {
    Destination d = Destination.newBuilder()
        .setDestinationId("d").setAccountId("acme").setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl(url)
        .build();
    OutboundEvent event = new OutboundEvent(
        "acme", "", DeliveryTrigger.DELIVERY_TRIGGER_RECORDED,
        Conversion.newBuilder().setConversionId("c-1").build(), null, Instant.now());
    return sender.send(new OutboundMessage("dlv_1", d, List.of(), event)).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
