package io.kcid.edge.config;

import picocli.CommandLine.Option;

/** The admin listener and connection-limit flags of {@code edge} (a picocli mixin); each has an env default. */
public final class ListenerOptions {
  @Option(names = "--admin-bind", defaultValue = "${env:KCID_EDGE_ADMIN_BIND:-127.0.0.1}",
      description = "Address of the admin listener serving /metrics and the web view /admin/ (env KCID_EDGE_ADMIN_BIND, default ${DEFAULT-VALUE}: loopback only).")
  String adminBind;

  @Option(names = "--admin-port", defaultValue = "${env:KCID_EDGE_ADMIN_PORT:-8081}",
      description = "Port of the admin listener; 0 = any free port (env KCID_EDGE_ADMIN_PORT, default ${DEFAULT-VALUE}). The public port serves /c, /postback, /postbacks, /healthz and /readyz only.")
  int adminPort;

  @Option(names = "--head-timeout-seconds", defaultValue = "${env:KCID_EDGE_HEAD_TIMEOUT_SECONDS:-10}",
      description = "A request head must be complete this long after its first byte, else 408 and close (env KCID_EDGE_HEAD_TIMEOUT_SECONDS, default ${DEFAULT-VALUE}).")
  long headTimeoutSeconds;

  @Option(names = "--body-timeout-seconds", defaultValue = "${env:KCID_EDGE_BODY_TIMEOUT_SECONDS:-30}",
      description = "A request body must be complete this long after its head, else 408 and close (env KCID_EDGE_BODY_TIMEOUT_SECONDS, default ${DEFAULT-VALUE}).")
  long bodyTimeoutSeconds;

  @Option(names = "--max-connections-per-address", defaultValue = "${env:KCID_EDGE_MAX_CONNECTIONS_PER_ADDRESS:-256}",
      description = "Open connections per client address (TCP peer, IPv6 /64; trusted proxies exempt) before new ones get 429 and are closed (env KCID_EDGE_MAX_CONNECTIONS_PER_ADDRESS, default ${DEFAULT-VALUE}).")
  int maxConnectionsPerAddress;

  @Option(names = "--max-connections", defaultValue = "${env:KCID_EDGE_MAX_CONNECTIONS:-10000}",
      description = "Open connections in all before new ones get 503 and are closed (env KCID_EDGE_MAX_CONNECTIONS, default ${DEFAULT-VALUE}).")
  int maxConnections;

  /**
   * The validated admin listener.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public AdminListener admin() {
    return new AdminListener(adminBind == null ? "" : adminBind.trim(), adminPort);
  }

  /**
   * The validated connection limits of each listener.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public ConnectionLimits connections() {
    return ConnectionLimits.ofSeconds(headTimeoutSeconds, bodyTimeoutSeconds, maxConnectionsPerAddress, maxConnections);
  }
}
