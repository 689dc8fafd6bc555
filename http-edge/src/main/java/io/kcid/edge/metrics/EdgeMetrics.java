package io.kcid.edge.metrics;

import io.grpc.Status;
import io.kcid.core.metrics.PromtoolNames;
import io.kcid.edge.http.Route;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The edge's Prometheus metrics. Every label value comes from a closed set (route labels, status
 * codes, reason names, gRPC code names), never from request data: no tokens, signatures, kcids or
 * raw paths can reach {@code /metrics}. Every labelled series is registered at zero up front, so
 * dashboards and alerts see it from the first scrape, and every name passes {@code promtool check
 * metrics}.
 */
public final class EdgeMetrics implements AutoCloseable {
  /** Prometheus text exposition format 0.0.4, what {@link PrometheusMeterRegistry#scrape()} writes. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)
  };

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final Counter unknownPostbackParameters;
  // Meters are looked up here, not through the registry: registering (building ids, tags, a
  // synchronized map lookup) on every request was a measurable part of a click's CPU.
  private final Map<Route, Timer> timers = new EnumMap<>(Route.class);
  private final Map<Integer, Counter> requestCounters = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter>> postbackCounters = new ConcurrentHashMap<>();
  private final Map<Status.Code, Counter> backendErrors = new ConcurrentHashMap<>();

  public EdgeMetrics() {
    PromtoolNames.apply(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    for (Route route : Route.values()) {
      timers.put(route, timer(route)); // registered up front so every route shows in the first scrape
    }
    unknownPostbackParameters =
        Counter.builder("kcid.edge.postback.unknown.parameters")
            .description("Postback parameters the edge does not know and ignored")
            .register(registry);
    // Every answer the edge can give: 200, its redirect, and the status of every reason.
    TreeSet<Integer> statuses = new TreeSet<>(java.util.List.of(200, 302));
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason != ErrorReason.UNRECOGNIZED) {
        statuses.add(ErrorReasons.httpStatus(reason));
      }
    }
    for (Route route : Route.values()) {
      statuses.forEach(status -> requestCounter(route, status));
    }
    postbackCounter("accepted", "none");
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason == ErrorReason.UNRECOGNIZED || reason == ErrorReason.ERROR_REASON_UNSPECIFIED) {
        continue;
      }
      boolean duplicate = reason == ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
          || reason == ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION;
      postbackCounter(duplicate ? "duplicate" : "rejected", ErrorReasons.shortName(reason));
    }
    for (Status.Code code : Status.Code.values()) {
      if (code != Status.Code.OK) {
        backendErrorCounter(code);
      }
    }
  }

  /** One answered request. */
  public void request(Route route, int status, long durationNanos) {
    requestCounter(route, status).increment();
    timers.get(route).record(durationNanos, TimeUnit.NANOSECONDS);
  }

  private Counter requestCounter(Route route, int status) {
    return requestCounters.computeIfAbsent(
        route.ordinal() * 1000 + status,
        k ->
            Counter.builder("kcid.edge.requests")
                .description("HTTP requests answered, by route and status")
                .tag("route", route.label())
                .tag("status", Integer.toString(status))
                .register(registry));
  }

  /** One postback outcome: accepted, duplicate or rejected, with its reason short name ("none" when accepted). */
  public void postback(String outcome, String reason) {
    postbackCounter(outcome, reason).increment();
  }

  private Counter postbackCounter(String outcome, String reason) {
    return postbackCounters
        .computeIfAbsent(outcome, o -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("kcid.edge.postbacks")
                    .description("Postbacks by outcome and reason")
                    .tag("outcome", outcome)
                    .tag("reason", reason)
                    .register(registry));
  }

  /** One failed backend call, by gRPC status code. */
  public void backendError(Status.Code code) {
    backendErrorCounter(code).increment();
  }

  private Counter backendErrorCounter(Status.Code code) {
    return backendErrors.computeIfAbsent(
        code,
        c ->
            Counter.builder("kcid.edge.backend.errors")
                .description("Failed gRPC calls to the tracking-server, by status code")
                .tag("code", c.name())
                .register(registry));
  }

  /** Parameters a postback carried that the edge ignores (names are not labels: senders choose them). */
  public void unknownPostbackParameters(int count) {
    if (count > 0) {
      unknownPostbackParameters.increment(count);
    }
  }

  /** The registry, for components that publish their own meters (the click spool). */
  public io.micrometer.core.instrument.MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  private Timer timer(Route route) {
    return Timer.builder("kcid.edge.request.duration")
        .description("Time from a complete request to its response, by route")
        .tag("route", route.label())
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
