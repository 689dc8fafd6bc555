package io.kcid.edge.spool;

import io.kcid.core.kcid.KcidKeyRing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The edge's fault-tolerance flags (a picocli mixin of {@code edge}); every flag has an env default.
 * The spool is on when both a spool directory and the deployment's MAC keys are given.
 */
public final class ResilienceOptions {
  @Option(names = "--drain-delay-ms", defaultValue = "${env:KCID_EDGE_DRAIN_DELAY_MS:-1000}",
      description = "On shutdown, time /readyz answers 503 before the edge stops accepting (env KCID_EDGE_DRAIN_DELAY_MS, default ${DEFAULT-VALUE}).")
  long drainDelayMs;

  @Option(names = "--spool-dir", defaultValue = "${env:KCID_EDGE_SPOOL_DIR:-}",
      description = "Directory of the click spool; with --mac-keys, clicks keep redirecting while the tracking-server is away (env KCID_EDGE_SPOOL_DIR, default none).")
  String spoolDir;

  @Option(names = "--spool-max-bytes", defaultValue = "${env:KCID_EDGE_SPOOL_MAX_BYTES:-268435456}",
      description = "Most the click spool may hold; a click that does not fit is answered 503 (env KCID_EDGE_SPOOL_MAX_BYTES, default ${DEFAULT-VALUE}).")
  long spoolMaxBytes;

  @Option(names = "--click-deadline-ms", defaultValue = "${env:KCID_EDGE_CLICK_DEADLINE_MS:-300}",
      description = "With a spool: how long a click waits for the tracking-server before the edge redirects it itself (env KCID_EDGE_CLICK_DEADLINE_MS, default ${DEFAULT-VALUE}).")
  long clickDeadlineMs;

  @Option(names = "--verifier-refresh-ms", defaultValue = "${env:KCID_EDGE_VERIFIER_REFRESH_MS:-30000}",
      description = "With a spool: how often the edge re-reads the accounts' click secrets (env KCID_EDGE_VERIFIER_REFRESH_MS, default ${DEFAULT-VALUE}).")
  long verifierRefreshMs;

  @Option(names = "--mac-keys", defaultValue = "${env:KCID_MAC_KEYS:-}",
      description = "With a spool: the deployment's kcid MAC keys, as given to the tracking-server (env KCID_MAC_KEYS).")
  String macKeys;

  @Option(names = "--mac-active-key", defaultValue = "${env:KCID_MAC_ACTIVE_KEY:-1}",
      description = "With a spool: key id that signs new kcids (env KCID_MAC_ACTIVE_KEY, default ${DEFAULT-VALUE}).")
  int activeKey;

  @Option(names = "--partitions", defaultValue = "${env:KCID_PARTITIONS:-16}",
      description = "With a spool: the deployment's storage partitions (env KCID_PARTITIONS, default ${DEFAULT-VALUE}).")
  int partitions;

  /**
   * The validated configuration.
   *
   * @throws IllegalArgumentException naming the bad value (never echoing a secret)
   */
  public ResilienceConfig config() {
    ResilienceConfig config = new ResilienceConfig(Duration.ofMillis(drainDelayMs), Optional.empty());
    boolean hasDir = spoolDir != null && !spoolDir.isBlank();
    boolean hasKeys = macKeys != null && !macKeys.isBlank();
    if (hasDir != hasKeys) {
      throw new IllegalArgumentException(
          hasDir
              ? "KCID_EDGE_SPOOL_DIR is set but KCID_MAC_KEYS is not: the spool needs the deployment's kcid keys"
              : "KCID_MAC_KEYS is set but KCID_EDGE_SPOOL_DIR is not: give the edge a spool directory");
    }
    if (!hasDir) {
      return config;
    }
    return config.withSpool(
        new SpoolConfig(
            KcidKeyRing.parse(macKeys, activeKey),
            partitions,
            Path.of(spoolDir.trim()),
            spoolMaxBytes,
            Duration.ofMillis(clickDeadlineMs),
            Duration.ofMillis(verifierRefreshMs)));
  }
}
