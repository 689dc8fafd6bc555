package io.kcid.edge.admin;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapUsage;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ListConversionCapsResponse;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The web view's forms and the pages only actions show: the settings page, a replay's dry run and a
 * redelivery's preview (each with its confirmation form). Every form posts to its page's path plus
 * an action and carries the session's anti-forgery token ({@link CsrfGuard#FIELD}).
 */
final class ActionPages {
  private ActionPages() {}

  /** What a page with forms needs: the session's token (null: no session, the page shows no forms) and the flash message. */
  record Forms(String csrfToken, String flash) {
    static final Forms NONE = new Forms(null, null);

    boolean enabled() {
      return csrfToken != null;
    }
  }

  /**
   * The account's settings: its goals, its inbound status handling. Each section is its own form
   * and its own method; a new setting (conversion caps, say) is one more section method called
   * from here and one more action in {@link ActionRoutes}.
   */
  static String settings(Account account, List<Goal> goals, ListConversionCapsResponse caps, AdminCaller who,
      Forms forms) {
    String accountId = account.getAccountId();
    Html html = AdminPages.page("Settings of " + accountId, accountId, who);
    flash(html, forms);
    goalsSection(html, accountId, goals, forms);
    statusSection(html, account, forms);
    capsSection(html, accountId, caps, forms);
    return AdminPages.end(html);
  }

  /** The caps with their use in the current period, a form to set one, and the latest audited changes. */
  private static void capsSection(Html html, String accountId, ListConversionCapsResponse caps, Forms forms) {
    html.el("h2", "Conversion caps");
    html.raw("<p>").text("A conversion over a cap is still recorded, with the cap's action as its status and reason "
        + "CAP_REACHED; it does not count. Periods are in the account's time zone; a change applies from now on.").raw("</p>");
    html.raw("<table id=\"caps\">").head("Cap", "Counts", "Period", "Limit", "Used", "Over the cap", "");
    for (ConversionCapUsage usage : caps.getCapsList()) {
      ConversionCap cap = usage.getCap();
      html.raw("<tr id=\"cap-").text(cap.getCapId()).raw("\">").el("td", cap.getCapId()).el("td", CapForm.scope(cap))
          .el("td", CapForm.periodName(cap.getPeriod()) + " (" + usage.getPeriod() + ")").el("td", CapForm.limit(cap))
          .raw("<td class=\"used\">").text(cap.hasMaxValue()
              ? usage.getUsedValue().getAmount() + " " + cap.getMaxValue().getCurrencyCode()
              : Long.toUnsignedString(usage.getUsedConversions())).raw("</td>")
          .el("td", CapForm.actionName(cap.getAction())).raw("<td>");
      form(html, forms, base(accountId) + "/caps/" + enc(cap.getCapId()) + "/delete", "cap-" + cap.getCapId() + "-delete", "Delete");
      html.raw("</td></tr>");
    }
    html.raw("</table>");
    if (forms.enabled()) {
      open(html, forms, base(accountId) + "/caps", "set-cap");
      html.raw("<p><label>Cap id <input id=\"cap-id\" name=\"cap_id\" required pattern=\"[a-z0-9_-]{1,64}\"></label> ")
          .raw("<label>Goal (empty: any) <input id=\"cap-goal\" name=\"goal_key\"></label> ")
          .raw("<label>Campaign (empty: any) <input id=\"cap-campaign\" name=\"campaign_id\"></label></p>")
          .raw("<p><label>Period <select id=\"cap-period\" name=\"period\"><option value=\"daily\">daily</option>"
              + "<option value=\"monthly\">monthly</option><option value=\"lifetime\">lifetime</option></select></label> ")
          .raw("<label>At most <input id=\"cap-max\" name=\"max\" required size=\"12\"></label> ")
          .raw("<label>Currency (empty: a count of conversions) <input id=\"cap-currency\" name=\"currency\" size=\"4\"></label> ")
          .raw("<label>Over the cap <select id=\"cap-action\" name=\"action\"><option value=\"reject\">reject</option>"
              + "<option value=\"pending\">pending</option></select></label></p>")
          .raw("<button id=\"set-cap-submit\" type=\"submit\">Save cap</button></form>");
    }
    if (caps.getChangesCount() > 0) {
      html.el("h3", "Latest changes");
      html.raw("<table id=\"cap-changes\">").head("Time", "Cap", "By", "Before", "After");
      caps.getChangesList().stream().limit(10).forEach(change -> html.row(
          Instant.ofEpochSecond(change.getChangeTime().getSeconds()), change.getCapId(), change.getActor(),
          change.hasBefore() ? CapForm.describe(change.getBefore()) : "-", change.hasAfter() ? CapForm.describe(change.getAfter()) : "-"));
      html.raw("</table>");
    }
  }

  private static void goalsSection(Html html, String accountId, List<Goal> goals, Forms forms) {
    html.el("h2", "Goals");
    html.raw("<table id=\"goals\">").head("Goal", "Name", "State", "");
    for (Goal goal : goals) {
      boolean paused = goal.getState() == GoalState.GOAL_STATE_PAUSED;
      html.raw("<tr id=\"goal-").text(goal.getGoalKey()).raw("\">").el("td", goal.getGoalKey()).el("td", goal.getDisplayName())
          .raw("<td class=\"state\">").text(paused ? "paused" : "active").raw("</td><td>");
      String action = paused ? "resume" : "pause";
      form(html, forms, base(accountId) + "/goals/" + enc(goal.getGoalKey()) + "/" + action, "goal-" + goal.getGoalKey() + "-" + action,
          paused ? "Resume" : "Pause");
      html.raw("</td></tr>");
    }
    html.raw("</table>");
    if (!forms.enabled()) {
      return;
    }
    open(html, forms, base(accountId) + "/goals", "create-goal");
    html.raw("<label>Goal key <input id=\"goal-key\" name=\"goal_key\" required pattern=\"[a-z0-9_-]{1,64}\"></label> ")
        .raw("<label>Name <input id=\"goal-name\" name=\"display_name\"></label> ")
        .raw("<button id=\"create-goal-submit\" type=\"submit\">Create goal</button></form>");
  }

  /** The status map as editable lines ({@code word = status}), the ignore-status switch and the answer's format. */
  private static void statusSection(Html html, Account account, Forms forms) {
    html.el("h2", "Inbound status words");
    html.raw("<p>").text("A postback's status word is looked up here first, then among kcid's own words (approved, "
        + "pending, rejected); a word in neither is refused with STATUS_NOT_MAPPED.").raw("</p>");
    Map<String, ConversionStatus> sorted = new TreeMap<>(account.getStatusMapMap());
    html.raw("<table id=\"status-map-table\">").head("Sender's word", "Records as");
    sorted.forEach((word, status) -> html.row(word, StatusMapText.word(status)));
    html.raw("</table>");
    html.raw("<p id=\"ignore-status-state\">").text("Ignore status: " + (account.getIgnoreStatus() ? "on" : "off"))
        .raw("</p><p id=\"response-format-state\">").text("Answer to a recorded postback: " + formatName(account.getPostbackResponseFormat()))
        .raw("</p>");
    if (!forms.enabled()) {
      return;
    }
    open(html, forms, base(account.getAccountId()) + "/status-handling", "status-handling");
    html.raw("<p><label>Status map, one <code>word = pending|approved|rejected</code> a line (empty: none)<br>"
        + "<textarea id=\"status-map\" name=\"status_map\" rows=\"6\" cols=\"40\">").text(StatusMapText.format(sorted))
        .raw("</textarea></label></p><p><label><input id=\"ignore-status\" type=\"checkbox\" name=\"ignore_status\" value=\"on\"")
        .raw(account.getIgnoreStatus() ? " checked" : "")
        .raw("> Ignore the sender's status (record every postback as approved)</label></p><p><label>Answer to a recorded postback "
            + "<select id=\"response-format\" name=\"response_format\">");
    PostbackResponseFormat current = account.getPostbackResponseFormat() == PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED
        ? PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_JSON : account.getPostbackResponseFormat();
    for (PostbackResponseFormat format : PostbackResponseFormat.values()) {
      if (format == PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED || format == PostbackResponseFormat.UNRECOGNIZED) {
        continue;
      }
      html.raw("<option value=\"").text(formatName(format)).raw("\"").raw(format == current ? " selected" : "").raw(">")
          .text(formatName(format)).raw("</option>");
    }
    html.raw("</select></label> (refusals keep their JSON; the outcome and reason are always in X-Kcid-Outcome and "
        + "X-Kcid-Reason)</p><button id=\"status-handling-submit\" type=\"submit\">Save status handling</button></form>");
  }

  /** {@code POSTBACK_RESPONSE_FORMAT_TEXT_OK} reads {@code text-ok}, the CLI's word. */
  static String formatName(PostbackResponseFormat format) {
    if (format == PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED) {
      format = PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_JSON;
    }
    return AdminPages.shortName(format.name(), "POSTBACK_RESPONSE_FORMAT_");
  }

  /** The format a form names, or null for a word that is none. */
  static PostbackResponseFormat format(String name) {
    for (PostbackResponseFormat format : PostbackResponseFormat.values()) {
      if (format != PostbackResponseFormat.UNRECOGNIZED && format != PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED
          && formatName(format).equals(name)) {
        return format;
      }
    }
    return null;
  }

  /**
   * Buttons of one destination row: pause or resume, delete, and its edit form. {@code base} is the page's path (an
   * account's or a partner's); a partner's destination shown on an account page names its owner.
   */
  static void destinationButtons(Html html, String base, Destination d, Forms forms) {
    if (!forms.enabled()) {
      return;
    }
    String path = base + "/destinations/" + enc(d.getDestinationId());
    String owner = d.getPartnerId();
    String action = d.getPaused() ? "resume" : "pause";
    form(html, forms, path + "/" + action, "destination-" + d.getDestinationId() + "-" + action, d.getPaused() ? "Resume" : "Pause",
        "owner_partner", owner);
    form(html, forms, path + "/delete", "destination-" + d.getDestinationId() + "-delete", "Delete", "owner_partner", owner);
    String id = "destination-" + d.getDestinationId();
    html.raw("<details><summary id=\"").text(id + "-edit").raw("\">Edit</summary>");
    open(html, forms, path + "/edit", id + "-edit-form");
    hidden(html, "owner_partner", owner);
    html.raw("<label>URL <input id=\"").text(id + "-url").raw("\" name=\"url\" size=\"60\" required value=\"").text(d.getUrl())
        .raw("\"></label> <label>Goals (comma-separated, empty: all) <input id=\"").text(id + "-goals")
        .raw("\" name=\"goal_keys\" value=\"").text(String.join(", ", d.getGoalKeysList())).raw("\"></label> ");
    DestinationForm.fields(html, id, d);
    html.raw("<button type=\"submit\" id=\"").text(id + "-edit-submit").raw("\">Save</button></form></details>");
  }

  /** The form creating a destination of the page's owner (an account's or a partner's page: {@code base}). */
  static void destinationForm(Html html, String base, Forms forms, String title) {
    if (!forms.enabled()) {
      return;
    }
    html.el("h3", title);
    open(html, forms, base + "/destinations", "create-destination");
    html.raw("<label>Id <input id=\"destination-id\" name=\"destination_id\" pattern=\"[a-z0-9_-]{1,64}\"></label> ")
        .raw("<label>Kind <select id=\"destination-kind\" name=\"kind\"><option value=\"postback\">postback</option>"
            + "<option value=\"webhook\">webhook</option></select></label> ")
        .raw("<label>URL <input id=\"destination-url\" name=\"url\" size=\"60\" required></label> ")
        .raw("<label>Goals (comma-separated, empty: all) <input id=\"destination-goals\" name=\"goal_keys\"></label> ");
    DestinationForm.fields(html, "new-destination", null);
    html.raw("<button id=\"create-destination-submit\" type=\"submit\">Create destination</button></form>");
  }

  /** Below an account's deliveries: the redelivery form (a preview first). */
  static void redeliverForm(Html html, String accountId, Forms forms) {
    if (!forms.enabled()) {
      return;
    }
    html.el("h2", "Redeliver");
    html.raw("<p>").text("Queue dead-lettered jobs again (or one job by its id). A preview lists the jobs first; nothing is "
        + "queued until you confirm.").raw("</p>");
    open(html, forms, base(accountId) + "/redeliver", "redeliver");
    html.raw("<label>Delivery id (empty: every failed job in the window) <input id=\"redeliver-delivery\" name=\"delivery_id\"></label> ")
        .raw("<label>Destination <input id=\"redeliver-destination\" name=\"destination_id\"></label> ")
        .raw("<label>Last hours <input id=\"redeliver-hours\" name=\"hours\" value=\"24\" size=\"4\"></label> ")
        .raw("<label><input id=\"redeliver-include-delivered\" type=\"checkbox\" name=\"include_delivered\" value=\"on\"> "
            + "also delivered jobs</label> ")
        .raw("<button id=\"redeliver-preview\" type=\"submit\">Preview</button></form>");
  }

  /** Above the postback log: the replay form (a dry run first). */
  static void replayForm(Html html, String accountId, Forms forms) {
    if (!forms.enabled()) {
      return;
    }
    html.el("h2", "Replay rejected postbacks");
    html.raw("<p>").text("Replays the postbacks rejected in the window against the account's current setup (after mapping a "
        + "status word or resuming a goal, say). A dry run shows what would happen; nothing is recorded until you confirm.")
        .raw("</p>");
    open(html, forms, base(accountId) + "/replay", "replay");
    html.raw("<label>Last hours <input id=\"replay-hours\" name=\"hours\" value=\"24\" size=\"4\"></label> ")
        .raw("<label>Only reason (e.g. GOAL_PAUSED; empty: any) <input id=\"replay-reason\" name=\"reason\"></label> ")
        .raw("<button id=\"replay-dry-run\" type=\"submit\">Dry run</button></form>");
  }

  /**
   * A replay's result: after a dry run, with the form that confirms the same window (its end fixed
   * at the dry run's time, so the confirmation replays what was shown, not what arrived since).
   */
  static String replayed(String accountId, ReplayPostbacksResponse response, Map<String, String> window, AdminCaller who,
      Forms forms) {
    Html html = AdminPages.page((response.getDryRun() ? "Replay dry run of " : "Replay of ") + accountId, accountId, who);
    int accepted = 0;
    for (ReplayedPostback r : response.getResultsList()) {
      accepted += r.getOutcome() == ReplayOutcome.REPLAY_OUTCOME_ACCEPTED ? 1 : 0;
    }
    html.raw("<p id=\"replay-summary\">").text(response.getResultsCount() + " rejected postbacks in the window; " + accepted
        + (response.getDryRun() ? " would be recorded." : " recorded.")).raw("</p>");
    html.raw("<table id=\"replay-results\">").head("Log id", "kcid", "Rejected for", "Outcome", "Reason", "Message", "Conversion");
    for (ReplayedPostback r : response.getResultsList()) {
      html.row(r.getLogId(), r.getKcid(), AdminPages.reason(r.getOriginalReason()), outcome(r.getOutcome()),
          AdminPages.reason(r.getReason()), r.getMessage(), r.getConversionId());
    }
    html.raw("</table>");
    if (!response.getNextPageToken().isEmpty()) {
      html.el("p", "More rejected postbacks remain in the window: run the replay again after this one.");
    }
    if (response.getDryRun() && response.getResultsCount() > 0 && forms.enabled()) {
      open(html, forms, base(accountId) + "/replay", "replay-confirm");
      hidden(html, "confirm", "yes");
      window.forEach((name, value) -> hidden(html, name, value));
      html.raw("<button id=\"replay-confirm-submit\" type=\"submit\">Replay these postbacks</button></form>");
    }
    html.raw("<p><a href=\"").text(base(accountId) + "/postbacks").raw("\">Back to the postback log</a></p>");
    return AdminPages.end(html);
  }

  /** A redelivery's preview: the jobs that would be queued, and the form that queues exactly this window. */
  static String redeliverPreview(String accountId, RedeliverResponse response, Map<String, String> window, AdminCaller who,
      Forms forms) {
    Html html = AdminPages.page("Redelivery preview of " + accountId, accountId, who);
    html.raw("<p id=\"redeliver-summary\">").text(response.getDeliveryIdsCount() + " jobs would be queued again.").raw("</p>");
    html.raw("<table id=\"redeliver-jobs\">").head("Delivery id");
    response.getDeliveryIdsList().forEach(html::row);
    html.raw("</table>");
    if (response.getDeliveryIdsCount() > 0 && forms.enabled()) {
      open(html, forms, base(accountId) + "/redeliver", "redeliver-confirm");
      hidden(html, "confirm", "yes");
      window.forEach((name, value) -> hidden(html, name, value));
      html.raw("<button id=\"redeliver-confirm-submit\" type=\"submit\">Queue these jobs again</button></form>");
    }
    html.raw("<p><a href=\"").text(base(accountId) + "/deliveries").raw("\">Back to the deliveries</a></p>");
    return AdminPages.end(html);
  }

  /** A webhook's signing secret, shown once on the page the creation answers with (never kept for a later page). */
  static String webhookCreated(String accountId, String back, Destination destination, String secret, AdminCaller who) {
    Html html = AdminPages.page("Destination " + destination.getDestinationId() + " created", accountId, who);
    html.raw("<p>Signing secret, shown this once: <code id=\"signing-secret\">").text(secret).raw("</code></p><p><a href=\"")
        .text(back).raw("\">Back</a></p>");
    return AdminPages.end(html);
  }

  /** A refused action: the server's reason, what it means for this human, and the way back. */
  static String refused(int status, String reason, String message, String back) {
    Html html = AdminPages.page("Error " + status, null, null);
    html.raw("<p id=\"reason\">").text(reason).raw("</p><p id=\"message\">").text(message).raw("</p>");
    if (back != null) {
      html.raw("<p><a id=\"back\" href=\"").text(back).raw("\">Back</a></p>");
    }
    return AdminPages.end(html);
  }

  static void flash(Html html, Forms forms) {
    if (forms.flash() != null) {
      html.raw("<p id=\"flash\" style=\"background:#efe;padding:6px;border:1px solid #9c9\">").text(forms.flash()).raw("</p>");
    }
  }

  static String base(String accountId) {
    return "/admin/accounts/" + enc(accountId);
  }

  static String partnerBase(String partnerId) {
    return "/admin/partners/" + enc(partnerId);
  }

  private static void open(Html html, Forms forms, String action, String id) {
    html.raw("<form method=\"post\" id=\"").text(id).raw("\" action=\"").text(action).raw("\">");
    hidden(html, CsrfGuard.FIELD, forms.csrfToken());
  }

  /** A one-button form; {@code extra} are name/value pairs of hidden fields. */
  private static void form(Html html, Forms forms, String action, String buttonId, String label, String... extra) {
    if (!forms.enabled()) {
      return;
    }
    html.raw("<form method=\"post\" style=\"display:inline\" action=\"").text(action).raw("\">");
    hidden(html, CsrfGuard.FIELD, forms.csrfToken());
    for (int i = 0; i + 1 < extra.length; i += 2) {
      hidden(html, extra[i], extra[i + 1]);
    }
    html.raw("<button type=\"submit\" id=\"").text(buttonId).raw("\">").text(label).raw("</button></form> ");
  }

  private static void hidden(Html html, String name, String value) {
    html.raw("<input type=\"hidden\" name=\"").text(name).raw("\" value=\"").text(value).raw("\">");
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** {@code REPLAY_OUTCOME_ACCEPTED} reads {@code accepted}. */
  static String outcome(ReplayOutcome outcome) {
    return outcome.name().substring("REPLAY_OUTCOME_".length()).toLowerCase(Locale.ROOT);
  }
}
