package io.kcid.edge.config;

import java.util.Objects;

/**
 * Where the edge serves {@code /metrics} and the web view ({@code /admin/…}): a listener of its own,
 * apart from the public port that faces the internet (which serves {@code /c}, {@code /postback},
 * {@code /postbacks}, {@code /healthz} and {@code /readyz} only). Bound to loopback by default, so
 * operators reach it on the host, through an SSH tunnel or through their own authenticated proxy.
 *
 * @param bindHost address to listen on, e.g. {@code 127.0.0.1}
 * @param port TCP port; 0 picks a free port
 */
public record AdminListener(String bindHost, int port) {
  /** The port {@code ./kcid edge} and {@code ./kcid up} use unless told otherwise (embedded edges: any free port). */
  public static final int DEFAULT_PORT = 8081;
  public static final String DEFAULT_BIND = "127.0.0.1";

  public AdminListener {
    Objects.requireNonNull(bindHost, "admin bind host must be set");
    if (bindHost.isBlank()) {
      throw new IllegalArgumentException("KCID_EDGE_ADMIN_BIND must be a host name or IP address, got '" + bindHost + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("KCID_EDGE_ADMIN_PORT must be between 0 and 65535 (0 = any free port), got " + port);
    }
  }
}
