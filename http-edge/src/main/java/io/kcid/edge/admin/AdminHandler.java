package io.kcid.edge.admin;

import com.google.protobuf.Timestamp;
import io.grpc.Channel;
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
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The web view under {@code /admin/}: server-rendered HTML of an account's stats, its postback log
 * and the explanation of a kcid. It calls the tracking-server with the admin key as bearer (the
 * {@code channel} carries it), so the edge itself gains no read power: a human without the key
 * gets 401 here, and a key without the read role gets the server's PERMISSION_DENIED.
 */
public final class AdminHandler implements RouteHandler {
  private static final Map<String, String> PAGE_HEADERS = Map.of(
      "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      "X-Frame-Options", "DENY",
      "Referrer-Policy", "no-referrer");
  private static final String HTML = "text/html; charset=utf-8";
  /** Where a one-time link may send the browser: a path of this view, nothing else. */
  private static final Pattern NEXT = Pattern.compile("/admin/(accounts|kcid)/[A-Za-z0-9._~%-]+(/postbacks)?");
  private static final int LOG_ROWS = 100;
  private static final String REALM = "Bearer realm=\"kcid-admin\"";
  /** Sampled unauthenticated refusals shown under the log. */
  private static final int REFUSAL_ROWS = 20;

  private final AdminAuth auth;
  private final ReportServiceGrpc.ReportServiceStub reports;
  private final DiagnosticsServiceGrpc.DiagnosticsServiceStub diagnostics;
  private final Duration deadline;
  private final boolean secureCookie;
  private final Clock clock;
  private final LoginRateLimits logins;
  private final ClientIpResolver clientIps;

  /**
   * @param adminKey the configured admin key
   * @param channel the backend channel that sends the admin key as bearer
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
    this.reports = ReportServiceGrpc.newStub(channel);
    this.diagnostics = DiagnosticsServiceGrpc.newStub(channel);
    this.deadline = deadline;
    this.secureCookie = secureCookie;
    this.clock = clock;
    this.logins = logins;
    this.clientIps = clientIps;
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
      return serve(request, clientIps.resolve(peer, request.headers().getAll("X-Forwarded-For")));
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
    if (path.equals(List.of("login"))) {
      return done(request.method().equals(HttpMethod.POST) ? login(request, client) : page(200, AdminPages.login(null)));
    }
    if (!request.method().equals(HttpMethod.GET)) {
      return done(page(405, AdminPages.error(405, "METHOD_NOT_ALLOWED", "Use GET on this page.")).withHeader("Allow", "GET"));
    }
    if (path.size() == 2 && path.get(0).equals("session")) {
      return done(redeem(client, path.get(1), single(QueryParams.parameters(uri), "next")));
    }
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    String bearer = AdminAuth.bearer(authorization);
    if (bearer != null) {
      // A presented key is a sign-in attempt, on any page: limited like the login form.
      long wait = logins.refusedFor(client, bearer);
      if (wait > 0) {
        return done(tooManyAttempts(wait));
      }
      if (!auth.isKey(bearer)) {
        logins.failed(client, bearer);
        return done(signIn());
      }
    } else if (!auth.validSession(cookie(request))) {
      return done(signIn());
    }
    if (path.size() == 2 && path.get(0).equals("accounts")) {
      return stats(path.get(1));
    }
    if (path.size() == 3 && path.get(0).equals("accounts") && path.get(2).equals("postbacks")) {
      return postbacks(path.get(1));
    }
    if (path.size() == 2 && path.get(0).equals("kcid")) {
      return explain(path.get(1));
    }
    return done(page(404, AdminPages.error(404, "ROUTE_NOT_FOUND", "No such page in the web view.")));
  }

  private EdgeResponse login(FullHttpRequest request, String client) {
    String key = single(QueryParams.form(request.content().toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "key");
    String bearer = AdminAuth.bearer(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    String presented = key != null && !key.isEmpty() ? key : bearer;
    if (presented == null || presented.isEmpty()) {
      return page(401, AdminPages.login("Sign in with the admin key.")).withHeader("WWW-Authenticate", REALM);
    }
    long wait = logins.refusedFor(client, presented);
    if (wait > 0) {
      return tooManyAttempts(wait);
    }
    if (!auth.isKey(key) && !auth.isKey(bearer)) {
      logins.failed(client, presented);
      return page(401, AdminPages.login("That is not the admin key.")).withHeader("WWW-Authenticate", REALM);
    }
    return page(200, AdminPages.signedIn(auth.newNonce())).withHeader("Set-Cookie", sessionCookie());
  }

  private EdgeResponse redeem(String client, String nonce, String next) {
    long wait = logins.refusedFor(client, null);
    if (wait > 0) {
      return tooManyAttempts(wait);
    }
    if (!auth.redeem(nonce)) {
      logins.failed(client, null);
      return page(401, AdminPages.login("This sign-in link was used already or has expired."));
    }
    String location = next != null && NEXT.matcher(next).matches() ? next : "/admin/login";
    return new EdgeResponse(303, null, new byte[0], PAGE_HEADERS, false)
        .withHeader("Location", location)
        .withHeader("Set-Cookie", sessionCookie());
  }

  private static EdgeResponse signIn() {
    return page(401, AdminPages.login("Sign in with the admin key.")).withHeader("WWW-Authenticate", REALM);
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

  private String sessionCookie() {
    DefaultCookie cookie = new DefaultCookie(AdminAuth.COOKIE, auth.newSession());
    cookie.setHttpOnly(true);
    cookie.setSecure(secureCookie);
    cookie.setSameSite(SameSite.Strict);
    cookie.setPath("/admin/");
    cookie.setMaxAge(AdminAuth.SESSION_TTL.toSeconds());
    return ServerCookieEncoder.STRICT.encode(cookie);
  }

  private CompletableFuture<EdgeResponse> stats(String accountId) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<LocalDate> days = new ArrayList<>();
    for (int i = 6; i >= 0; i--) {
      days.add(today.minusDays(i));
    }
    Instant start = days.get(0).atStartOfDay(ZoneOffset.UTC).toInstant();
    GetStatsRequest.Builder range = GetStatsRequest.newBuilder().setAccountId(accountId).setStartTime(timestamp(start))
        .setEndTime(timestamp(clock.instant())).setTimeZone("UTC");
    CompletableFuture<GetStatsResponse> byDay = new CompletableFuture<>();
    reports.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .getStats(range.clone().addGroupBy(StatsDimension.STATS_DIMENSION_DAY).build(), UnaryCalls.completing(byDay));
    CompletableFuture<GetStatsResponse> byCampaign = new CompletableFuture<>();
    reports.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .getStats(range.clone().addGroupBy(StatsDimension.STATS_DIMENSION_CAMPAIGN).addGroupBy(StatsDimension.STATS_DIMENSION_GOAL).build(),
            UnaryCalls.completing(byCampaign));
    return render(byDay.thenCombine(byCampaign, (d, c) -> AdminPages.stats(accountId, days, d, c)));
  }

  private CompletableFuture<EdgeResponse> postbacks(String accountId) {
    CompletableFuture<ListPostbacksResponse> log = new CompletableFuture<>();
    diagnostics.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).listPostbacks(
        ListPostbacksRequest.newBuilder().setAccountId(accountId).setPageSize(LOG_ROWS).build(), UnaryCalls.completing(log));
    // Unauthenticated refusals are kept apart from the account's log: shown below it, sampled.
    CompletableFuture<ListPostbacksResponse> refused = new CompletableFuture<>();
    diagnostics.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).listPostbacks(
        ListPostbacksRequest.newBuilder().setAccountId(accountId).setUnauthenticated(true).setPageSize(REFUSAL_ROWS).build(),
        UnaryCalls.completing(refused));
    return render(log.thenCombine(refused, (l, r) -> AdminPages.postbacks(accountId, l, r)));
  }

  private CompletableFuture<EdgeResponse> explain(String kcid) {
    CompletableFuture<ExplainClickResponse> explained = new CompletableFuture<>();
    diagnostics.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .explainClick(ExplainClickRequest.newBuilder().setKcid(kcid).build(), UnaryCalls.completing(explained));
    return render(explained.thenApply(e -> AdminPages.explain(kcid, e)));
  }

  /** A rendered page, or the backend's error as a page with the status of the one error table. */
  private static CompletableFuture<EdgeResponse> render(CompletableFuture<String> html) {
    return html.handle((body, failure) -> {
      if (failure == null) {
        return page(200, body);
      }
      ErrorReason refused = BackendErrors.keyRefusal(failure);
      if (refused != null) {
        int status = ErrorReasons.httpStatus(refused);
        return page(status, AdminPages.error(status, ErrorReasons.shortName(refused),
            "The tracking-server refused the admin key: the web view needs a key with the read role."));
      }
      BackendFailure classified = BackendErrors.classify(failure);
      int status = ErrorReasons.httpStatus(classified.reason());
      return page(status, AdminPages.error(status, ErrorReasons.shortName(classified.reason()), classified.message()));
    });
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

  private static EdgeResponse page(int status, String html) {
    return new EdgeResponse(status, HTML, html.getBytes(StandardCharsets.UTF_8), PAGE_HEADERS, false);
  }

  private static CompletableFuture<EdgeResponse> done(EdgeResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
