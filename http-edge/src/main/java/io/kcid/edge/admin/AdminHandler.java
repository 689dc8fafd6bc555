package io.kcid.edge.admin;

import com.google.protobuf.Timestamp;
import io.grpc.Channel;
import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.RouteHandler;
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
  /** Sampled unauthenticated refusals shown under the log. */
  private static final int REFUSAL_ROWS = 20;

  private final AdminAuth auth;
  private final ReportServiceGrpc.ReportServiceStub reports;
  private final DiagnosticsServiceGrpc.DiagnosticsServiceStub diagnostics;
  private final Duration deadline;
  private final boolean secureCookie;
  private final Clock clock;

  /**
   * @param adminKey the configured admin key
   * @param channel the backend channel that sends the admin key as bearer
   * @param secureCookie the edge serves HTTPS: the session cookie is {@code Secure}
   */
  public AdminHandler(String adminKey, Channel channel, Duration deadline, boolean secureCookie) {
    this(adminKey, channel, deadline, secureCookie, Clock.systemUTC());
  }

  AdminHandler(String adminKey, Channel channel, Duration deadline, boolean secureCookie, Clock clock) {
    this.auth = new AdminAuth(adminKey, clock);
    this.reports = ReportServiceGrpc.newStub(channel);
    this.diagnostics = DiagnosticsServiceGrpc.newStub(channel);
    this.deadline = deadline;
    this.secureCookie = secureCookie;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    QueryStringDecoder uri = QueryParams.uri(request.uri());
    List<String> path = segments(uri.rawPath());
    if (path.equals(List.of("login"))) {
      return done(request.method().equals(HttpMethod.POST) ? login(request) : page(200, AdminPages.login(null)));
    }
    if (!request.method().equals(HttpMethod.GET)) {
      return done(page(405, AdminPages.error(405, "METHOD_NOT_ALLOWED", "Use GET on this page.")).withHeader("Allow", "GET"));
    }
    if (path.size() == 2 && path.get(0).equals("session")) {
      return done(redeem(path.get(1), QueryParams.single(uri.parameters().get("next"))));
    }
    if (!auth.authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION), cookie(request))) {
      return done(page(401, AdminPages.login("Sign in with the admin key.")).withHeader("WWW-Authenticate", "Bearer realm=\"kcid-admin\""));
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

  private EdgeResponse login(FullHttpRequest request) {
    String key = QueryParams.single(QueryParams.form(request.content().toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8).get("key"));
    String bearer = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (!auth.isKey(key) && !auth.authorized(bearer, null)) {
      return page(401, AdminPages.login("That is not the admin key."));
    }
    return page(200, AdminPages.signedIn(auth.newNonce())).withHeader("Set-Cookie", sessionCookie());
  }

  private EdgeResponse redeem(String nonce, String next) {
    if (!auth.redeem(nonce)) {
      return page(401, AdminPages.login("This sign-in link was used already or has expired."));
    }
    String location = next != null && NEXT.matcher(next).matches() ? next : "/admin/login";
    return new EdgeResponse(303, null, new byte[0], PAGE_HEADERS, false)
        .withHeader("Location", location)
        .withHeader("Set-Cookie", sessionCookie());
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
