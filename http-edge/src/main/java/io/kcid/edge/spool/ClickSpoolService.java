package io.kcid.edge.spool;

import io.grpc.Channel;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.edge.config.SpoolConfig;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The click spool of one edge and its helpers, started and stopped together. */
public final class ClickSpoolService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClickSpoolService.class);
  /** Edges sharing one default spool directory name on a machine. */
  private static final int MAX_SIBLINGS = 64;
  private final ClickSpool spool;
  private final ClickVerifiers verifiers;
  private final ClickReplayer replayer;
  private final DegradedClicks degraded;

  private ClickSpoolService(ClickSpool spool, ClickVerifiers verifiers, ClickReplayer replayer, DegradedClicks degraded) {
    this.spool = spool;
    this.verifiers = verifiers;
    this.replayer = replayer;
    this.degraded = degraded;
  }

  /**
   * Opens the spool (clicks left by an earlier run are replayed), starts loading click secrets and
   * replaying.
   *
   * @param callDeadline deadline of the background calls (secrets, replays)
   */
  public static ClickSpoolService start(SpoolConfig config, Channel channel, MeterRegistry registry, Duration callDeadline) {
    Clock clock = Clock.systemUTC();
    KcidCodec codec = new KcidCodec(config.keys(), config.partitions());
    SpoolMetrics metrics = new SpoolMetrics(registry);
    ClickSpool spool = open(config);
    metrics.spoolBytes(spool::bytes);
    ClickVerifiers verifiers = new ClickVerifiers(channel, codec, config.partitions(), config.verifierRefresh(), callDeadline, clock);
    metrics.verifierAccounts(verifiers::accounts);
    metrics.verifierWatch(verifiers::watching);
    ClickReplayer replayer = new ClickReplayer(spool, ClickServiceGrpc.newStub(channel), callDeadline, metrics);
    DegradedClicks degraded = new DegradedClicks(codec, verifiers, spool, metrics, config.clickDeadline(), clock);
    verifiers.start();
    replayer.start();
    return new ClickSpoolService(spool, verifiers, replayer, degraded);
  }

  /** The configured directory, or with a default one held by another edge, its first free sibling. */
  static ClickSpool open(SpoolConfig config) {
    if (!config.defaultDir()) {
      return ClickSpool.open(config.dir(), config.maxBytes());
    }
    for (int n = 1; ; n++) {
      Path dir = n == 1 ? config.dir() : config.dir().resolveSibling(config.dir().getFileName() + "-" + n);
      try {
        ClickSpool spool = ClickSpool.open(dir, config.maxBytes());
        if (n > 1) {
          log.info("click spool {} is held by another edge on this machine; this edge spools to {}", config.dir(), dir);
        }
        return spool;
      } catch (ClickSpool.SpoolLockedException e) {
        if (n >= MAX_SIBLINGS) {
          throw e;
        }
      }
    }
  }

  public DegradedClicks degraded() {
    return degraded;
  }

  public ClickSpool spool() {
    return spool;
  }

  /** Stops replaying and refreshing, then closes the spool (what was accepted is on disk). */
  @Override
  public void close() {
    replayer.close();
    verifiers.close();
    spool.close();
  }
}
