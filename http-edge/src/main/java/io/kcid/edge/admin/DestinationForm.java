package io.kcid.edge.admin;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A destination's delivery settings as the web view shows and edits them, in the CLI's words
 * ({@code ./kcid destination create|update --on --status-map --concurrency --rate}): the events it
 * is sent on, the receiver's word for each kcid status, and its concurrency and rate limits. The
 * form only translates words; the server validates the settings exactly as for the CLI and the API.
 */
final class DestinationForm {
  /** kcid's words for the triggers, in the order the form shows them (accepted = recorded). */
  private static final List<Map.Entry<String, DeliveryTrigger>> TRIGGERS = List.of(
      Map.entry("accepted", DeliveryTrigger.DELIVERY_TRIGGER_RECORDED),
      Map.entry("pending", DeliveryTrigger.DELIVERY_TRIGGER_PENDING),
      Map.entry("approved", DeliveryTrigger.DELIVERY_TRIGGER_APPROVED),
      Map.entry("rejected", DeliveryTrigger.DELIVERY_TRIGGER_REJECTED));
  /** The status map's keys (the server's words for a conversion's status). */
  private static final List<String> STATUSES = List.of("pending", "approved", "rejected");
  /** Far above any sane limit; keeps a typo from reading as a number the server must refuse. */
  private static final int MAX_DIGITS = 6;

  private DestinationForm() {}

  /** What the form asks for: every field is replaced (an unchecked box or an empty word is a choice too). */
  record Settings(List<DeliveryTrigger> triggers, Map<String, String> statusMap, int maxConcurrency, int maxRequestsPerSecond) {}

  /**
   * The settings a submitted form describes.
   *
   * @throws Rejection INVALID_PARAMETER for a limit that is not a whole number
   */
  static Settings settings(ActionForm form) {
    List<DeliveryTrigger> triggers = new ArrayList<>();
    for (Map.Entry<String, DeliveryTrigger> t : TRIGGERS) {
      if (form.checked("on_" + t.getKey())) {
        triggers.add(t.getValue());
      }
    }
    Map<String, String> statusMap = new LinkedHashMap<>();
    for (String status : STATUSES) {
      String word = form.get("word_" + status);
      if (!word.isEmpty()) {
        statusMap.put(status, word);
      }
    }
    return new Settings(triggers, statusMap, limit(form, "max_concurrency", "Max requests in flight"),
        limit(form, "max_requests_per_second", "Max requests per second"));
  }

  /**
   * The settings' inputs, filled from {@code d} (null: a new destination); element ids start with
   * {@code idPrefix} so each row's form can be driven on its own.
   */
  static void fields(Html html, String idPrefix, Destination d) {
    html.raw("<fieldset><legend>Send on (none ticked: every event)</legend>");
    for (Map.Entry<String, DeliveryTrigger> t : TRIGGERS) {
      boolean on = d != null && d.getTriggersList().contains(t.getValue());
      html.raw("<label><input type=\"checkbox\" id=\"").text(idPrefix + "-on-" + t.getKey()).raw("\" name=\"on_").text(t.getKey())
          .raw("\" value=\"on\"").raw(on ? " checked" : "").raw("> ").text(t.getKey()).raw("</label> ");
    }
    html.raw("</fieldset><fieldset><legend>The receiver's word for each status (empty: kcid's word)</legend>");
    for (String status : STATUSES) {
      String word = d == null ? "" : d.getStatusMapOrDefault(status, "");
      html.raw("<label>").text(status).raw(" <input size=\"10\" maxlength=\"64\" id=\"").text(idPrefix + "-word-" + status)
          .raw("\" name=\"word_").text(status).raw("\" value=\"").text(word).raw("\"></label> ");
    }
    html.raw("</fieldset><label>Max requests in flight (0: the server's default) <input size=\"4\" id=\"")
        .text(idPrefix + "-concurrency").raw("\" name=\"max_concurrency\" value=\"")
        .text(d == null ? "0" : Integer.toString(d.getMaxConcurrency()))
        .raw("\"></label> <label>Max requests per second (0: unlimited) <input size=\"6\" id=\"").text(idPrefix + "-rate")
        .raw("\" name=\"max_requests_per_second\" value=\"")
        .text(d == null ? "0" : Integer.toString(d.getMaxRequestsPerSecond())).raw("\"></label> ");
  }

  /** "on accepted, approved; approved → 1, rejected → 2; 8 in flight, 50/s": the destination table's cell. */
  static String describe(Destination d) {
    List<String> parts = new ArrayList<>();
    List<String> on = new ArrayList<>();
    for (Map.Entry<String, DeliveryTrigger> t : TRIGGERS) {
      if (d.getTriggersList().contains(t.getValue())) {
        on.add(t.getKey());
      }
    }
    parts.add(on.isEmpty() ? "on every event" : "on " + String.join(", ", on));
    List<String> words = new ArrayList<>();
    for (String status : STATUSES) {
      if (d.containsStatusMap(status)) {
        words.add(status + " → " + d.getStatusMapOrThrow(status));
      }
    }
    if (!words.isEmpty()) {
      parts.add(String.join(", ", words));
    }
    parts.add((d.getMaxConcurrency() == 0 ? "default" : Integer.toString(d.getMaxConcurrency())) + " in flight");
    parts.add(d.getMaxRequestsPerSecond() == 0 ? "no rate limit" : d.getMaxRequestsPerSecond() + "/s");
    return String.join("; ", parts);
  }

  private static int limit(ActionForm form, String field, String label) {
    String value = form.get(field);
    if (value.isEmpty()) {
      return 0;
    }
    if (value.length() > MAX_DIGITS || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "'" + label + "' is a whole number from 0 to 999999 (got '" + (value.length() > 20 ? value.substring(0, 20) + "…" : value) + "').");
    }
    return Integer.parseInt(value);
  }
}
