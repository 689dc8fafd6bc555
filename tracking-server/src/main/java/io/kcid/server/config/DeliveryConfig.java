package io.kcid.server.config;

import io.kcid.server.account.IpAllowlist;
import java.time.Duration;
import java.util.List;

/**
 * Outbound deliveries (destinations: partner postbacks and webhooks).
 *
 * @param workers whether this server runs delivery workers (KCID_DELIVERY_WORKERS); several
 *     servers may, each job is claimed by one at a time
 * @param maxAge how long a job is retried before it is dead-lettered (KCID_DELIVERY_MAX_AGE)
 * @param allowedNetworks CIDR blocks a destination may resolve to although they are internal
 *     (loopback, private, link-local …), e.g. for a receiver on the same host
 *     (KCID_DELIVERY_ALLOWED_NETWORKS, comma-separated)
 * @param connectTimeout TCP/TLS connect timeout per attempt (KCID_DELIVERY_CONNECT_TIMEOUT)
 * @param requestTimeout the whole attempt, connect to last byte read (KCID_DELIVERY_TIMEOUT)
 * @param concurrency requests in flight per destination and server unless the destination sets
 *     its own (KCID_DELIVERY_CONCURRENCY)
 * @param logRetention how long finished jobs and their attempts stay in the delivery log
 *     (KCID_DELIVERY_LOG_RETENTION)
 * @param circuitOpenAfter a destination failing every attempt for this long is paused by its
 *     circuit breaker, probed now and then, and resumes on the first success
 *     (KCID_DELIVERY_CIRCUIT_OPEN_AFTER)
 */
public record DeliveryConfig(
    boolean workers,
    Duration maxAge,
    List<String> allowedNetworks,
    Duration connectTimeout,
    Duration requestTimeout,
    int concurrency,
    Duration logRetention,
    Duration circuitOpenAfter) {
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(3);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_CONCURRENCY = 4;
  public static final Duration DEFAULT_LOG_RETENTION = Duration.ofDays(7);
  public static final Duration DEFAULT_CIRCUIT_OPEN_AFTER = Duration.ofHours(6);

  public DeliveryConfig {
    allowedNetworks = List.copyOf(allowedNetworks);
    try {
      IpAllowlist.parse(allowedNetworks);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "KCID_DELIVERY_ALLOWED_NETWORKS=" + String.join(",", allowedNetworks)
              + ": expected comma-separated IPs or CIDR blocks, e.g. 127.0.0.1/32,10.0.0.0/8");
    }
    between("KCID_DELIVERY_MAX_AGE", maxAge, Duration.ofMinutes(1), Duration.ofDays(30));
    between("KCID_DELIVERY_CONNECT_TIMEOUT", connectTimeout, Duration.ofMillis(100), Duration.ofMinutes(1));
    between("KCID_DELIVERY_TIMEOUT", requestTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
    between("KCID_DELIVERY_LOG_RETENTION", logRetention, Duration.ofMinutes(1), Duration.ofDays(90));
    between("KCID_DELIVERY_CIRCUIT_OPEN_AFTER", circuitOpenAfter, Duration.ofMinutes(1), Duration.ofDays(30));
    if (concurrency < 1 || concurrency > 256) {
      throw new IllegalArgumentException("KCID_DELIVERY_CONCURRENCY=" + concurrency + ": expected 1..256");
    }
  }

  public static DeliveryConfig defaults() {
    return new DeliveryConfig(
        true, DEFAULT_MAX_AGE, List.of(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_CONCURRENCY, DEFAULT_LOG_RETENTION, DEFAULT_CIRCUIT_OPEN_AFTER);
  }

  private static void between(String name, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name + "=" + (value == null ? "(unset)" : value.toMillis() + "ms") + ": expected " + min + " to " + max);
    }
  }
}
