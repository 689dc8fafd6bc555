package io.kcid.edge.admin;

import com.google.protobuf.Timestamp;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.PostbackOutcomes;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.ListDestinationsResponse;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.RefusalCount;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.StatusChange;
import io.kcid.proto.tracking.v1.TimeToConvertBucket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The web view's pages: every value goes through {@link Html#text}. */
final class AdminPages {
  private static final String STYLE =
      "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}"
          + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px}th{background:#eef}"
          + "nav a{margin-right:16px}.charts{display:flex;gap:24px;flex-wrap:wrap}h2{margin-top:28px}figure{margin:0}";
  private static final String[] BUCKETS = {"<1m", "<10m", "<1h", "<6h", "<1d", "<7d", "<30d", ">=30d"};

  private AdminPages() {}

  static String stats(
      String accountId, List<LocalDate> days, GetStatsResponse byDay, GetStatsResponse byCampaign, Breakdown by,
      AdminCaller who) {
    Html html = page("Account " + accountId, accountId, who);
    Map<String, StatsRow> rows = new HashMap<>();
    for (StatsRow row : byDay.getRowsList()) {
      rows.put(row.getPeriod(), row);
    }
    html.el("h2", "Last 7 days by day (UTC)");
    html.raw("<table>").head("Day", "Clicks", "Conversions", "Approved", "Pending", "Rejected", "Conversion rate");
    List<SvgChart.Bar> perDay = new ArrayList<>();
    for (LocalDate day : days) {
      StatsRow row = rows.getOrDefault(day.toString(), StatsRow.getDefaultInstance());
      html.row(day, row.getClicks(), row.getConversions(), row.getApprovedConversions(), row.getPendingConversions(),
          row.getRejectedConversions(), percent(row.getConversionRate()));
      perDay.add(new SvgChart.Bar(day.toString().substring(5), row.getConversions()));
    }
    StatsRow total = byDay.getTotal();
    html.row("Total", total.getClicks(), total.getConversions(), total.getApprovedConversions(),
        total.getPendingConversions(), total.getRejectedConversions(), percent(total.getConversionRate()));
    html.raw("</table>");
    html.raw("<div class=\"charts\"><figure>");
    SvgChart.bars(html, "Conversions per day", perDay, "#3b6fd8");
    html.raw("<figcaption>Conversions per day</figcaption></figure><figure>");
    List<SvgChart.Bar> histogram = new ArrayList<>();
    List<TimeToConvertBucket> buckets = total.getTimeToConvertList();
    for (int i = 0; i < BUCKETS.length; i++) {
      histogram.add(new SvgChart.Bar(BUCKETS[i], i < buckets.size() ? buckets.get(i).getConversions() : 0));
    }
    SvgChart.bars(html, "Time to convert", histogram, "#2e9e6a");
    html.raw("<figcaption>Time from click to conversion</figcaption></figure></div>");
    if (!total.getValuesList().isEmpty()) {
      html.el("h2", "Value");
      html.raw("<table>").head("Currency", "Approved", "Pending", "Rejected");
      total.getValuesList().forEach(v -> html.row(v.getCurrencyCode(), v.getApprovedAmount(), v.getPendingAmount(), v.getRejectedAmount()));
      if (total.hasReportingValue()) {
        // The account's reporting currency: every value converted at the ECB rate of its day.
        var reporting = total.getReportingValue();
        html.raw("<tr id=\"reporting-value\">").el("td", "All in " + reporting.getCurrencyCode())
            .el("td", reporting.getApprovedAmount()).el("td", reporting.getPendingAmount()).el("td", reporting.getRejectedAmount())
            .raw("</tr>");
      }
      html.raw("</table>");
      if (total.getMissingRatesCount() > 0) {
        html.raw("<p id=\"missing-rates\">").text("Not converted, no exchange rate for: " + String.join(", ",
            total.getMissingRatesList()) + " (load it with ./kcid fx load); never guessed.").raw("</p>");
      }
    }
    html.el("h2", "By campaign and " + by.header.toLowerCase(java.util.Locale.ROOT));
    // One detail dimension at a time, as the server keeps them; "-" is the clicks without one.
    html.raw("<form method=\"get\" id=\"breakdown\"><label>Break campaigns down by <select id=\"by\" name=\"by\">");
    for (Breakdown b : Breakdown.values()) {
      html.raw("<option value=\"").text(b.parameter).raw("\"").raw(b == by ? " selected" : "").raw(">").text(b.header)
          .raw("</option>");
    }
    html.raw("</select></label> <button id=\"breakdown-submit\" type=\"submit\">Show</button></form>");
    html.raw("<table id=\"by-campaign\">").head("Campaign", by.header, "Clicks", "Conversions", "Approved", "Pending", "Rejected");
    for (StatsRow row : byCampaign.getRowsList()) {
      String value = by.value.apply(row);
      html.row(row.getCampaignId(), value.isEmpty() ? "-" : value, row.getClicks(), row.getConversions(),
          row.getApprovedConversions(), row.getPendingConversions(), row.getRejectedConversions());
    }
    html.raw("</table>");
    return end(html);
  }

  /**
   * The account's log, then its unauthenticated refusals apart: their counts by reason and a
   * sample (anyone can send those, so they never share the log's table).
   */
  static String postbacks(String accountId, ListPostbacksResponse log, ListPostbacksResponse refused, AdminCaller who,
      ActionPages.Forms forms) {
    Html html = page("Postbacks of " + accountId, accountId, who);
    ActionPages.flash(html, forms);
    ActionPages.replayForm(html, accountId, forms);
    html.el("h2", "Latest " + log.getEntriesCount() + " postbacks (newest first)");
    entries(html, log);
    long total = log.getRefusalCountsList().stream().mapToLong(RefusalCount::getCount).sum();
    html.el("h2", "Unauthenticated refusals: " + total + " within the log's retention");
    html.raw("<p>").text("Postbacks refused for who sent them (no or bad token or signature, address not allowed,"
        + " another account's token on this account's click). Anyone can send these, so they are counted"
        + " and only sampled, apart from the log above.").raw("</p>");
    if (total > 0) {
      html.raw("<table>").head("Reason", "Count");
      for (RefusalCount count : log.getRefusalCountsList()) {
        html.row(reason(count.getReason()), count.getCount());
      }
      html.raw("</table>");
    }
    html.el("h2", "Latest " + refused.getEntriesCount() + " sampled refusals (newest first)");
    entries(html, refused);
    return end(html);
  }

  private static void entries(Html html, ListPostbacksResponse log) {
    html.raw("<table>").head("Time", "Outcome", "Reason", "Message", "kcid", "Goal", "Network");
    for (PostbackLogEntry entry : log.getEntriesList()) {
      String kcid = entry.getRequest().getKcid();
      html.raw("<tr>").el("td", time(entry.getReceiveTime())).el("td", PostbackOutcomes.label(entry))
          .el("td", reason(entry.getReason())).el("td", entry.getMessage()).raw("<td>");
      kcidLink(html, kcid);
      html.raw("</td>").el("td", entry.getRequest().getGoalKey()).el("td", entry.getSourceNetwork()).raw("</tr>");
    }
    html.raw("</table>");
  }

  /**
   * Where the account's conversions are sent onward and how that went: its destinations (a partner's
   * apply to all its accounts), then its latest jobs, newest first, each with its last attempt.
   * URLs are shown as configured (templates, no secrets: webhook secrets are never returned).
   */
  static String deliveries(String accountId, ListDestinationsResponse destinations, ListDeliveriesResponse log,
      AdminCaller who, ActionPages.Forms forms) {
    Html html = page("Deliveries of " + accountId, accountId, who);
    ActionPages.flash(html, forms);
    html.el("h2", "Destinations");
    destinations(html, ActionPages.base(accountId), destinations, forms);
    ActionPages.destinationForm(html, ActionPages.base(accountId), forms, "New destination of this account");
    ActionPages.redeliverForm(html, accountId, forms);
    html.el("h2", "Latest " + log.getDeliveriesCount() + " deliveries (newest first)");
    html.raw("<table>").head("Created", "Delivery id", "Destination", "kcid", "Goal", "Event", "State", "Attempts",
        "Last answer");
    for (Delivery d : log.getDeliveriesList()) {
      String last = "";
      if (d.getAttemptsCount() > 0) {
        DeliveryAttempt a = d.getAttempts(d.getAttemptsCount() - 1);
        last = (a.getStatusCode() == 0 ? "no answer" : "HTTP " + a.getStatusCode())
            + (a.getError().isEmpty() ? "" : ": " + a.getError());
      }
      html.raw("<tr>").el("td", time(d.getCreateTime())).el("td", d.getDeliveryId()).el("td", d.getDestinationId())
          .raw("<td>");
      kcidLink(html, d.getKcid());
      html.raw("</td>").el("td", d.getGoalKey()).el("td", trigger(d.getTrigger())).el("td", state(d.getState()))
          .el("td", d.getAttemptsCount()).el("td", last).raw("</tr>");
    }
    html.raw("</table>");
    return end(html);
  }

  /** Destinations with their state and, for a session, their buttons (posting under {@code base}). */
  private static void destinations(Html html, String base, ListDestinationsResponse destinations, ActionPages.Forms forms) {
    html.raw("<table id=\"destinations\">").head("Id", "Owner", "Kind", "URL", "Goals", "Sends", "State", "");
    for (Destination d : destinations.getDestinationsList()) {
      String owner = d.getPartnerId().isEmpty() ? "account" : "partner " + d.getPartnerId();
      String state = d.getPaused() ? "paused" : d.getCircuitOpen() ? "circuit open: " + d.getCircuitReason() : "active";
      html.raw("<tr id=\"destination-").text(d.getDestinationId()).raw("\">").el("td", d.getDestinationId()).el("td", owner)
          .el("td", kind(d.getKind())).el("td", d.getUrl())
          .el("td", d.getGoalKeysCount() == 0 ? "all" : String.join(", ", d.getGoalKeysList()))
          .raw("<td class=\"sends\">").text(DestinationForm.describe(d)).raw("</td>")
          .raw("<td class=\"state\">").text(state).raw("</td><td>");
      ActionPages.destinationButtons(html, base, d, forms);
      html.raw("</td></tr>");
    }
    html.raw("</table>");
  }

  private static String kind(DestinationKind kind) {
    return kind == DestinationKind.DESTINATION_KIND_WEBHOOK ? "webhook" : "postback";
  }

  /** The enum's own name without its prefix, lower case: RECORDED → recorded. */
  private static String trigger(DeliveryTrigger trigger) {
    return trigger.name().substring("DELIVERY_TRIGGER_".length()).toLowerCase(java.util.Locale.ROOT);
  }

  private static String state(DeliveryState state) {
    return state.name().substring("DELIVERY_STATE_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }

  static String explain(String kcid, ExplainClickResponse explain, AdminCaller who) {
    String account = explain.hasClick() ? explain.getClick().getAccountId() : null;
    Html html = page("kcid " + kcid, account, who);
    html.el("h2", "Diagnosis");
    html.raw("<table>").head("Valid", "Reason", "Hint", "Normalized", "Issued");
    var diagnosis = explain.getDiagnosis();
    html.row(diagnosis.getValid() ? "yes" : "no", reason(diagnosis.getReason()), diagnosis.getHint(),
        diagnosis.getNormalizedKcid(), diagnosis.hasIssueTime() ? time(diagnosis.getIssueTime()) : "");
    html.raw("</table>");
    html.el("h2", "Click");
    if (explain.hasClick()) {
      Click click = explain.getClick();
      html.raw("<table>").head("Account", "Campaign", "Creative", "Placement", "Sub ids", "Clicked", "Expires");
      html.row(click.getAccountId(), click.getCampaignId(), click.getCreativeId(), click.getPlacementId(),
          String.valueOf(new java.util.TreeMap<>(click.getSubIdsMap())), time(click.getClickTime()), time(click.getExpireTime()));
      html.raw("</table>");
    } else {
      html.raw("<p>").text(reason(explain.getClickMissingReason()) + ": " + explain.getClickMissingHint()).raw("</p>");
    }
    html.el("h2", "Conversions (" + explain.getConversionsCount() + ")");
    html.raw("<table>").head("Conversion", "Goal", "Status", "Value", "Transaction", "Recorded", "History");
    for (Conversion conversion : explain.getConversionsList()) {
      StringBuilder history = new StringBuilder();
      for (StatusChange change : conversion.getHistoryList()) {
        history.append(time(change.getChangeTime())).append(' ')
            .append(shortName(change.getFromStatus().name(), "CONVERSION_STATUS_")).append(" -> ")
            .append(shortName(change.getToStatus().name(), "CONVERSION_STATUS_"))
            .append(change.getReason().isEmpty() ? "" : " (" + change.getReason() + ")").append("; ");
      }
      html.row(conversion.getConversionId(), conversion.getGoalKey(), shortName(conversion.getStatus().name(), "CONVERSION_STATUS_"),
          money(conversion.getValue()), conversion.getTransactionId(), time(conversion.getRecordTime()), history);
    }
    html.raw("</table>");
    html.el("h2", "Postback attempts (" + explain.getAttemptsCount() + ")");
    html.raw("<table>").head("Time", "Outcome", "Reason", "Message", "Goal", "Network");
    for (PostbackLogEntry entry : explain.getAttemptsList()) {
      html.row(time(entry.getReceiveTime()), PostbackOutcomes.label(entry), reason(entry.getReason()),
          entry.getMessage(), entry.getRequest().getGoalKey(), entry.getSourceNetwork());
    }
    html.raw("</table>");
    if (explain.getUnauthenticatedAttemptsCount() > 0) {
      html.el("h2", "Refused for their credentials (" + explain.getUnauthenticatedAttemptsCount() + ", sampled)");
      html.raw("<table>").head("Time", "Outcome", "Reason", "Message", "Goal", "Network");
      for (PostbackLogEntry entry : explain.getUnauthenticatedAttemptsList()) {
        html.row(time(entry.getReceiveTime()), PostbackOutcomes.label(entry), reason(entry.getReason()),
            entry.getMessage(), entry.getRequest().getGoalKey(), entry.getSourceNetwork());
      }
      html.raw("</table>");
    }
    return end(html);
  }

  /**
   * The partner's accounts with their numbers of the last 7 UTC days, each linking to its account
   * page (the rows are the server's: one per account of the partner, zeros included).
   */
  static String partner(String partnerId, List<LocalDate> days, GetStatsResponse byAccount, ListDestinationsResponse destinations,
      AdminCaller who, ActionPages.Forms forms) {
    Html html = page("Partner " + partnerId, null, who);
    ActionPages.flash(html, forms);
    html.el("h2", "Accounts, last 7 days (UTC, " + days.get(0) + " to " + days.get(days.size() - 1) + ")");
    html.raw("<table>").head("Account", "Clicks", "Conversions", "Approved", "Pending", "Rejected", "Conversion rate",
        "Approved value", "Pending value");
    for (StatsRow row : byAccount.getRowsList()) {
      html.raw("<tr><td><a href=\"/admin/accounts/").text(URLEncoder.encode(row.getAccountId(), StandardCharsets.UTF_8))
          .raw("\">").text(row.getAccountId()).raw("</a></td>");
      numbers(html, row);
      html.raw("</tr>");
    }
    html.raw("<tr><td>Total</td>");
    numbers(html, byAccount.getTotal());
    html.raw("</tr></table>");
    html.el("h2", "Destinations of the partner (every account's conversions)");
    destinations(html, ActionPages.partnerBase(partnerId), destinations, forms);
    ActionPages.destinationForm(html, ActionPages.partnerBase(partnerId), forms, "New destination of this partner");
    return end(html);
  }

  private static void numbers(Html html, StatsRow row) {
    List<String> approved = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    for (var value : row.getValuesList()) {
      approved.add(value.getApprovedAmount() + " " + value.getCurrencyCode());
      pending.add(value.getPendingAmount() + " " + value.getCurrencyCode());
    }
    html.el("td", row.getClicks()).el("td", row.getConversions()).el("td", row.getApprovedConversions())
        .el("td", row.getPendingConversions()).el("td", row.getRejectedConversions()).el("td", percent(row.getConversionRate()))
        .el("td", String.join(", ", approved)).el("td", String.join(", ", pending));
  }

  /** The partners the signed-in key may see (the server cuts the list to its scope), each linking to its page. */
  static String partners(ListPartnersResponse listed, AdminCaller who) {
    Html html = page("Partners", null, who);
    html.raw("<table>").head("Partner", "Name", "S2S");
    for (Partner partner : listed.getPartnersList()) {
      html.raw("<tr><td><a href=\"/admin/partners/").text(URLEncoder.encode(partner.getPartnerId(), StandardCharsets.UTF_8))
          .raw("\">").text(partner.getPartnerId()).raw("</a></td>").el("td", partner.getDisplayName())
          .el("td", partner.getS2SActive() ? "on" : "off").raw("</tr>");
    }
    html.raw("</table>");
    if (!listed.getNextPageToken().isEmpty()) {
      html.el("p", "Only the first " + listed.getPartnersCount() + " partners are listed; `./kcid partner list` lists all.");
    }
    return end(html);
  }

  static String login(String message) {
    Html html = page("Sign in", null, null);
    if (message != null) {
      html.el("p", message);
    }
    html.raw("<form method=\"post\" action=\"/admin/login\"><label>API key <input type=\"password\" name=\"key\" "
        + "autocomplete=\"current-password\"></label> <button type=\"submit\">Sign in</button></form>");
    return end(html);
  }

  /** After a successful sign-in: the one-time link for browsers that cannot send the cookie themselves. */
  static String signedIn(String nonce, AdminCaller who) {
    Html html = page("Signed in", null, who);
    html.raw("<p>You are signed in as ").text(who.describe()).raw(". <a id=\"home\" href=\"").text(who.home())
        .raw("\">Continue</a></p>");
    if (nonce != null) {
      html.raw("<p>One-time link (valid 60 s, single use): <a id=\"session\" href=\"/admin/session/").text(nonce).raw("\">/admin/session/")
          .text(nonce).raw("</a></p>");
    }
    return end(html);
  }

  static String error(int status, String reason, String message) {
    Html html = page("Error " + status, null, null);
    html.el("p", reason).el("p", message);
    return end(html);
  }

  /** The page's head and navigation; {@code who} is null on pages shown before sign-in. */
  static Html page(String title, String accountId, AdminCaller who) {
    Html html = new Html();
    html.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").text(title + " - kcid")
        .raw("</title><style>" + STYLE + "</style></head><body><nav><b>kcid</b> ");
    if (who != null) {
      html.raw("<a href=\"").text(who.home()).raw("\">Home</a>");
    }
    if (accountId != null && !accountId.isEmpty()) {
      String base = ActionPages.base(accountId);
      html.raw("<a href=\"").text(base).raw("\">Stats</a><a href=\"").text(base).raw("/postbacks\">Postback log</a><a href=\"")
          .text(base).raw("/deliveries\">Deliveries</a><a href=\"").text(base).raw("/settings\">Settings</a>");
    }
    if (who != null) {
      html.raw("<form method=\"post\" action=\"/admin/logout\" style=\"display:inline\"><span>").text(who.describe())
          .raw("</span> <button type=\"submit\">Sign out</button></form>");
    }
    return html.raw("</nav>").el("h1", title);
  }

  static String end(Html html) {
    return html.raw("</body></html>").toString();
  }

  private static void kcidLink(Html html, String kcid) {
    if (kcid.isEmpty()) {
      return;
    }
    html.raw("<a href=\"/admin/kcid/").text(URLEncoder.encode(kcid, StandardCharsets.UTF_8)).raw("\">").text(kcid).raw("</a>");
  }

  /** A reason's short name, "" for none. */
  static String reason(ErrorReason reason) {
    return reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED ? "" : ErrorReasons.shortName(reason);
  }

  /** An enum in the CLI's words: {@code CONVERSION_STATUS_APPROVED} reads {@code approved}. */
  static String shortName(String enumName, String prefix) {
    return (enumName.startsWith(prefix) ? enumName.substring(prefix.length()) : enumName)
        .toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String time(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }

  private static String money(Money money) {
    return money.getAmount().isEmpty() ? "" : money.getAmount() + " " + money.getCurrencyCode();
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }
}
