package io.kcid.server.delivery;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a destination receives for an event: the macro values of a postback URL and the JSON body
 * of a webhook. Times in postback macros ({click_time}, {conversion_time}) are unix seconds, the
 * form trackers' postback parameters expect; times in webhook bodies are RFC 3339 (UTC).
 * {conversion_time} is the conversion's event time (when the advertiser says it happened).
 */
public final class OutboundPayloads {
  // Nulls kept: a receiver sees every documented field, null when unknown (e.g. an expired click).
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  private OutboundPayloads() {}

  /** The postback URL for the message's destination, its macros filled and encoded. */
  public static URI postbackUri(OutboundMessage message) {
    // Only the template's own macros are worked out (a postback uses a few of the 28).
    return template(message.destination().getUrl()).render(macro -> macroValue(message, macro));
  }

  /** Where the message's postback goes: {@link #postbackUri}'s URL, not parsed again. */
  public static RequestTarget postbackTarget(OutboundMessage message) {
    return template(message.destination().getUrl()).target(macro -> macroValue(message, macro));
  }

  /** Parsed templates by URL: every delivery to a destination renders the same one. */
  private static final Map<String, PostbackTemplate> TEMPLATES = new ConcurrentHashMap<>();
  private static final int TEMPLATES_KEPT = 10_000;

  private static PostbackTemplate template(String url) {
    PostbackTemplate parsed = TEMPLATES.get(url);
    if (parsed == null) {
      parsed = PostbackTemplate.parse(url); // an invalid one throws, and is not kept
      if (TEMPLATES.size() >= TEMPLATES_KEPT) {
        TEMPLATES.clear(); // destinations change rarely: start over rather than track use
      }
      TEMPLATES.put(url, parsed);
    }
    return parsed;
  }

  /**
   * The value in the account's reporting currency with the rate used, or null when the account
   * has none or the conversion's rate is still missing ({@code fx_state} says which).
   */
  private static JsonObject reportingValue(Conversion c) {
    if (!converted(c)) {
      return null;
    }
    JsonObject value = new JsonObject();
    value.addProperty("amount", plainAmount(c.getConvertedValue().getAmount()));
    value.addProperty("currency", c.getConvertedValue().getCurrencyCode());
    value.addProperty("fx_rate", c.getFxRate());
    value.addProperty("fx_rate_date", c.getFxRateDate());
    return value;
  }

  /** Whether the conversion has its value in the reporting currency (a missing rate leaves only the currency set). */
  private static boolean converted(Conversion c) {
    return c.hasConvertedValue() && !c.getConvertedValue().getAmount().isEmpty();
  }

  /** The value of every macro in {@link PostbackTemplate#MACROS} for the message (empty when unknown). */
  public static Map<String, String> postbackValues(OutboundMessage message) {
    Map<String, String> values = new HashMap<>();
    for (String macro : PostbackTemplate.MACROS) {
      values.put(macro, macroValue(message, macro));
    }
    return values;
  }

  /** One macro's value for the message (empty when unknown, or not a macro). */
  static String macroValue(OutboundMessage message, String macro) {
    OutboundEvent event = message.event();
    Conversion c = event.conversion();
    Click click = event.click() == null ? Click.getDefaultInstance() : event.click();
    return switch (macro) {
      case "kcid" -> c.getKcid();
      case "campaign" -> click.getCampaignId();
      case "creative" -> click.getCreativeId();
      case "placement" -> click.getPlacementId();
      case "click_time" -> unixSeconds(click.hasClickTime() ? click.getClickTime() : c.getClickTime());
      case "goal" -> c.getGoalKey();
      case "value" -> c.hasValue() ? plainAmount(c.getValue().getAmount()) : "";
      case "currency" -> c.hasValue() ? c.getValue().getCurrencyCode() : "";
      // In the account's reporting currency; empty until converted (no reporting currency, a missing rate).
      case "reporting_value" -> converted(c) ? plainAmount(c.getConvertedValue().getAmount()) : "";
      case "reporting_currency" -> converted(c) ? c.getConvertedValue().getCurrencyCode() : "";
      case "txid" -> c.getTransactionId();
      case "status" -> statusLabel(message, c.getStatus());
      case "conversion_id" -> c.getConversionId();
      case "conversion_time" -> unixSeconds(c.hasEventTime() ? c.getEventTime() : c.getRecordTime());
      case "account" -> event.accountId();
      case "partner" -> event.partnerId();
      case "delivery_id" -> message.deliveryId();
      case "event" -> triggerWord(event.trigger());
      default -> PostbackTemplate.SUB_IDS.contains(macro) ? click.getSubIdsOrDefault(macro, "") : "";
    };
  }

  /**
   * The webhook body: {@code {"type": "conversion.<event>", "timestamp": <event time>, "data": {…}}}
   * (fields in docs/deliveries.md). It depends only on the event, so every attempt of a job sends
   * the same bytes.
   */
  public static byte[] webhookBody(OutboundMessage message) {
    OutboundEvent event = message.event();
    Conversion c = event.conversion();
    JsonObject data = new JsonObject();
    data.addProperty("conversion_id", c.getConversionId());
    data.addProperty("kcid", c.getKcid());
    data.addProperty("account_id", event.accountId());
    data.addProperty("partner_id", event.partnerId());
    data.addProperty("goal", c.getGoalKey());
    data.addProperty("status", statusWord(c.getStatus()));
    data.addProperty("status_label", statusLabel(message, c.getStatus()));
    if (c.hasValue()) {
      JsonObject value = new JsonObject();
      value.addProperty("amount", plainAmount(c.getValue().getAmount()));
      value.addProperty("currency", c.getValue().getCurrencyCode());
      data.add("value", value);
    } else {
      data.add("value", null);
    }
    data.add("reporting_value", reportingValue(c));
    data.addProperty("transaction_id", c.getTransactionId());
    data.addProperty("event_time", rfc3339(c.hasEventTime() ? c.getEventTime() : null));
    data.addProperty("record_time", rfc3339(c.hasRecordTime() ? c.getRecordTime() : null));
    Click click = event.click();
    Timestamp clickTime =
        click != null && click.hasClickTime() ? click.getClickTime() : c.hasClickTime() ? c.getClickTime() : null;
    data.addProperty("click_time", rfc3339(clickTime));
    data.addProperty("test", c.getTest());
    if (click != null) {
      JsonObject clickJson = new JsonObject();
      clickJson.addProperty("campaign", click.getCampaignId());
      clickJson.addProperty("creative", click.getCreativeId());
      clickJson.addProperty("placement", click.getPlacementId());
      JsonObject subIds = new JsonObject();
      new TreeMap<>(click.getSubIdsMap()).forEach(subIds::addProperty);
      clickJson.add("sub_ids", subIds);
      data.add("click", clickJson);
    } else {
      data.add("click", null);
    }
    data.addProperty("delivery_id", message.deliveryId());
    JsonObject body = new JsonObject();
    body.addProperty("type", "conversion." + triggerWord(event.trigger()));
    body.addProperty("timestamp", event.eventTime().toString());
    body.add("data", data);
    return GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
  }

  /** kcid's word for a status: pending, approved, rejected (empty when unspecified). */
  public static String statusWord(ConversionStatus status) {
    return switch (status) {
      case CONVERSION_STATUS_PENDING -> "pending";
      case CONVERSION_STATUS_APPROVED -> "approved";
      case CONVERSION_STATUS_REJECTED -> "rejected";
      default -> "";
    };
  }

  /** The event's word: recorded, pending, approved, rejected. */
  public static String triggerWord(DeliveryTrigger trigger) {
    return switch (trigger) {
      case DELIVERY_TRIGGER_RECORDED -> "recorded";
      case DELIVERY_TRIGGER_PENDING -> "pending";
      case DELIVERY_TRIGGER_APPROVED -> "approved";
      case DELIVERY_TRIGGER_REJECTED -> "rejected";
      default -> "unspecified";
    };
  }

  private static String statusLabel(OutboundMessage message, ConversionStatus status) {
    String word = statusWord(status);
    return message.destination().getStatusMapOrDefault(word, word);
  }

  private static String plainAmount(String amount) {
    if (amount.isEmpty()) {
      return "";
    }
    try {
      return new BigDecimal(amount).toPlainString();
    } catch (NumberFormatException e) {
      return amount; // stored amounts are validated decimals; pass anything else through untouched
    }
  }

  private static String unixSeconds(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0 ? "" : Long.toString(t.getSeconds());
  }

  private static String rfc3339(Timestamp t) {
    if (t == null) {
      return null;
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }
}
