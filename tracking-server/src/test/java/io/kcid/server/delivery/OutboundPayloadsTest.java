package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Macro values and webhook bodies when the click has expired and no value or status map is set. */
class OutboundPayloadsTest {
  private static OutboundMessage message() {
    Destination d = Destination.newBuilder()
        .setDestinationId("d").setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl("https://hooks.example/k")
        .build();
    Conversion c = Conversion.newBuilder()
        .setConversionId("c-1").setKcid("k1").setGoalKey("lead").setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED)
        .setTest(true)
        .build();
    return new OutboundMessage(
        "dlv_x", d, List.of(),
        new OutboundEvent("acme", "", DeliveryTrigger.DELIVERY_TRIGGER_REJECTED, c, null, Instant.parse("2026-12-04T00:00:00Z")));
  }

  @Test
  void macrosOfAnExpiredClickRenderEmptyAndTheStatusIsKcidsWord() {
    Map<String, String> values = OutboundPayloads.postbackValues(message());
    assertThat(values.keySet()).isEqualTo(PostbackTemplate.MACROS);
    assertThat(values).containsEntry("campaign", "").containsEntry("s3", "").containsEntry("click_time", "")
        .containsEntry("value", "").containsEntry("status", "rejected").containsEntry("event", "rejected")
        .containsEntry("kcid", "k1").containsEntry("partner", "");
  }

  @Test
  void theWebhookBodyHasEveryFieldWithNullsForTheUnknown() {
    byte[] body = OutboundPayloads.webhookBody(message());
    assertThat(body).isEqualTo(OutboundPayloads.webhookBody(message())); // same bytes on every attempt
    JsonObject json = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
    assertThat(json.get("type").getAsString()).isEqualTo("conversion.rejected");
    JsonObject data = json.getAsJsonObject("data");
    assertThat(data.keySet()).containsExactlyInAnyOrder(
        "conversion_id", "kcid", "account_id", "partner_id", "goal", "status", "status_label", "value",
        "transaction_id", "event_time", "record_time", "click_time", "test", "click", "delivery_id");
    assertThat(data.get("click").isJsonNull()).isTrue();
    assertThat(data.get("value").isJsonNull()).isTrue();
    assertThat(data.get("status_label").getAsString()).isEqualTo("rejected");
    assertThat(data.get("test").getAsBoolean()).isTrue();
  }
}
