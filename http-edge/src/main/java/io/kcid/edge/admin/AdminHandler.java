package io.kcid.edge.admin;

import com.google.protobuf.Timestamp;
import io.grpc.Channel;
import io.grpc.Status;
import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.limit.LoginRateLimits;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.GetCallerRequest;
import io.kcid.proto.tracking.v1.GetCallerResponse;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.ListDestinationsResponse;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The web view under {@code /admin/}: server-rendered HTML of partners and their accounts' numbers,
 * an account's stats, its postback log and the explanation of a kcid. A human signs in with any
 * API key of the tracking-server (the server says whose it is: GetCaller) or with the edge's
 * configured admin key (a platform sign-in); the session lives in the edge's memory and every call
 * made for it carries that human's key, so the edge itself gains no read power and the server's
 * role and scope checks decide what each human sees: a key without the read role, or a partner
 * key on another partner's page, gets the server's refusal as a 403 page. The forms of a signed-in
 * session (goals, status handling, destinations, replay, redelivery) are {@link ActionRoutes}'s:
 * checked against forgery, then the server's calls with the same key.
 */
public final class AdminHandler implements RouteHandler {
  private static final Map<String, String> PAGE_HEADERS = Map.of(
      "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      "X-Frame-Options", "DENY",
      // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the view's own
      // form posts, and CsrfGuard could not tell them from a sandboxed attacker's. Other sites still get nothing.
      "Referrer-Policy", "same-origin");
  private static final String HTML = "text/html; charset=utf-8";
  /** Where a one-time link may send the browser: a path of this view, nothing else. */
  private static final Pattern NEXT = Pattern.compile(
      "/admin/((accounts|kcid)/[A-Za-z0-9._~%-]+(/postbacks|/deliveries|/settings)?|partners(/[A-Za-z0-9._~%-]+)?)?");
  /** What a presented key may look like before it goes into a gRPC header: printable ASCII. */
  private static final Pattern KEY_SHAPE = Pattern.compile("[\\x21-\\x7e]{1,256}");
  /** GetCaller's name for a caller the server did not recognise (open auth mode). */
  private static final String OPEN_CALLER = "(open)";
  private static final int LOG_ROWS = 100;
  private static final int PARTNER_ROWS = 1000;
  private static final String REALM = "Bearer realm=\"kcid-admin\"";
  /** Sampled unauthenticated refusals shown under the log. */
  private static final int REFUSAL_ROWS = 20;

  private final AdminAuth auth;
  private final AdminSessions sessions;
  private final ReportServiceGrpc.ReportServiceStub reports;
  private final DiagnosticsServiceGrpc.DiagnosticsServiceStub diagnostics;
  /** For the admin and partner stubs, made when first needed: their classes load no sooner than a sign-in needs them. */
  private final Channel channel;
  private final boolean secureCookie;
  private final Clock clock;
  private final LoginRateLimits logins;
  private final ClientIpResolver clientIps;
  private final KeyedStubs stubs;
  private final CsrfGuard csrf;
  private final ActionRoutes actions;

  /**
   * @param adminKey the configured admin key
   * @param channel the backend channel, carrying no key of its own: each call gets the signed-in human's
   * @param secureCookie the edge serves HTTPS: the session cookie is {@code Secure}
   */
  public AdminHandler(String adminKey, Channel channel, Duration deadline, boolean secureCookie) {
    this(adminKey, channel, deadline, secureCookie, LoginRateLimits.off(), new ClientIpResolver(List.of()));
  }

  /**
   * @param logins the limit of failed sign-ins (wrong keys, used sign-in links)
   * @param clientIps resolves the client address the limit counts by
   */
  public AdminHandler(
      String adminKey, Channel channel, Duration deadline, boolean secureCookie, LoginRateLimits logins, ClientIpResolver clientIps) {
    this(adminKey, channel, deadline, secureCookie, Clock.systemUTC(), logins, clientIps);
  }

  AdminHandler(String adminKey, Channel channel, Duration deadline, boolean secureCookie, Clock clock) {
    this(adminKey, channel, deadline, secureCookie, clock, LoginRateLimits.off(), new ClientIpResolver(List.of()));
  }

  private AdminHandler(
      String adminKey, Channel channel, Duration deadline, boolean secureCookie, Clock clock, LoginRateLimits logins,
      ClientIpResolver clientIps) {
    this.auth = new AdminAuth(adminKey, clock);
    this.sessions = new AdminSessions(clock, AdminSessions.MAX_SESSIONS);
    this.reports = ReportServiceGrpc.newStub(channel);
    this.diagnostics = DiagnosticsServiceGrpc.newStub(channel);
    this.channel = channel;
    this.secureCookie = secureCookie;
    this.clock = clock;
    this.logins = logins;
    this.clientIps = clientIps;
    this.stubs = new KeyedStubs(channel, deadline);
    this.csrf = new CsrfGuard(secureCookie);
    this.actions = new ActionRoutes(new AdminActions(stubs), csrf, clock);
  }

  /**
   * A signed-in human: the key the view's calls carry, who the server says it is, and its session
   * (null for a bearer request: such pages show no forms, the forms need a session's token).
   */
  private record Identity(String key, AdminCaller caller, AdminSessions.Session session) {
    Identity(String key, AdminCaller caller) {
      this(key, caller, null);
    }

    /** The forms' token and the one-time message of the session (taken: a reload no longer shows it). */
    ActionPages.Forms forms() {
      return session == null ? ActionPages.Forms.NONE : new ActionPages.Forms(session.csrfToken(), session.takeFlash());
    }

    @Override
    public String toString() {
      return "Identity[" + caller.describe() + "]"; // never the key
    }
  }

  /** A sign-in that ends in a page (refused, rate limited, backend down) instead of an identity. */
  private static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient EdgeResponse response;

    Refused(EdgeResponse response) {
      super(null, null, false, false);
      this.response = response;
    }
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    return handle(request, null);
  }

  /**
   * Every answer of the view is a page with its security headers, a refused request included: a
   * malformed path, query or form is a 400 page, never an exception for the router.
   */
  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request, SocketAddress peer) {
    try {
      return serve(request, clientIps.resolve(peer, request.headers().getAll("X-Forwarded-For")))
          .exceptionally(failure -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            if (cause instanceof Refused refused) {
              return refused.response;
            }
            throw failure instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(failure);
          });
    } catch (Refused refused) {
      return done(refused.response);
    } catch (Rejection rejection) {
      int status = ErrorReasons.httpStatus(rejection.reason());
      return done(page(status, AdminPages.error(status, ErrorReasons.shortName(rejection.reason()), rejection.getMessage())));
    } catch (IllegalArgumentException malformed) {
      // QueryStringDecoder.decodeComponent on a path segment with broken percent-encoding.
      return done(page(400, AdminPages.error(400, "INVALID_PARAMETER", "The path has malformed percent-encoding.")));
    }
  }

  private CompletableFuture<EdgeResponse> serve(FullHttpRequest request, String client) {
    QueryStringDecoder uri = QueryParams.uri(request.uri());
    List<String> path = segments(uri.rawPath());
    if (request.method().equals(HttpMethod.POST) && (path.equals(List.of("login")) || path.equals(List.of("logout")))
        && csrf.crossSite(request.headers())) {
      return done(page(403, AdminPages.error(403, ErrorReasons.shortName(ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST),
          "This form was sent from another site.")));
    }
    if (path.equals(List.of("login"))) {
      return request.method().equals(HttpMethod.POST) ? login(request, client) : done(page(200, AdminPages.login(null)));
    }
    if (path.equals(List.of("logout"))) {
      if (!request.method().equals(HttpMethod.POST)) {
        return done(page(405, AdminPages.error(405, "METHOD_NOT_ALLOWED", "Sign out with POST.")).withHeader("Allow", "POST"));
      }
      sessions.end(cookie(request));
      return done(page(200, AdminPages.login("Signed out.")).withHeader("Set-Cookie", sessionCookie("", 0)));
    }
    if (request.method().equals(HttpMethod.POST)) {
      // An action: only a signed-in session's form may change anything (its token is the session's).
      AdminSessions.Session session = sessions.find(cookie(request));
      if (session == null) {
        return done(signIn("Sign in with an API key to change settings."));
      }
      return actions.post(request, path, session);
    }
    if (!request.method().equals(HttpMethod.GET)) {
      return done(page(405, AdminPages.error(405, "METHOD_NOT_ALLOWED", "Use GET on this page, POST for a form."))
          .withHeader("Allow", "GET, POST"));
    }
    if (path.size() == 2 && path.get(0).equals("session")) {
      return done(redeem(client, path.get(1), single(QueryParams.parameters(uri), "next")));
    }
    String bearer = AdminAuth.bearer(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    CompletableFuture<Identity> identity;
    if (bearer != null) {
      // A presented key is a sign-in attempt, on any page: limited like the login form.
      identity = identify(bearer, client);
    } else {
      AdminSessions.Session session = sessions.find(cookie(request));
      if (session == null) {
        return done(signIn("Sign in with an API key."));
      }
      identity = CompletableFuture.completedFuture(new Identity(session.key(), session.caller(), session));
    }
    Map<String, List<String>> query = QueryParams.parameters(uri);
    return identity.thenCompose(who -> route(path, who, query));
  }

  private CompletableFuture<EdgeResponse> route(List<String> path, Identity who, Map<String, List<String>> query) {
    if (path.equals(List.of(""))) {
      return done(seeOther(who.caller().home()));
    }
    if (path.equals(List.of("partners"))) {
      return partnerList(who);
    }
    if (path.size() == 2 && path.get(0).equals("partners")) {
      return partner(who, path.get(1));
    }
    if (path.size() == 2 && path.get(0).equals("accounts")) {
      Breakdown by = Breakdown.of(single(query, "by"));
      if (by == null) {
        return done(page(400, AdminPages.error(400, "INVALID_PARAMETER",
            "Unknown breakdown '" + single(query, "by") + "': goal, creative, placement or s1 ... s10.")));
      }
      return stats(who, path.get(1), by);
    }
    if (path.size() == 3 && path.get(0).equals("accounts") && path.get(2).equals("postbacks")) {
      return postbacks(who, path.get(1));
    }
    if (path.size() == 3 && path.get(0).equals("accounts") && path.get(2).equals("deliveries")) {
      return deliveries(who, path.get(1));
    }
    if (path.size() == 3 && path.get(0).equals("accounts") && path.get(2).equals("settings")) {
      return actions.settings(who.key(), who.caller(), path.get(1), who.forms());
    }
    if (path.size() == 2 && path.get(0).equals("kcid")) {
      return explain(who, path.get(1));
    }
    return done(page(404, AdminPages.error(404, "ROUTE_NOT_FOUND", "No such page in the web view.")));
  }

  /**
   * Who a presented key is: the configured admin key is a platform caller; any other key is asked
   * about at the tracking-server, with that key. A key the server does not know counts as a failed
   * sign-in; one without the read role is refused (it could read nothing here).
   */
  private CompletableFuture<Identity> identify(String key, String client) {
    long wait = logins.refusedFor(client, key);
    if (wait > 0) {
      throw new Refused(tooManyAttempts(wait));
    }
    if (auth.isKey(key)) {
      return CompletableFuture.completedFuture(new Identity(key, AdminCaller.configuredAdmin()));
    }
    if (!KEY_SHAPE.matcher(key).matches()) {
      logins.failed(client, key);
      throw new Refused(signIn("That is not an API key of this kcid."));
    }
    CompletableFuture<GetCallerResponse> caller =
        UnaryCalls.call(stubs.withKey(AdminServiceGrpc.newStub(channel), key)::getCaller, GetCallerRequest.getDefaultInstance());
    return caller.handle((response, failure) -> {
      if (failure != null) {
        Status.Code code = Status.fromThrowable(failure).getCode();
        if (BackendErrors.keyRefusal(failure) == ErrorReason.ERROR_REASON_API_KEY_INVALID || code == Status.Code.UNAUTHENTICATED) {
          logins.failed(client, key);
          throw new Refused(signIn("That is not an API key of this kcid."));
        }
        throw new Refused(failurePage(failure));
      }
      if (response.getApiKey().getName().equals(OPEN_CALLER)) {
        // A server in open auth mode answers any key, even a made-up one: that is no sign-in.
        logins.failed(client, key);
        throw new Refused(signIn("That is not an API key of this kcid."));
      }
      if (!response.getApiKey().getRolesList().contains(ApiKeyRole.API_KEY_ROLE_READ)) {
        throw new Refused(page(403, AdminPages.error(403, "API_KEY_ROLE_MISSING",
            "The key '" + response.getApiKey().getName() + "' has no read role: the web view needs one.")));
      }
      return new Identity(key, AdminCaller.of(response.getApiKey()));
    });
  }

  private CompletableFuture<EdgeResponse> login(FullHttpRequest request, String client) {
    String key = single(QueryParams.form(request.content().toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "key");
    String bearer = AdminAuth.bearer(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    String presented = key != null && !key.isEmpty() ? key : bearer;
    if (presented == null || presented.isEmpty()) {
      return done(signIn("Sign in with an API key."));
    }
    return identify(presented.trim(), client).thenApply(who -> {
      String session = sessions.start(who.key(), who.caller());
      return page(200, AdminPages.signedIn(auth.newNonce(session), who.caller()))
          .withHeader("Set-Cookie", sessionCookie(session, AdminSessions.TTL.toSeconds()));
    });
  }

  private EdgeResponse redeem(String client, String nonce, String next) {
    long wait = logins.refusedFor(client, null);
    if (wait > 0) {
      return tooManyAttempts(wait);
    }
    String sessionId = auth.redeem(nonce);
    AdminSessions.Session session = sessions.find(sessionId);
    if (session == null) {
      logins.failed(client, null);
      return page(401, AdminPages.login("This sign-in link was used already or has expired."));
    }
    String location = next != null && NEXT.matcher(next).matches() ? next : session.caller().home();
    return seeOther(location)
        .withHeader("Set-Cookie", sessionCookie(sessionId, AdminSessions.TTL.toSeconds()));
  }

  private static EdgeResponse signIn(String message) {
    return page(401, AdminPages.login(message)).withHeader("WWW-Authenticate", REALM);
  }

  /** 429 as a page: the key was not even compared. */
  private static EdgeResponse tooManyAttempts(long retryAfterSeconds) {
    return page(429, AdminPages.error(429, "RATE_LIMITED",
            "Too many failed sign-ins from this address or with this key; retry after " + retryAfterSeconds + " s."))
        .withHeader("Retry-After", Long.toString(retryAfterSeconds));
  }

  /** The single value of a query or form parameter, or null when it is absent. */
  private static String single(Map<String, List<String>> parameters, String name) {
    List<String> values = parameters.get(name);
    return values == null ? null : QueryParams.single(values);
  }

  /** The session cookie: the random session id only; max age 0 clears it. */
  private String sessionCookie(String sessionId, long maxAgeSeconds) {
    DefaultCookie cookie = new DefaultCookie(AdminAuth.COOKIE, sessionId);
    cookie.setHttpOnly(true);
    cookie.setSecure(secureCookie);
    cookie.setSameSite(SameSite.Strict);
    cookie.setPath("/admin/");
    cookie.setMaxAge(maxAgeSeconds);
    return ServerCookieEncoder.STRICT.encode(cookie);
  }

  /** The last 7 UTC days, today included. */
  private List<LocalDate> lastWeek() {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<LocalDate> days = new ArrayList<>();
    for (int i = 6; i >= 0; i--) {
      days.add(today.minusDays(i));
    }
    return days;
  }

  private GetStatsRequest.Builder lastWeekRange(List<LocalDate> days) {
    Instant start = days.get(0).atStartOfDay(ZoneOffset.UTC).toInstant();
    return GetStatsRequest.newBuilder().setStartTime(timestamp(start)).setEndTime(timestamp(clock.instant())).setTimeZone("UTC");
  }

  private CompletableFuture<EdgeResponse> partnerList(Identity who) {
    CompletableFuture<ListPartnersResponse> listed = UnaryCalls.call(
        stubs.withKey(PartnerServiceGrpc.newStub(channel), who.key())::listPartners,
        ListPartnersRequest.newBuilder().setPageSize(PARTNER_ROWS).build());
    return render(listed.thenApply(l -> AdminPages.partners(l, who.caller())));
  }

  private CompletableFuture<EdgeResponse> partner(Identity who, String partnerId) {
    List<LocalDate> days = lastWeek();
    CompletableFuture<GetStatsResponse> byAccount = UnaryCalls.call(stubs.withKey(reports, who.key())::getStats,
        lastWeekRange(days).setPartnerId(partnerId).addGroupBy(StatsDimension.STATS_DIMENSION_ACCOUNT).build());
    CompletableFuture<ListDestinationsResponse> destinations = UnaryCalls.call(
        stubs.withKey(DeliveryServiceGrpc.newStub(channel), who.key())::listDestinations,
        ListDestinationsRequest.newBuilder().setPartnerId(partnerId).build());
    ActionPages.Forms forms = who.forms();
    return render(byAccount.thenCombine(destinations, (r, d) -> AdminPages.partner(partnerId, days, r, d, who.caller(), forms)));
  }

  private CompletableFuture<EdgeResponse> stats(Identity who, String accountId, Breakdown by) {
    List<LocalDate> days = lastWeek();
    GetStatsRequest.Builder range = lastWeekRange(days).setAccountId(accountId);
    ReportServiceGrpc.ReportServiceStub report = stubs.withKey(reports, who.key());
    CompletableFuture<GetStatsResponse> byDay =
        UnaryCalls.call(report::getStats, range.clone().addGroupBy(StatsDimension.STATS_DIMENSION_DAY).build());
    CompletableFuture<GetStatsResponse> byCampaign = UnaryCalls.call(report::getStats,
        range.clone().addGroupBy(StatsDimension.STATS_DIMENSION_CAMPAIGN).addGroupBy(by.dimension).build());
    return render(byDay.thenCombine(byCampaign, (d, c) -> AdminPages.stats(accountId, days, d, c, by, who.caller())));
  }

  private CompletableFuture<EdgeResponse> postbacks(Identity who, String accountId) {
    DiagnosticsServiceGrpc.DiagnosticsServiceStub diagnostic = stubs.withKey(diagnostics, who.key());
    CompletableFuture<ListPostbacksResponse> log = UnaryCalls.call(diagnostic::listPostbacks,
        ListPostbacksRequest.newBuilder().setAccountId(accountId).setPageSize(LOG_ROWS).build());
    // Unauthenticated refusals are kept apart from the account's log: shown below it, sampled.
    CompletableFuture<ListPostbacksResponse> refused = UnaryCalls.call(diagnostic::listPostbacks,
        ListPostbacksRequest.newBuilder().setAccountId(accountId).setUnauthenticated(true).setPageSize(REFUSAL_ROWS).build());
    ActionPages.Forms forms = who.forms();
    return render(log.thenCombine(refused, (l, r) -> AdminPages.postbacks(accountId, l, r, who.caller(), forms)));
  }

  /** The account's destinations (its own and its partner's) and its latest deliveries with their attempts. */
  private CompletableFuture<EdgeResponse> deliveries(Identity who, String accountId) {
    DeliveryServiceGrpc.DeliveryServiceStub delivery = stubs.withKey(DeliveryServiceGrpc.newStub(channel), who.key());
    CompletableFuture<ListDestinationsResponse> destinations =
        UnaryCalls.call(delivery::listDestinations, ListDestinationsRequest.newBuilder().setAccountId(accountId).build());
    CompletableFuture<ListDeliveriesResponse> log = UnaryCalls.call(delivery::listDeliveries,
        ListDeliveriesRequest.newBuilder().setAccountId(accountId).setPageSize(LOG_ROWS).build());
    ActionPages.Forms forms = who.forms();
    return render(destinations.thenCombine(log, (d, l) -> AdminPages.deliveries(accountId, d, l, who.caller(), forms)));
  }

  private CompletableFuture<EdgeResponse> explain(Identity who, String kcid) {
    CompletableFuture<ExplainClickResponse> explained =
        UnaryCalls.call(stubs.withKey(diagnostics, who.key())::explainClick, ExplainClickRequest.newBuilder().setKcid(kcid).build());
    return render(explained.thenApply(e -> AdminPages.explain(kcid, e, who.caller())));
  }

  /** A rendered page, or the backend's error as a page with the status of the one error table. */
  private static CompletableFuture<EdgeResponse> render(CompletableFuture<String> html) {
    return html.handle((body, failure) -> failure == null ? page(200, body) : failurePage(failure));
  }

  /**
   * The backend's error as a page with the status of the one error table. A refusal of the signed-in
   * key (its role, its scope) is the server's answer to that human: 401/403, never a 5xx.
   */
  private static EdgeResponse failurePage(Throwable failure) {
    ErrorReason refused = BackendErrors.keyRefusal(failure);
    if (refused != null) {
      int status = ErrorReasons.httpStatus(refused);
      return page(status, AdminPages.error(status, ErrorReasons.shortName(refused),
          "The tracking-server refused the signed-in key: the web view needs a key with the read role."));
    }
    Status.Code code = Status.fromThrowable(failure).getCode();
    BackendFailure classified = BackendErrors.classify(failure);
    if (classified.reason() == ErrorReason.ERROR_REASON_INTERNAL
        && (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED)) {
      int status = code == Status.Code.PERMISSION_DENIED ? 403 : 401;
      return page(status, AdminPages.error(status, code.name(), "The tracking-server refused the signed-in key."));
    }
    int status = ErrorReasons.httpStatus(classified.reason());
    return page(status, AdminPages.error(status, ErrorReasons.shortName(classified.reason()), classified.message()));
  }

  private static String cookie(FullHttpRequest request) {
    String header = request.headers().get(HttpHeaderNames.COOKIE);
    if (header == null) {
      return null;
    }
    for (Cookie cookie : ServerCookieDecoder.STRICT.decode(header)) {
      if (cookie.name().equals(AdminAuth.COOKIE)) {
        return cookie.value();
      }
    }
    return null;
  }

  /** The percent-decoded segments after {@code /admin/}; empty segments are kept so {@code //} never matches a page. */
  private static List<String> segments(String rawPath) {
    String rest = rawPath.substring("/admin/".length());
    List<String> segments = new ArrayList<>();
    for (String segment : rest.split("/", -1)) {
      segments.add(QueryStringDecoder.decodeComponent(segment));
    }
    return segments;
  }

  static EdgeResponse page(int status, String html) {
    return new EdgeResponse(status, HTML, html.getBytes(StandardCharsets.UTF_8), PAGE_HEADERS, false);
  }

  /** 303 to a page of this view (the GET after a POST). */
  static EdgeResponse seeOther(String location) {
    return new EdgeResponse(303, null, new byte[0], PAGE_HEADERS, false).withHeader("Location", location);
  }

  static CompletableFuture<EdgeResponse> done(EdgeResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
