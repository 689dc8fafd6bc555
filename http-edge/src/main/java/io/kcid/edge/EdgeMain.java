package io.kcid.edge;

import io.kcid.core.tracing.TracingConfig;
import io.kcid.edge.config.AbuseLimitOptions;
import io.kcid.edge.config.AbuseLimits;
import io.kcid.edge.config.AdminListener;
import io.kcid.edge.config.ConnectionLimits;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.config.EdgeSecurity;
import io.kcid.edge.config.ListenerOptions;
import io.kcid.edge.config.ResilienceOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code edge}: runs the HTTP edge until SIGTERM or Ctrl-C. Every flag has a {@code KCID_EDGE_…} env default. */
@Command(
    name = "edge",
    mixinStandardHelpOptions = true,
    description = "Runs the kcid HTTP edge: signed click redirects and advertiser postbacks, forwarded to tracking-server over gRPC.")
public final class EdgeMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(EdgeMain.class);

  @Option(names = "--port", defaultValue = "${env:KCID_EDGE_PORT:-8080}", description = "HTTP port; 0 = any free port (env KCID_EDGE_PORT, default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "${env:KCID_EDGE_BIND:-0.0.0.0}", description = "Address to listen on (env KCID_EDGE_BIND, default ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--grpc-addr", defaultValue = "${env:KCID_GRPC_ADDR:-localhost:9090}", description = "tracking-server gRPC target (env KCID_GRPC_ADDR, default ${DEFAULT-VALUE}).")
  String grpcAddr;

  @Option(names = "--deadline-ms", defaultValue = "${env:KCID_EDGE_DEADLINE_MS:-1500}", description = "Deadline of every backend call in ms (env KCID_EDGE_DEADLINE_MS, default ${DEFAULT-VALUE}).")
  long deadlineMs;

  @Option(names = "--max-body-bytes", defaultValue = "${env:KCID_EDGE_MAX_BODY_BYTES:-65536}", description = "Largest accepted request body (env KCID_EDGE_MAX_BODY_BYTES, default ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(names = "--worker-threads", defaultValue = "${env:KCID_EDGE_WORKER_THREADS:-0}", description = "Netty worker threads; 0 = 2 x CPUs (env KCID_EDGE_WORKER_THREADS, default ${DEFAULT-VALUE}).")
  int workerThreads;

  @Option(names = "--retry-after-seconds", defaultValue = "${env:KCID_EDGE_RETRY_AFTER_SECONDS:-2}", description = "Retry-After of every 503/429 (env KCID_EDGE_RETRY_AFTER_SECONDS, default ${DEFAULT-VALUE}).")
  long retryAfterSeconds;

  @Option(names = "--trusted-proxies", defaultValue = "${env:KCID_EDGE_TRUSTED_PROXIES:-}", description = "Comma-separated IP addresses or CIDR blocks of proxies whose X-Forwarded-For is believed (env KCID_EDGE_TRUSTED_PROXIES, default none).")
  String trustedProxies;

  @Option(names = "--api-key", defaultValue = "${env:KCID_EDGE_API_KEY}", description = "API key for the tracking-server, with the issue and ingest roles (env KCID_EDGE_API_KEY; prefer the variable: flags show in ps).")
  String apiKey;

  @Option(names = "--grpc-tls-ca", defaultValue = "${env:KCID_GRPC_TLS_CA}", description = "PEM CA of the tracking-server's certificate: talk TLS to it (env KCID_GRPC_TLS_CA).")
  String grpcTlsCa;

  @Option(names = "--otlp-endpoint", defaultValue = "${env:KCID_OTLP_ENDPOINT}", description = "OTLP/HTTP collector that receives traces, e.g. http://otel-collector:4318 (spans go to <url>/v1/traces); unset = tracing off (env KCID_OTLP_ENDPOINT).")
  String otlpEndpoint;

  @Option(names = "--trace-sampling-ratio", defaultValue = "${env:KCID_TRACE_SAMPLING_RATIO:-1.0}", description = "Share of new traces kept, 0..1; a caller's traceparent decides for the traces it continues (env KCID_TRACE_SAMPLING_RATIO, default ${DEFAULT-VALUE}).")
  double traceSamplingRatio;

  @Option(names = "--grpc-tls-cert", defaultValue = "${env:KCID_GRPC_TLS_CERT}", description = "PEM client certificate for mTLS to the tracking-server (env KCID_GRPC_TLS_CERT).")
  String grpcTlsCert;

  @Option(names = "--grpc-tls-key", defaultValue = "${env:KCID_GRPC_TLS_KEY}", description = "PEM PKCS#8 key of --grpc-tls-cert (env KCID_GRPC_TLS_KEY).")
  String grpcTlsKey;

  @Option(names = "--tls-cert", defaultValue = "${env:KCID_EDGE_TLS_CERT}", description = "PEM certificate chain: serve HTTPS (env KCID_EDGE_TLS_CERT, with KCID_EDGE_TLS_KEY).")
  String tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:KCID_EDGE_TLS_KEY}", description = "PEM PKCS#8 key of --tls-cert (env KCID_EDGE_TLS_KEY).")
  String tlsKey;

  @Option(names = "--rate-per-ip", defaultValue = "${env:KCID_EDGE_RATE_PER_IP:-200}", description = "Postbacks per second per client address, per edge instance; 0 = unlimited (env KCID_EDGE_RATE_PER_IP, default ${DEFAULT-VALUE}).")
  double ratePerIp;

  @Option(names = "--rate-per-account", defaultValue = "${env:KCID_EDGE_RATE_PER_ACCOUNT:-1000}", description = "Postbacks per second per account, per edge instance; 0 = unlimited (env KCID_EDGE_RATE_PER_ACCOUNT, default ${DEFAULT-VALUE}).")
  double ratePerAccount;

  @Option(names = "--rate-burst-seconds", defaultValue = "${env:KCID_EDGE_RATE_BURST_SECONDS:-2}", description = "Seconds of rate a bucket holds for bursts (env KCID_EDGE_RATE_BURST_SECONDS, default ${DEFAULT-VALUE}).")
  double rateBurstSeconds;

  @Option(names = "--max-in-flight", defaultValue = "${env:KCID_EDGE_MAX_IN_FLIGHT:-1024}", description = "Backend calls in progress before new requests get 503 (env KCID_EDGE_MAX_IN_FLIGHT, default ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(names = "--admin-key", defaultValue = "${env:KCID_EDGE_ADMIN_KEY}", description = "Admin key of the web view under /admin/: turns the view on and signs in as a platform caller (an API key with the read role, sent to the tracking-server for that session's calls; any other read key of the server signs in too, seeing its scope); unset = view off (env KCID_EDGE_ADMIN_KEY; prefer the variable: flags show in ps).")
  String adminKey;

  /** The validated security settings of these options. */
  public EdgeSecurity security() {
    return new EdgeSecurity(
        apiKey, path(grpcTlsCa), path(grpcTlsCert), path(grpcTlsKey), path(tlsCert), path(tlsKey),
        ratePerIp, ratePerAccount, rateBurstSeconds, maxInFlight, adminKey);
  }

  /** The validated click and sign-in limits of these options. */
  public AbuseLimits abuseLimits() {
    return abuse.config();
  }

  private static Path path(String value) {
    return value == null || value.isBlank() ? null : Path.of(value.trim());
  }
  @CommandLine.Mixin ResilienceOptions resilience = new ResilienceOptions();
  @CommandLine.Mixin ListenerOptions listeners = new ListenerOptions();
  @CommandLine.Mixin AbuseLimitOptions abuse = new AbuseLimitOptions();

  /** The comma-separated list, blanks dropped. */
  static List<String> splitList(String text) {
    List<String> values = new ArrayList<>();
    if (text != null) {
      for (String value : text.split(",")) {
        if (!value.isBlank()) {
          values.add(value.trim());
        }
      }
    }
    return values;
  }

  /**
   * The validated configuration of these options.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public EdgeConfig config() {
    AdminListener admin = listeners.admin();
    ConnectionLimits connections = listeners.connections();
    AbuseLimits abuseLimits = abuseLimits();
    EdgeSecurity security = security();
    EdgeConfig withoutSpool = EdgeConfig.builder()
        .bindHost(bind)
        .port(port)
        .grpcTarget(grpcAddr)
        .callDeadline(Duration.ofMillis(deadlineMs))
        .maxBodyBytes(maxBodyBytes)
        .workerThreads(workerThreads)
        .retryAfter(Duration.ofSeconds(retryAfterSeconds))
        .trustedProxies(splitList(trustedProxies))
        .security(security)
        .admin(admin)
        .connections(connections)
        .abuseLimits(abuseLimits)
        .tracing(TracingConfig.of(otlpEndpoint, traceSamplingRatio))
        .build();
    // The spool's settings are checked last: a bad port or target is named before a missing KCID_MAC_KEYS.
    return withoutSpool.toBuilder().resilience(resilience.config(port)).build();
  }

  @Override
  public Integer call() {
    EdgeConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException | NullPointerException e) {
      System.err.println("edge: invalid configuration: " + e.getMessage());
      return 2;
    }
    HttpEdge edge = HttpEdge.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  edge.close();
                  stopped.countDown();
                },
                "kcid-edge-shutdown"));
    log.info(
        "kcid http-edge listening on {}://{}:{} (gRPC target {}{}, {}; click spool {}; tracing {})", config.security().https() ? "https" : "http",
        config.listen().bindHost(), edge.port(), config.backend().grpcTarget(), config.security().grpcTls() ? " over TLS" : "",
        config.security().apiKey() == null ? "no API key" : "with an API key",
        config.resilience().spool().map(s -> s.dir().toString()).orElse("off: clicks fail with 503 while the tracking-server is away"),
        config.tracing().describe());
    log.info("kcid http-edge admin listener (/metrics, /admin/) on {}://{}:{}; the public port serves /c, /postback, /postbacks,"
        + " /healthz and /readyz only", config.security().https() ? "https" : "http", config.admin().bindHost(), edge.adminPort());
    AbuseLimits abuseLimits = config.abuse();
    log.info("abuse limits: clicks {} per address{}; failed admin sign-ins {}", abuseLimits.clickRatePerSecond() > 0
        ? abuseLimits.clickRatePerSecond() + "/s, bursts of " + abuseLimits.clickBurst() : "unlimited",
        abuseLimits.clickExempt().isEmpty() ? "" : " (exempt: " + String.join(", ", abuseLimits.clickExempt()) + ")",
        abuseLimits.loginFailuresPerMinute() > 0 ? abuseLimits.loginFailuresPerMinute() + "/min per address" : "unlimited");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  public static void main(String[] args) {
    int exitCode = new CommandLine(new EdgeMain()).execute(args);
    // Exit explicitly only on failure: calling System.exit while the shutdown hook runs would hang.
    if (exitCode != 0) {
      System.exit(exitCode);
    }
  }
}
