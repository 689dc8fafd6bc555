package io.kcid.edge.config;

import io.kcid.edge.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The public listener, the one that faces the internet ({@code /c}, {@code /postback},
 * {@code /postbacks}, {@code /healthz}, {@code /readyz}), and how it answers.
 *
 * @param bindHost address to listen on, e.g. {@code 0.0.0.0}; default {@value #DEFAULT_BIND}
 * @param port TCP port; 0 picks a free ephemeral port; default {@value #DEFAULT_PORT}
 * @param workerThreads Netty worker event loops; 0 = Netty's default (2 x CPUs); default 0
 * @param maxBodyBytes largest accepted request body; larger bodies are answered 413; default
 *     {@value #DEFAULT_MAX_BODY_BYTES}
 * @param retryAfter value of {@code Retry-After} on every 503 and 429, rounded up to whole seconds;
 *     default 2 s
 * @param trustedProxies IP addresses or CIDR blocks of the proxies in front of the edge; only their
 *     {@code X-Forwarded-For} is believed when the edge forwards a postback's client address;
 *     default none
 */
public record PublicListener(
    String bindHost, int port, int workerThreads, int maxBodyBytes, Duration retryAfter, List<String> trustedProxies) {
  public static final String DEFAULT_BIND = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_WORKER_THREADS = 0;
  public static final int DEFAULT_MAX_BODY_BYTES = 65536;
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(2);

  /** Upper bound of the body limit: the edge aggregates bodies in memory. */
  public static final int MAX_BODY_LIMIT = 16 * 1024 * 1024;

  public PublicListener {
    require(bindHost != null && !bindHost.isBlank(), "bind host must be a host name or IP address, got '" + bindHost + "'");
    require(port >= 0 && port <= 65535, "port must be between 0 and 65535 (0 = any free port), got " + port);
    require(
        maxBodyBytes >= 1 && maxBodyBytes <= MAX_BODY_LIMIT,
        "max body bytes must be between 1 and " + MAX_BODY_LIMIT + ", got " + maxBodyBytes);
    require(
        workerThreads >= 0 && workerThreads <= 1024,
        "worker threads must be between 0 (Netty default) and 1024, got " + workerThreads);
    Objects.requireNonNull(retryAfter, "retry-after must be set");
    require(
        retryAfter.compareTo(Duration.ofSeconds(1)) >= 0 && retryAfter.compareTo(Duration.ofHours(1)) <= 0,
        "retry-after must be between 1 s and 3600 s, got " + retryAfter.toMillis() + " ms");
    Objects.requireNonNull(trustedProxies, "trusted proxies must be set (an empty list trusts none)");
    trustedProxies = List.copyOf(trustedProxies);
    for (String block : trustedProxies) {
      Cidr.parse(block); // throws IllegalArgumentException naming the bad value
    }
  }

  /** {@code Retry-After} in whole seconds (rounded up, never 0). */
  public long retryAfterSeconds() {
    long seconds = retryAfter.toSeconds();
    return retryAfter.toNanosPart() > 0 ? seconds + 1 : seconds;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
