package io.kcid.cli;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.EdgeMain;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.config.EdgeSecurity;
import io.kcid.edge.config.ListenerOptions;
import io.kcid.edge.config.SpoolConfig;
import io.kcid.server.ServerMain;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys.ConfiguredKey;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kcid up}: Redis (embedded real redis-server unless KCID_REDIS_URL is set), the
 * tracking-server and the http-edge in one foreground process, for a laptop or a demo. Ctrl-C
 * stops them in order: edge, server (draining), Redis.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    footer = {"%nExamples:", "  ./kcid up", "  ./kcid up --edge-port 8088"},
    description = "Start Redis, tracking-server and http-edge locally, in the foreground.")
final class UpCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

  @Option(names = "--edge-port", defaultValue = "${env:KCID_EDGE_PORT:-8080}",
      description = "HTTP edge port (KCID_EDGE_PORT). Default: ${DEFAULT-VALUE}")
  int edgePort;

  @Option(names = "--redis-port", defaultValue = "${env:KCID_REDIS_PORT:-0}",
      description = "Port of the embedded Redis; 0 picks a free one (KCID_REDIS_PORT). Default: ${DEFAULT-VALUE}")
  int redisPort;

  @Option(names = "--redis-server", defaultValue = "${env:KCID_REDIS_SERVER}",
      description = "The redis-server binary the embedded Redis runs, e.g. /usr/bin/redis-server for a Redis 7 or "
          + "Valkey build (KCID_REDIS_SERVER). Default: the Redis 6.2 bundled with kcid")
  String redisServer;

  @Override
  public Integer call() throws Exception {
    Path home = LocalCredentials.home().toAbsolutePath();
    ServerMain serverOptions = CommandLine.populateCommand(new ServerMain());
    LocalRedis localRedis;
    try {
      localRedis = serverOptions.hasRedisUrl() ? null
          : LocalRedis.start(redisPort, home.resolve("redis"), false, LocalRedis.binary(redisServer));
    } catch (IllegalArgumentException e) {
      System.err.println("kcid up: invalid configuration: " + e.getMessage());
      return 2;
    }
    List<ConfiguredKey> localKeys = LocalApiKeys.ensure(home);
    ServerConfig config;
    EdgeConfig.Builder edgeConfig;
    try {
      config = serverOptions
          .withLocalDefaults(localRedis == null ? null : localRedis.url(), devKeys(home))
          .withLocalSecurity(localKeys)
          .config();
      edgeConfig = edgeFromEnvironment(home, localKeys);
      edgeConfig.build(); // refuse a bad edge setting before anything starts
    } catch (IllegalArgumentException e) {
      if (localRedis != null) {
        localRedis.close();
      }
      System.err.println("kcid up: invalid configuration: " + e.getMessage());
      return 2;
    }
    TrackingServer server = TrackingServer.start(config);
    // The edge keeps clicks while the server is away: it mints with the same keys and spools
    // next to the Redis data. No drain delay: nothing balances load in front of a laptop.
    SpoolConfig spool = new SpoolConfig(config.kcid().macKeys(), config.kcid().partitions(), home.resolve("edge-spool"),
        256L << 20, Duration.ofMillis(300), Duration.ofSeconds(30));
    EdgeConfig edgeSettings = edgeConfig.port(edgePort).grpcTarget("localhost:" + server.port()).spool(spool).build();
    HttpEdge edge = HttpEdge.start(edgeSettings);

    // Ctrl-C and SIGTERM stop everything here, in order, before the JVM's shutdown begins: its
    // hooks run concurrently (embedded-redis registers one that stops Redis), so a hook alone
    // could stop Redis under a server still draining.
    CountDownLatch signalled = new CountDownLatch(1);
    StopSignals.onStop(signalled::countDown);
    Runnable stopAll = orderedStop(edge, server, localRedis);
    // Any other way out (SIGHUP, an error elsewhere) still stops them, with no order guaranteed.
    Runtime.getRuntime().addShutdownHook(new Thread(stopAll, "kcid-up-shutdown"));
    // Only now say "Press Ctrl-C": one pressed before the handler above was installed began the
    // JVM's own shutdown, and adding the hook then failed ("Shutdown in progress", exit 130).
    printWhereItRuns(home, config, server, edgeSettings, edge, localRedis);
    signalled.await();
    stopAll.run();
    System.out.println("kcid stopped");
    return 0;
  }

  /** Edge, then server (draining its calls), then Redis: each stops while what it uses is still up. Runs once. */
  private static Runnable orderedStop(HttpEdge edge, TrackingServer server, LocalRedis localRedis) {
    AtomicBoolean once = new AtomicBoolean();
    return () -> {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      edge.close();
      server.close();
      log.info("tracking-server stopped");
      if (localRedis != null) {
        localRedis.close();
        log.info("embedded redis-server stopped");
      }
    };
  }

  /**
   * The edge's settings from the KCID_EDGE_… variables (security, abuse limits, the admin listener
   * with /metrics and the web view, connection limits), falling back to the local keys: the edge
   * calls the server with the local issue key and the web view signs in with the local admin key.
   */
  private static EdgeConfig.Builder edgeFromEnvironment(Path home, List<ConfiguredKey> localKeys) {
    EdgeMain edgeFromEnv = CommandLine.populateCommand(new EdgeMain());
    EdgeSecurity fromEnv = edgeFromEnv.security();
    ListenerOptions edgeListeners = CommandLine.populateCommand(new ListenerOptions());
    EdgeConfig.Builder edgeConfig = EdgeConfig.builder()
        .security(fromEnv)
        .abuseLimits(edgeFromEnv.abuseLimits())
        .admin(edgeListeners.admin())
        .connections(edgeListeners.connections());
    if (fromEnv.apiKey() == null) {
      edgeConfig.apiKey(localKeys.get(0).secret());
    }
    if (fromEnv.adminKey() == null) {
      edgeConfig.adminKey(LocalApiKeys.admin(home).orElseThrow());
    }
    return edgeConfig;
  }

  private static void printWhereItRuns(
      Path home, ServerConfig config, TrackingServer server, EdgeConfig edgeSettings, HttpEdge edge,
      LocalRedis localRedis) {
    System.out.println("kcid is up");
    System.out.println("  gRPC   localhost:" + server.port() + "   (tracking-server; grpcurl -plaintext localhost:" + server.port() + " list)");
    System.out.println("  auth   " + (config.security().auth() == AuthMode.OPEN
        ? "OPEN on " + config.listen().bindHost() + " (no API key needed; KCID_AUTH=required to enforce keys)"
        : "API keys required") + "; local keys in " + home.resolve("api-keys"));
    String scheme = "http" + (edgeSettings.security().https() ? "s" : "");
    String admin = scheme + "://" + hostForUrl(edgeSettings.admin().bindHost()) + ":" + edge.adminPort();
    System.out.println("  HTTP   " + scheme + "://localhost:" + edge.port() + "   (public: /c click redirects, /postback, /postbacks, /healthz, /readyz)");
    System.out.println("  Admin  " + admin + "/metrics   (admin listener on " + edgeSettings.admin().bindHost()
        + ": /metrics and the web view)");
    System.out.println("  Web    " + admin + "/admin/accounts/<id>   (sign in at " + admin + "/admin/login with the key in "
        + home.resolve("api-keys").resolve(LocalApiKeys.ADMIN) + ")");
    System.out.println("  Metrics " + (server.metricsPort() < 0
        ? "off (KCID_METRICS_PORT=-1)"
        : "http://" + hostForUrl(config.metrics().bindHost()) + ":" + server.metricsPort()
            + "/metrics   (tracking-server, Prometheus; the edge's are on its admin listener)"));
    System.out.println("  Redis  " + (localRedis == null
        ? config.redis().redactedUrl()
        : localRedis.url() + "   (embedded redis-server, data in " + home.resolve("redis") + ")"));
    System.out.println("Press Ctrl-C to stop.");
  }

  /** A bind address as a URL host: a wildcard becomes localhost, an IPv6 literal gets brackets. */
  private static String hostForUrl(String bindHost) {
    if (bindHost.equals("0.0.0.0") || bindHost.equals("::")) {
      return "localhost";
    }
    return bindHost.contains(":") ? "[" + bindHost + "]" : bindHost;
  }

  /**
   * The local deployment's kcid MAC key, generated once and kept next to its Redis data so kcids
   * minted before a restart still verify after it.
   */
  private static String devKeys(Path home) throws IOException {
    Path file = home.resolve("dev-mac-keys");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    Files.createDirectories(home);
    String spec = KcidKeyRing.generate(1).toSpec();
    Files.writeString(file, spec + "\n", StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system
    }
    return spec;
  }
}
