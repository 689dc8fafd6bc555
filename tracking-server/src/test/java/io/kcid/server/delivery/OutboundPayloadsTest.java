package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.FxState;
import io.kcid.proto.tracking.v1.Money;
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
        .containsEntry("kcid", "k1").containsEntry("partner", "")
        .containsEntry("reporting_value", "").containsEntry("reporting_currency", "");
  }

  @Test
  void aConvertedValueTravelsWithTheRateUsed() {
    OutboundMessage m = message();
    Conversion converted = m.event().conversion().toBuilder()
        .setValue(Money.newBuilder().setAmount("12.5").setCurrencyCode("USD"))
        .setConvertedValue(Money.newBuilder().setAmount("11.52").setCurrencyCode("EUR"))
        .setFxRate("0.921234").setFxRateDate("2026-12-03").setFxState(FxState.FX_STATE_CONVERTED)
        .build();
    OutboundEvent e = m.event();
    OutboundMessage withFx = new OutboundMessage(m.deliveryId(), m.destination(), List.of(),
        new OutboundEvent(e.accountId(), e.partnerId(), e.trigger(), converted, null, e.eventTime()));
    assertThat(OutboundPayloads.postbackValues(withFx)).containsEntry("value", "12.5").containsEntry("currency", "USD")
        .containsEntry("reporting_value", "11.52").containsEntry("reporting_currency", "EUR");
    JsonObject reporting = JsonParser.parseString(new String(OutboundPayloads.webhookBody(withFx), StandardCharsets.UTF_8))
        .getAsJsonObject().getAsJsonObject("data").getAsJsonObject("reporting_value");
    assertThat(reporting.get("amount").getAsString()).isEqualTo("11.52");
    assertThat(reporting.get("currency").getAsString()).isEqualTo("EUR");
    assertThat(reporting.get("fx_rate").getAsString()).isEqualTo("0.921234");
    assertThat(reporting.get("fx_rate_date").getAsString()).isEqualTo("2026-12-03");
  }

  @Test
  void aMissingRateLeavesTheReportingValueEmpty() {
    OutboundMessage m = message();
    // While the rate is missing only the reporting currency is set (docs/reporting-currency.md).
    Conversion missing = m.event().conversion().toBuilder()
        .setValue(Money.newBuilder().setAmount("5").setCurrencyCode("JPY"))
        .setConvertedValue(Money.newBuilder().setCurrencyCode("EUR")).setFxState(FxState.FX_STATE_RATE_MISSING)
        .build();
    OutboundEvent e = m.event();
    OutboundMessage pending = new OutboundMessage(m.deliveryId(), m.destination(), List.of(),
        new OutboundEvent(e.accountId(), e.partnerId(), e.trigger(), missing, null, e.eventTime()));
    assertThat(OutboundPayloads.postbackValues(pending)).containsEntry("value", "5")
        .containsEntry("reporting_value", "").containsEntry("reporting_currency", "");
    assertThat(JsonParser.parseString(new String(OutboundPayloads.webhookBody(pending), StandardCharsets.UTF_8))
        .getAsJsonObject().getAsJsonObject("data").get("reporting_value").isJsonNull()).isTrue();
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
        "reporting_value", "transaction_id", "event_time", "record_time", "click_time", "test", "click", "delivery_id");
    assertThat(data.get("click").isJsonNull()).isTrue();
    assertThat(data.get("value").isJsonNull()).isTrue();
    assertThat(data.get("reporting_value").isJsonNull()).isTrue();
    assertThat(data.get("status_label").getAsString()).isEqualTo("rejected");
    assertThat(data.get("test").getAsBoolean()).isTrue();
  }
  @Test
  void aPostbackUriFillsEachOfItsMacrosWithTheSameValueAsTheFullSet() {
    String url = "https://t.example/pb/{goal}?" + PostbackTemplate.MACROS.stream().sorted()
        .map(m -> m + "={" + m + "}").collect(java.util.stream.Collectors.joining("&"));
    OutboundMessage m = message();
    Destination postback = m.destination().toBuilder().setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl(url)
        .putStatusMap("rejected", "2").build();
    io.kcid.proto.tracking.v1.Click click = io.kcid.proto.tracking.v1.Click.newBuilder()
        .setCampaignId("spring sale").setCreativeId("cr/1").putSubIds("s1", "a&b=c").putSubIds("s10", "ten")
        .setClickTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_796_000_000))
        .build();
    OutboundEvent e = m.event();
    OutboundMessage withClick = new OutboundMessage(m.deliveryId(), postback, List.of(),
        new OutboundEvent(e.accountId(), "partner-9", e.trigger(), e.conversion(), click, e.eventTime()));

    java.net.URI uri = OutboundPayloads.postbackUri(withClick);

    assertThat(uri).isEqualTo(PostbackTemplate.parse(url).render(OutboundPayloads.postbackValues(withClick)));
    assertThat(uri.getRawQuery()).contains("s1=a%26b%3Dc", "s10=ten", "s2=&", "campaign=spring+sale", "creative=cr%2F1",
        "status=2", "partner=partner-9", "click_time=1796000000", "delivery_id=dlv_x", "kcid=k1");
    assertThat(uri.getRawPath()).isEqualTo("/pb/lead");
  }
}
