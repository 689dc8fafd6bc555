package io.kcid.server.config;

import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys.ConfiguredKey;
import io.kcid.server.common.IpPrivacy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Caller authentication, transport security, overload bounds and privacy of a tracking-server,
 * validated at start.
 *
 * @param auth whether callers must present an API key
 * @param apiKeys keys from KCID_API_KEYS (the bootstrap admin key)
 * @param apiKeyReload how often stored keys are reloaded (a revocation elsewhere takes this long)
 * @param tlsCert PEM certificate chain; with {@code tlsKey}, the server speaks only TLS (null: plaintext)
 * @param tlsKey PEM PKCS#8 private key of {@code tlsCert}
 * @param tlsClientCa PEM CA bundle; when set, clients must present a certificate it signed (mTLS)
 * @param maxConcurrentCalls unary calls in progress across all connections before RESOURCE_EXHAUSTED
 * @param maxCallsPerConnection concurrent streams one HTTP/2 connection may open
 * @param ipPrivacy what becomes of client IP addresses before they are stored
 */
public record ServerSecurity(
    AuthMode auth,
    List<ConfiguredKey> apiKeys,
    Duration apiKeyReload,
    Path tlsCert,
    Path tlsKey,
    Path tlsClientCa,
    int maxConcurrentCalls,
    int maxCallsPerConnection,
    IpPrivacy ipPrivacy) {

  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 4096;
  public static final int DEFAULT_MAX_CALLS_PER_CONNECTION = 1000;

  public ServerSecurity {
    Objects.requireNonNull(auth, "auth");
    apiKeys = List.copyOf(apiKeys);
    Objects.requireNonNull(ipPrivacy, "ipPrivacy");
    if (apiKeyReload == null || apiKeyReload.toMillis() < 100 || apiKeyReload.toMillis() > 300_000) {
      throw new IllegalArgumentException(
          "KCID_API_KEY_CACHE_MS=" + (apiKeyReload == null ? null : apiKeyReload.toMillis()) + ": expected 100..300000");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("KCID_TLS_CERT and KCID_TLS_KEY go together: set both or neither");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new IllegalArgumentException("KCID_TLS_CLIENT_CA (mTLS) needs KCID_TLS_CERT and KCID_TLS_KEY");
    }
    requireReadable("KCID_TLS_CERT", tlsCert);
    requireReadable("KCID_TLS_KEY", tlsKey);
    requireReadable("KCID_TLS_CLIENT_CA", tlsClientCa);
    if (maxConcurrentCalls < 1 || maxConcurrentCalls > 1_000_000) {
      throw new IllegalArgumentException("KCID_MAX_CONCURRENT_CALLS=" + maxConcurrentCalls + ": expected 1..1000000");
    }
    if (maxCallsPerConnection < 1 || maxCallsPerConnection > 100_000) {
      throw new IllegalArgumentException(
          "KCID_MAX_CALLS_PER_CONNECTION=" + maxCallsPerConnection + ": expected 1..100000");
    }
  }

  /** Open auth, no keys, plaintext, default bounds, truncated IPs: for tests and embedding on loopback. */
  public static ServerSecurity open() {
    return new ServerSecurity(
        AuthMode.OPEN, List.of(), Duration.ofSeconds(5), null, null, null,
        DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_MAX_CALLS_PER_CONNECTION, IpPrivacy.truncate());
  }

  public boolean tls() {
    return tlsCert != null;
  }

  public ServerSecurity withAuth(AuthMode mode, List<ConfiguredKey> keys) {
    return new ServerSecurity(mode, keys, apiKeyReload, tlsCert, tlsKey, tlsClientCa,
        maxConcurrentCalls, maxCallsPerConnection, ipPrivacy);
  }

  public ServerSecurity withTls(Path cert, Path key, Path clientCa) {
    return new ServerSecurity(auth, apiKeys, apiKeyReload, cert, key, clientCa,
        maxConcurrentCalls, maxCallsPerConnection, ipPrivacy);
  }

  public ServerSecurity withMaxConcurrentCalls(int max) {
    return new ServerSecurity(auth, apiKeys, apiKeyReload, tlsCert, tlsKey, tlsClientCa,
        max, maxCallsPerConnection, ipPrivacy);
  }

  private static void requireReadable(String name, Path file) {
    if (file != null && !Files.isReadable(file)) {
      throw new IllegalArgumentException(name + "=" + file + ": not a readable file");
    }
  }
}
