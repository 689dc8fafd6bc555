package io.kcid.server;

import io.kcid.server.config.MetricsConfig;
import io.kcid.server.config.RedisConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.delivery.DeliveryParts;
import io.kcid.server.metrics.MetricsEndpoint;
import io.kcid.server.metrics.ServerMetrics;
import io.kcid.server.store.redis.RedisConnector;
import java.time.Clock;

/**
 * {@code kcid deliver}: only the delivery workers, against the same Redis and settings as the
 * tracking-servers (no gRPC listener; the metrics endpoint when configured). Runs beside or
 * instead of the servers' own workers (KCID_DELIVERY_WORKERS=false on the servers).
 */
public final class DeliveryRole implements AutoCloseable {
  private final ServerConfig config;
  private final ServerComponents components;
  private final RedisConnector redis;
  private final ServerMetrics metrics;
  private final MetricsEndpoint metricsEndpoint;

  private DeliveryRole(ServerConfig config, ServerComponents components, RedisConnector redis, ServerMetrics metrics,
      MetricsEndpoint metricsEndpoint) {
    this.config = config;
    this.components = components;
    this.redis = redis;
    this.metrics = metrics;
    this.metricsEndpoint = metricsEndpoint;
  }

  /** Connects and starts the workers; {@code parts} replaces the delivery ends (tests). */
  public static DeliveryRole start(ServerConfig config, DeliveryParts parts) {
    if (!config.delivery().workers()) {
      throw new IllegalArgumentException("KCID_DELIVERY_WORKERS=false: a delivery role without workers has nothing to do");
    }
    StartupSteps steps = new StartupSteps();
    ServerMetrics metrics = steps.closeOnFailure("the metrics", new ServerMetrics());
    MetricsConfig metricsConfig = config.metrics();
    MetricsEndpoint endpoint = !metricsConfig.enabled() ? null : steps.run(
        "serve metrics on " + metricsConfig.bindHost() + ":" + metricsConfig.port()
            + " (KCID_METRICS_BIND, KCID_METRICS_PORT; -1 for none)",
        () -> steps.closeOnFailure("the metrics endpoint", MetricsEndpoint.start(metricsConfig, metrics)));
    RedisConfig redisConfig = config.redis();
    RedisConnector redis = steps.run("connect to Redis at " + redisConfig.redactedUrl(), () -> steps.closeOnFailure(
        "the Redis connection",
        RedisConnector.connect(redisConfig.url(), redisConfig.timeout(), redisConfig.queueSize())));
    ServerComponents components = steps.run("build the delivery workers",
        () -> ServerComponents.wire(config, redis, Clock.systemUTC(), metrics, parts));
    steps.run("start the delivery workers", components.deliveryWorkers::start);
    steps.done();
    return new DeliveryRole(config, components, redis, metrics, endpoint);
  }

  /** Stops claiming, lets sends in flight finish within the shutdown grace, then disconnects. */
  @Override
  public void close() {
    try {
      components.deliveryWorkers.close(config.listen().shutdownGrace());
      components.streams.close();
      components.verifierWatch.close();
      components.deliverySender.close();
    } finally {
      redis.close();
      if (metricsEndpoint != null) {
        metricsEndpoint.close();
      }
      metrics.close();
    }
  }
}
