package io.kcid.edge;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.kcid.edge.admin.AdminHandler;
import io.kcid.edge.click.ClickHandler;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.config.EdgeSecurity;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.edge.grpc.BackendHealth;
import io.kcid.edge.http.Lifecycle;
import io.kcid.edge.http.OpsHandlers;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.Route;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.http.Router;
import io.kcid.edge.limit.ClickRateLimit;
import io.kcid.edge.limit.InFlightLimiter;
import io.kcid.edge.limit.LoginRateLimits;
import io.kcid.edge.limit.PostbackRateLimits;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.edge.postback.BatchPostbackHandler;
import io.kcid.edge.postback.PostbackBackend;
import io.kcid.edge.postback.PostbackHandler;
import io.kcid.edge.spool.ClickSpoolService;
import io.kcid.edge.spool.DegradedClicks;
import io.kcid.edge.tracing.EdgeTracing;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the edge does with a request, built from its configuration and a channel to the
 * tracking-server: metrics, the backend's health, limits, the click spool (with its verifier watch)
 * and the routes of both listeners. It binds nothing: {@link HttpEdge} serves these routers.
 *
 * @param metrics the edge's Prometheus metrics
 * @param lifecycle in-flight requests and the shutting-down flag {@code /readyz} reports
 * @param health the tracking-server's health, checked in the background once started
 * @param spool the click spool, or null when the edge runs without one
 * @param publicRouter the public port's routes ({@code /c}, {@code /postback(s)}, {@code /healthz}, {@code /readyz})
 * @param adminRouter the admin listener's routes ({@code /metrics}, the web view when an admin key is set)
 */
record EdgeWiring(
    EdgeMetrics metrics, Lifecycle lifecycle, BackendHealth health, ClickSpoolService spool, Router publicRouter, Router adminRouter) {
  private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);
  private static final Duration MAX_HEALTH_DEADLINE = Duration.ofMillis(800);

  /** Builds the edge's handlers; what needs closing (metrics, health check, spool) is registered on {@code steps}. */
  static EdgeWiring wire(EdgeConfig config, ManagedChannel channel, StartupSteps steps) {
    EdgeMetrics metrics = steps.open("create the metrics", EdgeMetrics::new, EdgeMetrics::close);
    EdgeTracing tracing = steps.open("start tracing", () -> EdgeTracing.start(config.tracing()), EdgeTracing::close);
    EdgeSecurity security = config.security();
    Duration callDeadline = config.backend().callDeadline();
    InFlightLimiter inFlight = new InFlightLimiter(security.maxInFlight());
    // Calls carry traceparent when tracing is on (the admin view's calls are not traced).
    Channel backend = tracing.intercept(backend(channel, security.apiKey(), inFlight));
    Duration healthDeadline = callDeadline.compareTo(MAX_HEALTH_DEADLINE) < 0 ? callDeadline : MAX_HEALTH_DEADLINE;
    BackendHealth health = steps.open(
        "create the backend health check", () -> new BackendHealth(backend, HEALTH_INTERVAL, healthDeadline), BackendHealth::close);
    // The spool's replayer and secret refresh call the server too: with the edge's API key.
    ClickSpoolService spool = config.resilience().spool().isEmpty() ? null : steps.open(
        "start the click spool",
        () -> ClickSpoolService.start(config.resilience().spool().get(), backend, metrics.registry(), callDeadline),
        ClickSpoolService::close);
    DegradedClicks degraded = spool == null ? null : spool.degraded();
    Lifecycle lifecycle = new Lifecycle();
    Responses responses = new Responses(config.listen().retryAfterSeconds());
    ClientIpResolver clientIps = new ClientIpResolver(config.listen().trustedProxies());

    Map<Route, RouteHandler> handlers = new EnumMap<>(Route.class);
    handlers.put(Route.CLICK, tracing.traced(Route.CLICK, new ClickRateLimit(config.abuse(), clientIps, System::nanoTime).wrap(
        new ClickHandler(ClickServiceGrpc.newStub(backend), callDeadline, responses, metrics, degraded, clientIps,
            security.maxInFlight(), tracing.batchCalls()))));
    PostbackRateLimits limits =
        new PostbackRateLimits(security.ratePerIp(), security.ratePerAccount(), security.burstSeconds(), System::nanoTime);
    PostbackBackend postbacks = new PostbackBackend(
        ConversionServiceGrpc.newStub(backend), callDeadline, responses, metrics, clientIps, limits);
    handlers.put(Route.POSTBACK,
        tracing.traced(Route.POSTBACK, new PostbackHandler(postbacks, security.maxInFlight(), tracing.batchCalls())));
    handlers.put(Route.POSTBACKS, tracing.traced(Route.POSTBACKS, new BatchPostbackHandler(postbacks)));
    handlers.put(Route.HEALTHZ, OpsHandlers.healthz());
    // With a spool the edge stays ready while the backend is away: it still answers clicks.
    handlers.put(
        Route.READYZ,
        OpsHandlers.readyz(lifecycle, () -> health.serving() || (degraded != null && degraded.ready()), responses));

    // /metrics and the web view are served on the admin listener only, never on the public port.
    Map<Route, RouteHandler> adminHandlers = new EnumMap<>(Route.class);
    adminHandlers.put(Route.METRICS, OpsHandlers.metrics(metrics));
    if (security.adminKey() != null) {
      // The view's calls carry the signed-in human's key (each call its own), never the edge's.
      adminHandlers.put(Route.ADMIN, new AdminHandler(
          security.adminKey(), backend(channel, null, inFlight), callDeadline, security.https(),
          new LoginRateLimits(config.abuse().loginFailuresPerMinute(), System::nanoTime), clientIps));
    }
    return new EdgeWiring(
        metrics, lifecycle, health, spool, new Router(handlers, responses), new Router(adminHandlers, responses));
  }

  /**
   * The channel as the handlers use it: every call carries the edge's API key (when it has one) and
   * counts against the in-flight bound.
   */
  private static Channel backend(ManagedChannel channel, String apiKey, InFlightLimiter inFlight) {
    // ClientInterceptors.intercept runs the last interceptor first: the bound is checked before the key is attached.
    return apiKey == null
        ? ClientInterceptors.intercept(channel, inFlight)
        : ClientInterceptors.intercept(channel, BackendAuth.bearer(apiKey), inFlight);
  }
}
