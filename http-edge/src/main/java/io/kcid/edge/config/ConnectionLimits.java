package io.kcid.edge.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on how long a connection may take to send a request and how many connections the edge
 * holds: the defence against slow-loris clients (a request head or body trickled a byte at a time)
 * and against one address holding every file descriptor. Validated once at start-up.
 *
 * <p>Why the defaults do not hurt slow but honest clients: a request head is one or two TCP
 * segments (the edge caps it at 8 KiB + 16 KiB); even on a 2G link (about 50 kbit/s, 1 s round
 * trip) it arrives within 2 s of its first byte, and 10 s still leaves room for three lost-segment
 * retransmissions (1 + 2 + 4 s). A body is at most {@code KCID_EDGE_MAX_BODY_BYTES} (64 KiB by
 * default, about 10 s at 50 kbit/s): 30 s is three times that. Clicks ({@code GET /c}) have no body.
 * 256 connections per address leaves room for a carrier-grade NAT full of phones (a browser opens at
 * most 6 per host) and for a network's postback sender with a large pool; 10 000 in all is far below
 * what one edge serves, and each held connection costs only a file descriptor and a few KiB.
 *
 * @param headTimeout a request head (request line and header fields) must be complete this long
 *     after its first byte arrived, else 408 REQUEST_TIMEOUT and the connection is closed
 * @param bodyTimeout a request body must be complete this long after its head, else 408 and close
 * @param maxPerAddress connections one client address (the TCP peer; an IPv6 /64 counts as one
 *     address) may hold open; more are answered 429 RATE_LIMITED and closed. Trusted proxies
 *     ({@code KCID_EDGE_TRUSTED_PROXIES}) are exempt: they must enforce their own per-client caps.
 * @param maxConnections connections the listener holds open in all; more are answered 503
 *     TOO_MANY_CONNECTIONS and closed
 */
public record ConnectionLimits(Duration headTimeout, Duration bodyTimeout, int maxPerAddress, int maxConnections) {
  public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_PER_ADDRESS = 256;
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
  private static final int MAX_CONNECTIONS_LIMIT = 1_000_000;

  public ConnectionLimits {
    Objects.requireNonNull(headTimeout, "head timeout must be set");
    Objects.requireNonNull(bodyTimeout, "body timeout must be set");
    require(headTimeout.compareTo(Duration.ofMillis(100)) >= 0 && headTimeout.compareTo(MAX_TIMEOUT) <= 0,
        "KCID_EDGE_HEAD_TIMEOUT_SECONDS must be between 1 and 600 seconds, got " + headTimeout.toMillis() + " ms");
    require(bodyTimeout.compareTo(Duration.ofMillis(100)) >= 0 && bodyTimeout.compareTo(MAX_TIMEOUT) <= 0,
        "KCID_EDGE_BODY_TIMEOUT_SECONDS must be between 1 and 600 seconds, got " + bodyTimeout.toMillis() + " ms");
    require(maxConnections >= 1 && maxConnections <= MAX_CONNECTIONS_LIMIT,
        "KCID_EDGE_MAX_CONNECTIONS must be between 1 and " + MAX_CONNECTIONS_LIMIT + ", got " + maxConnections);
    require(maxPerAddress >= 1 && maxPerAddress <= maxConnections,
        "KCID_EDGE_MAX_CONNECTIONS_PER_ADDRESS must be between 1 and KCID_EDGE_MAX_CONNECTIONS (" + maxConnections
            + "), got " + maxPerAddress);
  }

  /** Head 10 s, body 30 s, 256 connections per address, 10 000 in all. */
  public static ConnectionLimits defaults() {
    return new ConnectionLimits(DEFAULT_HEAD_TIMEOUT, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_PER_ADDRESS, DEFAULT_MAX_CONNECTIONS);
  }

  /** From whole seconds, as the flags give them. */
  public static ConnectionLimits ofSeconds(long headSeconds, long bodySeconds, int maxPerAddress, int maxConnections) {
    require(headSeconds >= 1 && headSeconds <= MAX_TIMEOUT.toSeconds(),
        "KCID_EDGE_HEAD_TIMEOUT_SECONDS must be between 1 and 600 seconds, got " + headSeconds);
    require(bodySeconds >= 1 && bodySeconds <= MAX_TIMEOUT.toSeconds(),
        "KCID_EDGE_BODY_TIMEOUT_SECONDS must be between 1 and 600 seconds, got " + bodySeconds);
    return new ConnectionLimits(Duration.ofSeconds(headSeconds), Duration.ofSeconds(bodySeconds), maxPerAddress, maxConnections);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
