package io.kcid.server.metrics;

import io.kcid.core.metrics.PromtoolNames;
import io.kcid.server.click.ClickListener;
import io.kcid.server.delivery.DeliveryListener;
import io.kcid.server.postback.RecordListener;
import io.kcid.server.store.ConversionEventLog.GroupBacklog;
import io.kcid.server.store.ReplicaWaitListener;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The tracking-server's Prometheus meters, in one registry: gRPC calls ({@link GrpcCallMeters}),
 * Redis command latency (Lettuce's own recorder), the JVM, and kcid's own counters. The features
 * never see Micrometer: they tell small listener interfaces of their own ({@link ClickListener},
 * {@link RecordListener}, {@link ReplicaWaitListener}), which this class implements. Every label
 * value comes from a closed set, and every kcid series is registered here at zero, before the
 * first event, so dashboards and alerts see it from the first scrape.
 */
public final class ServerMetrics implements AutoCloseable {
  /** Consumer groups whose backlog is published, at most. */
  static final int MAX_GROUPS = 50;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final Map<ClickListener.Kind, Counter> clicks = new EnumMap<>(ClickListener.Kind.class);
  private final Map<ReplicaWaitListener.Result, Counter> waits = new EnumMap<>(ReplicaWaitListener.Result.class);
  private final ConversionMeters conversions;
  private final GrpcCallMeters grpcCalls;
  private final DeliveryMeters deliveries;
  private final MultiGauge streamPending;
  private final MultiGauge streamLag;
  private final AtomicLong statsHotHashes = new AtomicLong();
  private final Counter statsHashesCompacted;
  private final Counter statsCompactionFailures;

  public ServerMetrics() {
    PromtoolNames.apply(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    for (ClickListener.Kind kind : ClickListener.Kind.values()) {
      clicks.put(kind, Counter.builder("kcid.server.clicks.issued")
          .description("Clicks stored, by how their kcid was minted: here (minted) or by an edge's spool (pre_minted)")
          .tag("kind", label(kind))
          .register(registry));
    }
    for (ReplicaWaitListener.Result result : ReplicaWaitListener.Result.values()) {
      waits.put(result, Counter.builder("kcid.server.redis.wait")
          .description("Replication barriers (WAIT after acknowledged writes, KCID_REDIS_WAIT_REPLICAS), by result")
          .tag("result", label(result))
          .register(registry));
    }
    conversions = new ConversionMeters(registry);
    grpcCalls = new GrpcCallMeters(registry);
    deliveries = new DeliveryMeters(registry);
    streamPending = MultiGauge.builder("kcid.server.stream.group.pending")
        .description("Conversion events delivered to a consumer group and not yet acknowledged, over all partitions")
        .register(registry);
    streamLag = MultiGauge.builder("kcid.server.stream.group.lag")
        .description("Conversion events not yet delivered to a consumer group, over all partitions (Redis 7+)")
        .register(registry);
    Gauge.builder("kcid.server.stats.hot.hashes", statsHotHashes, AtomicLong::get)
        .description("Stats and dimension hashes kept as hash tables (their hour current or in its grace),"
            + " over all partitions, as the last compaction pass found them")
        .register(registry);
    statsHashesCompacted = Counter.builder("kcid.server.stats.hashes.compacted")
        .description("Past hours' stats and dimension hashes this server rewrote as compact listpacks")
        .register(registry);
    statsCompactionFailures = Counter.builder("kcid.server.stats.compaction.failures")
        .description("Stats compaction passes that failed; each is tried again a minute later")
        .register(registry);
  }

  /** The gRPC calls by service, method and code, and refusals by reason. */
  public GrpcCallMeters grpcCalls() {
    return grpcCalls;
  }

  /** Records every Redis command's latency: set on the Lettuce client's resources. */
  public CommandLatencyRecorder redisLatency() {
    // No histogram (Lettuce's would be some 70 buckets per command and node) and no client-side
    // quantiles: count, sum and max per command and node keep the series few.
    return new MicrometerCommandLatencyRecorder(registry, MicrometerOptions.builder()
        .enable()
        .histogram(false)
        .targetPercentiles(new double[0])
        // One connection per Redis node: the local address would only multiply the series.
        .localDistinction(false)
        .maxLatency(Duration.ofSeconds(5))
        .build());
  }

  /** Counts every click stored. */
  public ClickListener clicks() {
    return kind -> clicks.get(kind).increment();
  }

  /** Counts every postback's outcome and reason. */
  public RecordListener conversions() {
    return conversions;
  }

  /** Counts how every replication barrier ended. */
  public ReplicaWaitListener replicaWaits() {
    return result -> waits.get(result).increment();
  }

  /** Publishes the postback log writes that failed (their postbacks were answered normally). */
  public void postbackLogFailures(LongSupplier failures) {
    FunctionCounter.builder("kcid.server.postback.log.write.failures", failures, f -> f.getAsLong())
        .description("Postback log writes that failed since start; their postbacks were answered normally")
        .register(registry);
  }

  /** Counts delivery attempts and times deliveries. */
  public DeliveryListener deliveries() {
    return deliveries;
  }

  /** Publishes the pending delivery jobs over all partitions, as last counted. */
  public void deliveriesPending(LongSupplier pending) {
    Gauge.builder("kcid.deliveries.pending", pending::getAsLong)
        .description("Delivery jobs waiting for their first attempt or a retry, over all partitions")
        .register(registry);
  }

  /** Publishes one stats compaction pass: the hashes it rewrote, and those it left hot. */
  public void statsCompacted(int rewritten, int leftHot) {
    statsHashesCompacted.increment(rewritten);
    statsHotHashes.set(leftHot);
  }

  /** Counts a stats compaction pass that failed. */
  public void statsCompactionFailed() {
    statsCompactionFailures.increment();
  }

  /** Publishes how many conversion streams this server serves now. */
  public void streamReaders(IntSupplier readers) {
    // The supplier form holds the supplier strongly: given as an object with a function, Micrometer
    // would hold the (otherwise unreferenced) method reference weakly and read NaN after a GC.
    Gauge.builder("kcid.server.stream.readers", readers::getAsInt)
        .description("StreamConversions calls this server serves now (at most 256)")
        .register(registry);
  }

  /**
   * Publishes the consumer groups' backlogs, replacing the previous ones. Group names are chosen by
   * the stream's callers: at most {@value #MAX_GROUPS} are published, to bound the series.
   */
  public void streamBacklogs(Map<String, GroupBacklog> groups) {
    List<MultiGauge.Row<?>> pending = new ArrayList<>();
    List<MultiGauge.Row<?>> lag = new ArrayList<>();
    for (GroupBacklog g : groups.values()) {
      if (pending.size() == MAX_GROUPS) {
        break;
      }
      pending.add(MultiGauge.Row.of(Tags.of("group", g.group()), g.pending()));
      if (g.lag() >= 0) {
        lag.add(MultiGauge.Row.of(Tags.of("group", g.group()), g.lag()));
      }
    }
    streamPending.register(pending, true);
    streamLag.register(lag, true);
  }

  /** What the HTTP endpoint serves. */
  PrometheusRegistry prometheusRegistry() {
    return registry.getPrometheusRegistry();
  }

  /** Prometheus text of every meter, as the endpoint serves it. */
  public String scrape() {
    return registry.scrape();
  }

  /** A closed-set enum value as a label: {@code TOO_FEW_REPLICAS} becomes {@code too_few_replicas}. */
  static String label(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
