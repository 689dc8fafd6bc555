package io.kcid.edge.config;

import io.kcid.edge.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Immutable settings of one http-edge process, validated once at start-up so a bad value fails fast
 * with a message that names the value and what was expected.
 *
 * @param bindHost address to listen on, e.g. {@code 0.0.0.0}
 * @param port TCP port; 0 picks a free ephemeral port
 * @param grpcTarget gRPC target of the tracking-server, e.g. {@code localhost:9090} or {@code dns:///tracking:9090}
 * @param callDeadline deadline of every backend call; an answer later than this is an unknown outcome (503)
 * @param maxBodyBytes largest accepted request body; larger bodies are answered 413
 * @param workerThreads Netty worker event loops; 0 = Netty's default (2 x CPUs)
 * @param retryAfter value of {@code Retry-After} on every 503 and 429, rounded up to whole seconds
 * @param trustedProxies IP addresses or CIDR blocks of the proxies in front of the edge; only their
 *     {@code X-Forwarded-For} is believed when the edge forwards a postback's client address
 * @param security API key and TLS towards the tracking-server, HTTPS, rate limits and in-flight bound
 */
public record EdgeConfig(
    String bindHost,
    int port,
    String grpcTarget,
    Duration callDeadline,
    int maxBodyBytes,
    int workerThreads,
    Duration retryAfter,
    List<String> trustedProxies,
    EdgeSecurity security) {

  /** Upper bound of the body limit: the edge aggregates bodies in memory. */
  public static final int MAX_BODY_LIMIT = 16 * 1024 * 1024;

  public EdgeConfig {
    require(bindHost != null && !bindHost.isBlank(), "bind host must be a host name or IP address, got '" + bindHost + "'");
    require(port >= 0 && port <= 65535, "port must be between 0 and 65535 (0 = any free port), got " + port);
    require(
        grpcTarget != null && !grpcTarget.isBlank() && grpcTarget.chars().noneMatch(Character::isWhitespace),
        "gRPC target must be host:port or a gRPC target URI such as dns:///host:9090, got '" + grpcTarget + "'");
    Objects.requireNonNull(callDeadline, "call deadline must be set");
    require(
        !callDeadline.isNegative() && !callDeadline.isZero() && callDeadline.compareTo(Duration.ofMinutes(1)) <= 0,
        "call deadline must be between 1 ms and 60000 ms, got " + callDeadline.toMillis() + " ms");
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
    Objects.requireNonNull(security, "security must be set");
  }

  /** No API key, TLS or rate limits ({@link EdgeSecurity#none()}): for tests and embedding. */
  public EdgeConfig(
      String bindHost, int port, String grpcTarget, Duration callDeadline, int maxBodyBytes, int workerThreads, Duration retryAfter,
      List<String> trustedProxies) {
    this(bindHost, port, grpcTarget, callDeadline, maxBodyBytes, workerThreads, retryAfter, trustedProxies, EdgeSecurity.none());
  }

  /** A copy with other security settings. */
  public EdgeConfig withSecurity(EdgeSecurity newSecurity) {
    return new EdgeConfig(bindHost, port, grpcTarget, callDeadline, maxBodyBytes, workerThreads, retryAfter, trustedProxies, newSecurity);
  }

  /** No trusted proxies: the client address is always the TCP peer. */
  public EdgeConfig(
      String bindHost, int port, String grpcTarget, Duration callDeadline, int maxBodyBytes, int workerThreads, Duration retryAfter) {
    this(bindHost, port, grpcTarget, callDeadline, maxBodyBytes, workerThreads, retryAfter, List.of());
  }

  /** A copy with these trusted proxies (IP addresses or CIDR blocks). */
  public EdgeConfig withTrustedProxies(List<String> proxies) {
    return new EdgeConfig(bindHost, port, grpcTarget, callDeadline, maxBodyBytes, workerThreads, retryAfter, proxies, security);
  }

  /** Bind 0.0.0.0:8080, backend localhost:9090, 1500 ms deadline, 64 KiB bodies, default workers, Retry-After 2 s, no trusted proxies. */
  public static EdgeConfig defaults() {
    return new EdgeConfig("0.0.0.0", 8080, "localhost:9090", Duration.ofMillis(1500), 65536, 0, Duration.ofSeconds(2));
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
