package io.kcid.edge.config;

import io.kcid.core.kcid.KcidKeyRing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The edge's fault-tolerance flags (a picocli mixin of {@code edge}); every flag has an env default.
 * The click spool is on by default, in {@code $KCID_HOME/spool/edge-<port>} ({@code KCID_HOME}
 * defaults to {@code .kcid}), and needs the deployment's MAC keys; {@code --spool-dir off} turns it
 * off.
 */
public final class ResilienceOptions {
  @Option(names = "--drain-delay-ms", defaultValue = "${env:KCID_EDGE_DRAIN_DELAY_MS:-1000}",
      description = "On shutdown, time /readyz answers 503 before the edge stops accepting (env KCID_EDGE_DRAIN_DELAY_MS, default ${DEFAULT-VALUE}).")
  long drainDelayMs;

  /** The value of {@code --spool-dir} that turns the click spool off. */
  public static final String OFF = "off";

  @Option(names = "--spool-dir", defaultValue = "${env:KCID_EDGE_SPOOL_DIR:-}",
      description = "Directory of the click spool, which keeps clicks redirecting while the tracking-server is away (needs --mac-keys); 'off' = no spool, clicks get 503 while the server is away (env KCID_EDGE_SPOOL_DIR, default $KCID_HOME/spool/edge-<port>).")
  String spoolDir;

  @Option(names = "--spool-max-bytes", defaultValue = "${env:KCID_EDGE_SPOOL_MAX_BYTES:-268435456}",
      description = "Most the click spool may hold; a click that does not fit is answered 503 (env KCID_EDGE_SPOOL_MAX_BYTES, default ${DEFAULT-VALUE}).")
  long spoolMaxBytes;

  @Option(names = "--click-deadline-ms", defaultValue = "${env:KCID_EDGE_CLICK_DEADLINE_MS:-300}",
      description = "With a spool: how long a click waits for the tracking-server before the edge redirects it itself (env KCID_EDGE_CLICK_DEADLINE_MS, default ${DEFAULT-VALUE}).")
  long clickDeadlineMs;

  @Option(names = "--verifier-refresh-ms", defaultValue = "${env:KCID_EDGE_VERIFIER_REFRESH_MS:-30000}",
      description = "With a spool: how often the edge re-reads all the accounts' click secrets; changes arrive within about a second through a watch in between (env KCID_EDGE_VERIFIER_REFRESH_MS, default ${DEFAULT-VALUE}).")
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
   * The validated configuration of an edge listening on {@code port}.
   *
   * @throws IllegalArgumentException naming the bad value (never echoing a secret)
   */
  public ResilienceConfig config(int port) {
    return config(port, System.getenv("KCID_HOME"));
  }

  /** As {@link #config(int)}, with {@code kcidHome} as {@code $KCID_HOME} (null or blank: {@code .kcid}). */
  ResilienceConfig config(int port, String kcidHome) {
    ResilienceConfig noSpool = new ResilienceConfig(Duration.ofMillis(drainDelayMs), Optional.empty());
    String dir = spoolDir == null ? "" : spoolDir.trim();
    if (dir.equalsIgnoreCase(OFF)) {
      return noSpool;
    }
    if (macKeys == null || macKeys.isBlank()) {
      throw new IllegalArgumentException(
          "KCID_MAC_KEYS is not set: the click spool (on by default, so that clicks keep redirecting while the"
              + " tracking-server is away) mints kcids with the tracking-server's keys. Give the edge the same"
              + " KCID_MAC_KEYS, KCID_MAC_ACTIVE_KEY and KCID_PARTITIONS as the tracking-server, or set"
              + " KCID_EDGE_SPOOL_DIR=off to answer clicks 503 while the server is away");
    }
    boolean defaultDir = dir.isEmpty();
    return new ResilienceConfig(noSpool.drainDelay(), Optional.of(
        new SpoolConfig(
            KcidKeyRing.parse(macKeys, activeKey),
            partitions,
            defaultDir ? defaultDir(kcidHome, port) : Path.of(dir),
            spoolMaxBytes,
            Duration.ofMillis(clickDeadlineMs),
            Duration.ofMillis(verifierRefreshMs),
            defaultDir)));
  }

  /** {@code <kcidHome>/spool/edge-<port>}: one directory per edge port on a machine. */
  public static Path defaultDir(String kcidHome, int port) {
    Path home = Path.of(kcidHome == null || kcidHome.isBlank() ? ".kcid" : kcidHome.trim());
    return home.resolve("spool").resolve("edge-" + port).toAbsolutePath();
  }
}
