package io.kcid.edge.admin;

import io.grpc.Status;
import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The web view's actions: the settings page (GET) and every form's POST. A POST is checked against
 * forgery first ({@link CsrfGuard}), then its form is read, then it becomes one gRPC call with the
 * session's key ({@link AdminActions}); a change answers 303 to the page it was made on with a
 * one-time message (post, redirect, get), a dry run or preview answers with its page, a refusal
 * with a page in the status of the one error table and a way back. A POST to any other path is 404.
 */
final class ActionRoutes {
  /** The longest look-back a replay or redelivery form accepts: the longest log retention there is. */
  private static final long MAX_HOURS = 400L * 24;
  private static final int REPLAY_PAGE = 1000;

  private final AdminActions actions;
  private final CsrfGuard csrf;
  private final Clock clock;

  ActionRoutes(AdminActions actions, CsrfGuard csrf, Clock clock) {
    this.actions = actions;
    this.csrf = csrf;
    this.clock = clock;
  }

  /** The settings page of an account: needs the admin role (GetAccount, ListGoals), like every change on it. */
  CompletableFuture<EdgeResponse> settings(String key, AdminCaller who, String accountId, ActionPages.Forms forms) {
    String back = ActionPages.base(accountId);
    var account = actions.account(key, accountId);
    var goals = actions.goals(key, accountId);
    var caps = actions.caps(key, accountId);
    return CompletableFuture.allOf(account, goals, caps)
        .thenApply(all -> AdminHandler.page(200,
            ActionPages.settings(account.join().getAccount(), goals.join().getGoalsList(), caps.join(), who, forms)))
        .exceptionally(failure -> refusedPage(failure, who, back));
  }

  /**
   * A form's POST by a signed-in session. {@code path} is the view's path after {@code /admin/}.
   */
  CompletableFuture<EdgeResponse> post(FullHttpRequest request, List<String> path, AdminSessions.Session session) {
    ActionForm form = ActionForm.of(request);
    ErrorReason forged = csrf.refusal(request.headers(), session.csrfToken(), form.raw(CsrfGuard.FIELD));
    if (forged != null) {
      int status = ErrorReasons.httpStatus(forged);
      String message = forged == ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST
          ? "This form was sent from another site: nothing was changed."
          : "This form's anti-forgery token is missing or not this session's (a page from before a sign-out?): nothing was changed. "
              + "Reload the page and submit again.";
      return AdminHandler.done(AdminHandler.page(status, ActionPages.refused(status, ErrorReasons.shortName(forged), message, null)));
    }
    try {
      return route(form, path, session);
    } catch (Rejection rejection) {
      // A field the form got wrong (a limit that is no number, a malformed status map line): answered
      // like the server's refusals, with the reason, the message and the way back.
      String back = path.size() < 2 ? null
          : path.get(0).equals("partners") ? ActionPages.partnerBase(path.get(1))
          : path.get(0).equals("accounts") ? ActionPages.base(path.get(1)) : null;
      return AdminHandler.done(refusedPage(rejection, session.caller(), back));
    }
  }

  private CompletableFuture<EdgeResponse> route(ActionForm form, List<String> path, AdminSessions.Session session) {
    if (path.size() >= 3 && path.get(0).equals("partners") && path.get(2).equals("destinations")) {
      // A partner's destinations apply to every account of the partner: managed from its page.
      String partnerId = path.get(1);
      String back = ActionPages.partnerBase(partnerId);
      CompletableFuture<EdgeResponse> answer =
          destinationAction(form, new AdminActions.Owner("", partnerId), back, null, path.subList(3, path.size()), session);
      return answer == null ? notFound() : answer.exceptionally(failure -> refusedPage(failure, session.caller(), back));
    }
    if (path.size() < 3 || !path.get(0).equals("accounts")) {
      return notFound();
    }
    String accountId = path.get(1);
    String key = session.key();
    AdminCaller who = session.caller();
    String base = ActionPages.base(accountId);
    List<String> rest = path.subList(2, path.size());
    CompletableFuture<EdgeResponse> answer;
    if (rest.equals(List.of("goals"))) {
      String goal = form.required("goal_key");
      answer = change(actions.createGoal(key, accountId, goal, form.get("display_name")), session, base + "/settings",
          r -> "Goal " + goal + " created.");
    } else if (rest.size() == 3 && rest.get(0).equals("goals") && isPauseOrResume(rest.get(2))) {
      boolean pause = rest.get(2).equals("pause");
      String goal = rest.get(1);
      answer = change(actions.setGoalState(key, accountId, goal, pause ? GoalState.GOAL_STATE_PAUSED : GoalState.GOAL_STATE_ACTIVE),
          session, base + "/settings", r -> "Goal " + goal + (pause ? " paused." : " resumed."));
    } else if (rest.equals(List.of("status-handling"))) {
      PostbackResponseFormat format = ActionPages.format(form.get("response_format"));
      if (format == null) {
        throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "Unknown response format '" + form.get("response_format") + "'.");
      }
      answer = change(actions.updateStatusHandling(key, accountId, StatusMapText.parse(form.get("status_map")),
          form.checked("ignore_status"), format), session, base + "/settings",
          r -> "Status handling saved: " + r.getAccount().getStatusMapCount() + " mapped words, ignore status "
              + (r.getAccount().getIgnoreStatus() ? "on" : "off") + ", answer " + ActionPages.formatName(r.getAccount()
              .getPostbackResponseFormat()) + ".");
    } else if (rest.equals(List.of("caps"))) {
      ConversionCap cap = CapForm.cap(form);
      answer = change(actions.setCap(key, accountId, cap), session, base + "/settings",
          r -> "Cap " + r.getCap().getCapId() + " saved: " + CapForm.describe(r.getCap()) + ".");
    } else if (rest.size() == 3 && rest.get(0).equals("caps") && rest.get(2).equals("delete")) {
      String capId = rest.get(1);
      answer = change(actions.deleteCap(key, accountId, capId), session, base + "/settings", r -> "Cap " + capId + " deleted.");
    } else if (rest.get(0).equals("destinations")) {
      // On an account's page a partner's destination names its owner (owner_partner); the server checks the key may manage it.
      answer = destinationAction(form, AdminActions.Owner.of(accountId, form.get("owner_partner")), base + "/deliveries", accountId,
          rest.subList(1, rest.size()), session);
    } else if (rest.equals(List.of("replay"))) {
      answer = replay(form, accountId, session);
    } else if (rest.equals(List.of("redeliver"))) {
      answer = redeliver(form, accountId, session);
    } else {
      answer = null;
    }
    return answer == null ? notFound() : answer.exceptionally(failure -> refusedPage(failure, who, base));
  }

  /**
   * Creates ({@code rest} empty), pauses, resumes or deletes ({@code rest} = id, action) a destination
   * of {@code owner}, then back to {@code back}; null for any other path.
   *
   * @param accountId the account whose page this is, null on a partner's page
   */
  private CompletableFuture<EdgeResponse> destinationAction(ActionForm form, AdminActions.Owner owner, String back, String accountId,
      List<String> rest, AdminSessions.Session session) {
    if (rest.isEmpty()) {
      return createDestination(form, owner, back, accountId, session);
    }
    if (rest.size() != 2) {
      return null;
    }
    String id = rest.get(0);
    return switch (rest.get(1)) {
      case "pause", "resume" -> change(actions.setDestinationPaused(session.key(), owner, id, rest.get(1).equals("pause")), session,
          back, r -> "Destination " + id + (r.getDestination().getPaused() ? " paused." : " resumed."));
      case "delete" -> change(actions.deleteDestination(session.key(), owner, id), session, back,
          r -> "Destination " + id + " deleted; its queued jobs are cancelled.");
      case "edit" -> change(actions.editDestination(session.key(), owner, id, form.required("url"), goalKeys(form),
              DestinationForm.settings(form)), session, back,
          r -> "Destination " + id + " saved: " + r.getDestination().getUrl() + ", goals "
              + (r.getDestination().getGoalKeysCount() == 0 ? "all" : String.join(", ", r.getDestination().getGoalKeysList())) + "; "
              + DestinationForm.describe(r.getDestination()) + ".");
      default -> null;
    };
  }

  private CompletableFuture<EdgeResponse> createDestination(ActionForm form, AdminActions.Owner owner, String back, String accountId,
      AdminSessions.Session session) {
    DestinationKind kind = switch (form.get("kind")) {
      case "", "postback" -> DestinationKind.DESTINATION_KIND_POSTBACK;
      case "webhook" -> DestinationKind.DESTINATION_KIND_WEBHOOK;
      default -> throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "A destination is a postback or a webhook.");
    };
    CreateDestinationRequest.Builder request = CreateDestinationRequest.newBuilder().setAccountId(owner.accountId())
        .setPartnerId(owner.partnerId()).setDestinationId(form.get("destination_id")).setKind(kind).setUrl(form.required("url"));
    DestinationForm.Settings settings = DestinationForm.settings(form);
    request.addAllGoalKeys(goalKeys(form)).addAllTriggers(settings.triggers()).putAllStatusMap(settings.statusMap())
        .setMaxConcurrency(settings.maxConcurrency()).setMaxRequestsPerSecond(settings.maxRequestsPerSecond());
    return actions.createDestination(session.key(), request.build()).thenApply(created -> {
      if (!created.getSigningSecret().isEmpty()) {
        // The secret is shown once, on this answer: a flash would keep it in the edge's memory.
        return AdminHandler.page(200, ActionPages.webhookCreated(accountId, back, created.getDestination(), created.getSigningSecret(),
            session.caller()));
      }
      session.flash().set("Destination " + created.getDestination().getDestinationId() + " created.");
      return AdminHandler.seeOther(back);
    });
  }

  /** The form's comma-separated goal keys; none means every goal. */
  private static List<String> goalKeys(ActionForm form) {
    return Arrays.stream(form.get("goal_keys").split(",")).map(String::trim).filter(g -> !g.isEmpty()).toList();
  }

  /**
   * Without {@code confirm}: a dry run of the window ending now, answered with its page. With it:
   * the replay of the window the dry run showed (its start and end travel in the confirmation form).
   */
  private CompletableFuture<EdgeResponse> replay(ActionForm form, String accountId, AdminSessions.Session session) {
    boolean confirm = form.get("confirm").equals("yes");
    Instant[] window = window(form, confirm);
    ErrorReason reason = ErrorReason.ERROR_REASON_UNSPECIFIED;
    if (!form.get("reason").isEmpty()) {
      reason = ErrorReasons.fromShortName(form.get("reason").toUpperCase(Locale.ROOT));
      if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED) {
        throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "'" + form.get("reason") + "' is no reason of kcid (docs/reasons.md).");
      }
    }
    ReplayPostbacksRequest request = ReplayPostbacksRequest.newBuilder().setAccountId(accountId)
        .setStartTime(AdminHandler.timestamp(window[0])).setEndTime(AdminHandler.timestamp(window[1])).setReason(reason).setDryRun(!confirm)
        .setPageSize(REPLAY_PAGE).build();
    Map<String, String> fields = windowFields(window);
    if (reason != ErrorReason.ERROR_REASON_UNSPECIFIED) {
      fields.put("reason", ErrorReasons.shortName(reason));
    }
    String base = ActionPages.base(accountId);
    return actions.replay(session.key(), request).thenApply(response -> {
      if (!confirm) {
        return AdminHandler.page(200, ActionPages.replayed(accountId, response, fields, session.caller(),
            new ActionPages.Forms(session.csrfToken(), null)));
      }
      Map<ReplayOutcome, Integer> counts = new EnumMap<>(ReplayOutcome.class);
      for (ReplayedPostback r : response.getResultsList()) {
        counts.merge(r.getOutcome(), 1, Integer::sum);
      }
      StringBuilder summary = new StringBuilder("Replayed " + response.getResultsCount() + " rejected postbacks:");
      counts.forEach((outcome, n) -> summary.append(' ').append(n).append(' ')
          .append(ActionPages.outcome(outcome)).append(','));
      summary.setLength(summary.length() - 1);
      session.flash().set(summary.append('.').toString());
      return AdminHandler.seeOther(base + "/postbacks");
    });
  }

  /** Like {@link #replay}: a preview of what would be queued, then the queuing of that same window. */
  private CompletableFuture<EdgeResponse> redeliver(ActionForm form, String accountId, AdminSessions.Session session) {
    boolean confirm = form.get("confirm").equals("yes");
    RedeliverRequest.Builder request = RedeliverRequest.newBuilder().setAccountId(accountId).setDryRun(!confirm)
        .setDeliveryId(form.get("delivery_id")).setDestinationId(form.get("destination_id"))
        .setIncludeDelivered(form.checked("include_delivered"));
    Map<String, String> fields = new LinkedHashMap<>();
    if (form.get("delivery_id").isEmpty()) {
      Instant[] window = window(form, confirm);
      request.setStartTime(AdminHandler.timestamp(window[0])).setEndTime(AdminHandler.timestamp(window[1]));
      fields.putAll(windowFields(window));
    }
    fields.put("delivery_id", form.get("delivery_id"));
    fields.put("destination_id", form.get("destination_id"));
    if (form.checked("include_delivered")) {
      fields.put("include_delivered", "on");
    }
    String base = ActionPages.base(accountId);
    return actions.redeliver(session.key(), request.build()).thenApply(response -> {
      if (!confirm) {
        return AdminHandler.page(200, ActionPages.redeliverPreview(accountId, response, fields, session.caller(),
            new ActionPages.Forms(session.csrfToken(), null)));
      }
      session.flash().set("Queued " + response.getDeliveryIdsCount() + " jobs again"
          + (response.getDeliveryIdsCount() == 0 ? "." : ": " + String.join(", ", response.getDeliveryIdsList()) + "."));
      return AdminHandler.seeOther(base + "/deliveries");
    });
  }

  /** [start, end): from the confirmation's fixed bounds, or the last {@code hours} hours up to now. */
  private Instant[] window(ActionForm form, boolean confirm) {
    if (confirm) {
      return new Instant[] {Instant.ofEpochSecond(seconds(form, "start")), Instant.ofEpochSecond(seconds(form, "end"))};
    }
    long hours = number(form, "hours", 1, MAX_HOURS);
    Instant end = clock.instant().plusSeconds(1); // the window ends after now: what just arrived is in it
    return new Instant[] {end.minus(Duration.ofHours(hours)), end};
  }

  private static Map<String, String> windowFields(Instant[] window) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("start", Long.toString(window[0].getEpochSecond()));
    fields.put("end", Long.toString(window[1].getEpochSecond()));
    return fields;
  }

  private static long seconds(ActionForm form, String name) {
    return number(form, name, 0, Instant.parse("9999-12-31T00:00:00Z").getEpochSecond());
  }

  private static long number(ActionForm form, String name, long min, long max) {
    String value = form.required(name);
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "The form's field '" + name + "' is a whole number from " + min + " to " + max + ".");
  }

  /** A change done: 303 to its page, which shows {@code message} once. */
  private static <T> CompletableFuture<EdgeResponse> change(CompletableFuture<T> call, AdminSessions.Session session, String page,
      Function<T, String> message) {
    return call.thenApply(response -> {
      session.flash().set(message.apply(response));
      return AdminHandler.seeOther(page);
    });
  }

  private static boolean isPauseOrResume(String action) {
    return action.equals("pause") || action.equals("resume");
  }

  private static CompletableFuture<EdgeResponse> notFound() {
    return AdminHandler.done(AdminHandler.page(404, AdminPages.error(404, "ROUTE_NOT_FOUND", "No such action in the web view.")));
  }

  /**
   * The server's refusal of an action as a page: a key without the admin role or outside its scope
   * is PERMISSION_DENIED, shown as a 403 saying so; a bad value is the server's 4xx with its message.
   */
  static EdgeResponse refusedPage(Throwable failure, AdminCaller who, String back) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof Rejection rejection) {
      int status = ErrorReasons.httpStatus(rejection.reason());
      return AdminHandler.page(status, ActionPages.refused(status, ErrorReasons.shortName(rejection.reason()), rejection.getMessage(), back));
    }
    ErrorReason refused = BackendErrors.keyRefusal(cause);
    if (refused == ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING) {
      return AdminHandler.page(403, ActionPages.refused(403, ErrorReasons.shortName(refused), "The signed-in key '" + who.name()
          + "' has no admin role: it may read this account but not change it, so nothing was changed. Sign in with a key "
          + "that has the admin role.", back));
    }
    if (refused != null) {
      int status = ErrorReasons.httpStatus(refused);
      return AdminHandler.page(status, ActionPages.refused(status, ErrorReasons.shortName(refused),
          "The tracking-server refused the signed-in key: sign in again.", back));
    }
    BackendFailure classified = BackendErrors.classify(cause);
    Status.Code code = Status.fromThrowable(cause).getCode();
    if (classified.reason() == ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED
        || (classified.reason() == ErrorReason.ERROR_REASON_INTERNAL && code == Status.Code.PERMISSION_DENIED)) {
      return AdminHandler.page(403, ActionPages.refused(403, "API_KEY_SCOPE_DENIED", "The signed-in key '" + who.name()
          + "' may not act here (its scope is " + who.describe() + "): nothing was changed. " + classified.message(), back));
    }
    int status = ErrorReasons.httpStatus(classified.reason());
    return AdminHandler.page(status, ActionPages.refused(status, ErrorReasons.shortName(classified.reason()), classified.message(), back));
  }
}
