package io.kcid.edge.config;

import io.kcid.core.tracing.TracingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of one http-edge process: a tree of named sections, each validated in its own
 * constructor so a bad value fails fast at start-up with a message that names the value and what was
 * expected. Build one with {@link #builder()}; the {@code edge} command builds it from its flags
 * ({@code EdgeMain#config()}).
 *
 * <p>The builder's defaults are those of an embedded edge (tests, {@code kcid up}, the bench): no
 * API key, no rate or abuse limits, the admin listener on a free loopback port, no drain delay and
 * no click spool. The {@code edge} command has production defaults of its own (its flags).
 *
 * @param listen the public listener and how it answers
 * @param backend where the tracking-server is and the deadline of every call to it
 * @param security API key and TLS towards the tracking-server, HTTPS, postback rates, in-flight
 *     bound, the web view's admin key
 * @param admin the admin listener ({@code /metrics} and the web view)
 * @param connections slow-client timeouts and connection caps, applied to each listener
 * @param abuse click and admin sign-in limits
 * @param resilience drain delay and click spool
 * @param tracing OpenTelemetry tracing: off, or where spans go and which share is kept
 */
public record EdgeConfig(
    PublicListener listen,
    BackendConfig backend,
    EdgeSecurity security,
    AdminListener admin,
    ConnectionLimits connections,
    AbuseLimits abuse,
    ResilienceConfig resilience,
    TracingConfig tracing) {

  public EdgeConfig {
    Objects.requireNonNull(listen, "public listener must be set");
    Objects.requireNonNull(backend, "backend must be set");
    Objects.requireNonNull(security, "security must be set");
    Objects.requireNonNull(admin, "admin listener must be set");
    Objects.requireNonNull(connections, "connection limits must be set");
    Objects.requireNonNull(abuse, "abuse limits must be set");
    Objects.requireNonNull(resilience, "resilience must be set");
    Objects.requireNonNull(tracing, "tracing must be set");
  }

  /** A builder holding the defaults of an embedded edge (see the class comment). */
  public static Builder builder() {
    return new Builder();
  }

  /** Every default of {@link #builder()}: 0.0.0.0:8080, backend localhost:9090, and so on. */
  public static EdgeConfig defaults() {
    return builder().build();
  }

  /** A builder holding these settings, to change a few of them. */
  public Builder toBuilder() {
    return new Builder()
        .bindHost(listen.bindHost())
        .port(listen.port())
        .workerThreads(listen.workerThreads())
        .maxBodyBytes(listen.maxBodyBytes())
        .retryAfter(listen.retryAfter())
        .trustedProxies(listen.trustedProxies())
        .grpcTarget(backend.grpcTarget())
        .callDeadline(backend.callDeadline())
        .security(security)
        .admin(admin)
        .connections(connections)
        .abuseLimits(abuse)
        .resilience(resilience)
        .tracing(tracing);
  }

  /**
   * Collects settings one by one; {@link #build()} validates them section by section. Each setter
   * names its default.
   */
  public static final class Builder {
    private String bindHost = PublicListener.DEFAULT_BIND;
    private int port = PublicListener.DEFAULT_PORT;
    private int workerThreads = PublicListener.DEFAULT_WORKER_THREADS;
    private int maxBodyBytes = PublicListener.DEFAULT_MAX_BODY_BYTES;
    private Duration retryAfter = PublicListener.DEFAULT_RETRY_AFTER;
    private List<String> trustedProxies = List.of();

    private String grpcTarget = BackendConfig.DEFAULT_GRPC_TARGET;
    private Duration callDeadline = BackendConfig.DEFAULT_CALL_DEADLINE;

    private String apiKey;
    private Path grpcTlsCa;
    private Path grpcTlsCert;
    private Path grpcTlsKey;
    private Path httpsCert;
    private Path httpsKey;
    private double ratePerIp;
    private double ratePerAccount;
    private double rateBurstSeconds = EdgeSecurity.DEFAULT_BURST_SECONDS;
    private int maxInFlight = EdgeSecurity.DEFAULT_MAX_IN_FLIGHT;
    private String adminKey;

    private String adminBind = AdminListener.DEFAULT_BIND;
    private int adminPort;

    private Duration headTimeout = ConnectionLimits.DEFAULT_HEAD_TIMEOUT;
    private Duration bodyTimeout = ConnectionLimits.DEFAULT_BODY_TIMEOUT;
    private int maxConnectionsPerAddress = ConnectionLimits.DEFAULT_MAX_PER_ADDRESS;
    private int maxConnections = ConnectionLimits.DEFAULT_MAX_CONNECTIONS;

    private AbuseLimits abuse = AbuseLimits.off();

    private Duration drainDelay = Duration.ZERO;
    private SpoolConfig spool;

    private TracingConfig tracing = TracingConfig.OFF;

    private Builder() {}

    /** Address of the public listener. Default {@value PublicListener#DEFAULT_BIND}. */
    public Builder bindHost(String bindHost) {
      this.bindHost = bindHost;
      return this;
    }

    /** Port of the public listener; 0 = any free port. Default {@value PublicListener#DEFAULT_PORT}. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Netty worker event loops; 0 = Netty's default (2 x CPUs). Default 0. */
    public Builder workerThreads(int workerThreads) {
      this.workerThreads = workerThreads;
      return this;
    }

    /** Largest accepted request body; larger ones get 413. Default {@value PublicListener#DEFAULT_MAX_BODY_BYTES}. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** {@code Retry-After} of every 503 and 429, rounded up to whole seconds. Default 2 s. */
    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
      return this;
    }

    /** IP addresses or CIDR blocks of proxies whose {@code X-Forwarded-For} is believed. Default none. */
    public Builder trustedProxies(List<String> trustedProxies) {
      this.trustedProxies = trustedProxies;
      return this;
    }

    /** gRPC target of the tracking-server. Default {@value BackendConfig#DEFAULT_GRPC_TARGET}. */
    public Builder grpcTarget(String grpcTarget) {
      this.grpcTarget = grpcTarget;
      return this;
    }

    /** Deadline of every backend call. Default 1500 ms. */
    public Builder callDeadline(Duration callDeadline) {
      this.callDeadline = callDeadline;
      return this;
    }

    /** Every setting of {@link EdgeSecurity} at once. Default {@link EdgeSecurity#none()}. */
    public Builder security(EdgeSecurity security) {
      this.apiKey = security.apiKey();
      this.grpcTlsCa = security.grpcTlsCa();
      this.grpcTlsCert = security.grpcTlsCert();
      this.grpcTlsKey = security.grpcTlsKey();
      this.httpsCert = security.httpsCert();
      this.httpsKey = security.httpsKey();
      this.ratePerIp = security.ratePerIp();
      this.ratePerAccount = security.ratePerAccount();
      this.rateBurstSeconds = security.burstSeconds();
      this.maxInFlight = security.maxInFlight();
      this.adminKey = security.adminKey();
      return this;
    }

    /** API key sent as bearer on every backend call; null = none (open auth). Default none. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** TLS towards the tracking-server: its CA, and a client certificate and key for mTLS (both or neither). Default plaintext. */
    public Builder grpcTls(Path ca, Path clientCert, Path clientKey) {
      this.grpcTlsCa = ca;
      this.grpcTlsCert = clientCert;
      this.grpcTlsKey = clientKey;
      return this;
    }

    /** Serve HTTPS only, with this PEM certificate chain and PKCS#8 key. Default plain HTTP. */
    public Builder https(Path cert, Path key) {
      this.httpsCert = cert;
      this.httpsKey = key;
      return this;
    }

    /**
     * Postbacks per second per client address and per account (0 = unlimited), and the seconds of
     * rate a bucket holds for bursts. Default 0, 0 (unlimited) and {@value EdgeSecurity#DEFAULT_BURST_SECONDS}.
     */
    public Builder postbackRates(double perIp, double perAccount, double burstSeconds) {
      this.ratePerIp = perIp;
      this.ratePerAccount = perAccount;
      this.rateBurstSeconds = burstSeconds;
      return this;
    }

    /** Backend calls in progress before new ones get 503 at once. Default {@value EdgeSecurity#DEFAULT_MAX_IN_FLIGHT}. */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** Admin key of the web view under {@code /admin/}; null = view off. Default none. */
    public Builder adminKey(String adminKey) {
      this.adminKey = adminKey;
      return this;
    }

    /** The admin listener's address and port at once. Default {@value AdminListener#DEFAULT_BIND}, any free port. */
    public Builder admin(AdminListener admin) {
      this.adminBind = admin.bindHost();
      this.adminPort = admin.port();
      return this;
    }

    /** Address of the admin listener. Default {@value AdminListener#DEFAULT_BIND}. */
    public Builder adminBind(String adminBind) {
      this.adminBind = adminBind;
      return this;
    }

    /** Port of the admin listener; 0 = any free port. Default 0 (the {@code edge} command's is {@value AdminListener#DEFAULT_PORT}). */
    public Builder adminPort(int adminPort) {
      this.adminPort = adminPort;
      return this;
    }

    /** Every connection limit at once. Default {@link ConnectionLimits#defaults()}. */
    public Builder connections(ConnectionLimits limits) {
      this.headTimeout = limits.headTimeout();
      this.bodyTimeout = limits.bodyTimeout();
      this.maxConnectionsPerAddress = limits.maxPerAddress();
      this.maxConnections = limits.maxConnections();
      return this;
    }

    /** A request head must be complete this long after its first byte, else 408 and close. Default 10 s. */
    public Builder headTimeout(Duration headTimeout) {
      this.headTimeout = headTimeout;
      return this;
    }

    /** A request body must be complete this long after its head, else 408 and close. Default 30 s. */
    public Builder bodyTimeout(Duration bodyTimeout) {
      this.bodyTimeout = bodyTimeout;
      return this;
    }

    /** Open connections per client address before new ones get 429. Default {@value ConnectionLimits#DEFAULT_MAX_PER_ADDRESS}. */
    public Builder maxConnectionsPerAddress(int maxConnectionsPerAddress) {
      this.maxConnectionsPerAddress = maxConnectionsPerAddress;
      return this;
    }

    /** Open connections per listener in all before new ones get 503. Default {@value ConnectionLimits#DEFAULT_MAX_CONNECTIONS}. */
    public Builder maxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
      return this;
    }

    /** Click and admin sign-in limits. Default {@link AbuseLimits#off()} (the {@code edge} command uses {@link AbuseLimits#defaults()}). */
    public Builder abuseLimits(AbuseLimits abuse) {
      this.abuse = abuse;
      return this;
    }

    /** Drain delay and click spool at once. Default {@link ResilienceConfig#none()}. */
    public Builder resilience(ResilienceConfig resilience) {
      this.drainDelay = resilience.drainDelay();
      this.spool = resilience.spool().orElse(null);
      return this;
    }

    /** On shutdown, time {@code /readyz} answers 503 before the edge stops accepting. Default 0. */
    public Builder drainDelay(Duration drainDelay) {
      this.drainDelay = drainDelay;
      return this;
    }

    /** The click spool; null = none, clicks get 503 while the tracking-server is away. Default none. */
    public Builder spool(SpoolConfig spool) {
      this.spool = spool;
      return this;
    }

    /**
     * OpenTelemetry tracing (KCID_OTLP_ENDPOINT, KCID_TRACE_SAMPLING_RATIO); tests pass {@link
     * TracingConfig#exportingTo} an in-memory exporter. Default {@link TracingConfig#OFF}.
     */
    public Builder tracing(TracingConfig tracing) {
      this.tracing = tracing;
      return this;
    }

    /**
     * The validated configuration.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public EdgeConfig build() {
      return new EdgeConfig(
          new PublicListener(bindHost, port, workerThreads, maxBodyBytes, retryAfter, trustedProxies),
          new BackendConfig(grpcTarget, callDeadline),
          new EdgeSecurity(apiKey, grpcTlsCa, grpcTlsCert, grpcTlsKey, httpsCert, httpsKey, ratePerIp, ratePerAccount,
              rateBurstSeconds, maxInFlight, adminKey),
          new AdminListener(adminBind, adminPort),
          new ConnectionLimits(headTimeout, bodyTimeout, maxConnectionsPerAddress, maxConnections),
          Objects.requireNonNull(abuse, "abuse limits must be set"),
          new ResilienceConfig(drainDelay, Optional.ofNullable(spool)),
          Objects.requireNonNull(tracing, "tracing must be set"));
    }
  }
}
