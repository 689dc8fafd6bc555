package io.kcid.edge.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the edge authenticates to the tracking-server, protects its own listener, and bounds load.
 *
 * @param apiKey API key sent as {@code authorization: Bearer} on every backend call (needs the
 *     issue and ingest roles), or null when the server runs with open auth
 * @param grpcTlsCa PEM CA bundle the server's certificate must chain to; when set the edge talks TLS
 * @param grpcTlsCert PEM client certificate for mTLS (with {@code grpcTlsKey}), or null
 * @param grpcTlsKey PEM PKCS#8 key of {@code grpcTlsCert}
 * @param httpsCert PEM certificate chain; with {@code httpsKey} the edge serves HTTPS only
 * @param httpsKey PEM PKCS#8 key of {@code httpsCert}
 * @param ratePerIp postbacks per second per client address (IPv6: per /64); 0 = unlimited
 * @param ratePerAccount postbacks per second per account (named account, else token digest); 0 = unlimited
 * @param burstSeconds a bucket holds this many seconds of its rate, so short bursts pass
 * @param maxInFlight backend calls in progress before new ones are answered 503 at once
 * @param adminKey the web view's admin key (an API key with the read role): humans present it to
 *     {@code /admin/*} and the edge forwards it as the bearer of the view's read calls; null = view off
 */
public record EdgeSecurity(
    String apiKey,
    Path grpcTlsCa,
    Path grpcTlsCert,
    Path grpcTlsKey,
    Path httpsCert,
    Path httpsKey,
    double ratePerIp,
    double ratePerAccount,
    double burstSeconds,
    int maxInFlight,
    String adminKey) {

  /** The {@code edge} command's defaults (its flags); {@link #none()} and {@link EdgeConfig#builder()} start without rate limits. */
  public static final double DEFAULT_RATE_PER_IP = 200;
  public static final double DEFAULT_RATE_PER_ACCOUNT = 1000;
  public static final double DEFAULT_BURST_SECONDS = 2;
  public static final int DEFAULT_MAX_IN_FLIGHT = 1024;

  public EdgeSecurity {
    apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
    adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey.trim();
    require(adminKey == null || adminKey.chars().allMatch(c -> c > 0x20 && c < 0x7f),
        "KCID_EDGE_ADMIN_KEY must be printable ASCII without spaces");
    require(adminKey == null || adminKey.length() >= 16, "KCID_EDGE_ADMIN_KEY must be at least 16 characters");
    require(apiKey == null || apiKey.chars().allMatch(c -> c > 0x20 && c < 0x7f),
        "KCID_EDGE_API_KEY must be printable ASCII without spaces");
    require((grpcTlsCert == null) == (grpcTlsKey == null), "KCID_GRPC_TLS_CERT and KCID_GRPC_TLS_KEY go together: set both or neither");
    require(grpcTlsCert == null || grpcTlsCa != null, "a gRPC client certificate (KCID_GRPC_TLS_CERT) needs KCID_GRPC_TLS_CA");
    require((httpsCert == null) == (httpsKey == null), "KCID_EDGE_TLS_CERT and KCID_EDGE_TLS_KEY go together: set both or neither");
    readable("KCID_GRPC_TLS_CA", grpcTlsCa);
    readable("KCID_GRPC_TLS_CERT", grpcTlsCert);
    readable("KCID_GRPC_TLS_KEY", grpcTlsKey);
    readable("KCID_EDGE_TLS_CERT", httpsCert);
    readable("KCID_EDGE_TLS_KEY", httpsKey);
    require(ratePerIp >= 0 && ratePerIp <= 1_000_000, "KCID_EDGE_RATE_PER_IP must be between 0 (unlimited) and 1000000, got " + ratePerIp);
    require(ratePerAccount >= 0 && ratePerAccount <= 1_000_000,
        "KCID_EDGE_RATE_PER_ACCOUNT must be between 0 (unlimited) and 1000000, got " + ratePerAccount);
    require(burstSeconds >= 1 && burstSeconds <= 3600, "KCID_EDGE_RATE_BURST_SECONDS must be between 1 and 3600, got " + burstSeconds);
    require(maxInFlight >= 1 && maxInFlight <= 1_000_000, "KCID_EDGE_MAX_IN_FLIGHT must be between 1 and 1000000, got " + maxInFlight);
  }

  /** No key, plaintext, no rate limits, the default in-flight bound: for tests and embedding. */
  public static EdgeSecurity none() {
    return new EdgeSecurity(null, null, null, null, null, null, 0, 0, DEFAULT_BURST_SECONDS, DEFAULT_MAX_IN_FLIGHT, null);
  }

  public boolean grpcTls() {
    return grpcTlsCa != null;
  }

  public boolean https() {
    return httpsCert != null;
  }

  @Override
  public String toString() {
    return "EdgeSecurity[apiKey=" + (apiKey == null ? "none" : "set") + ", grpcTls=" + grpcTls() + ", https=" + https()
        + ", ratePerIp=" + ratePerIp + ", ratePerAccount=" + ratePerAccount + ", burstSeconds=" + burstSeconds
        + ", maxInFlight=" + maxInFlight + ", adminKey=" + (adminKey == null ? "none" : "set") + "]"; // never the keys
  }

  private static void readable(String name, Path file) {
    require(file == null || Files.isReadable(file), name + "=" + file + ": not a readable file");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
