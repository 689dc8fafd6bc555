package io.kcid.client;

import com.google.gson.Gson;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a kcid tracking-server: one gRPC channel with the shared service config
 * (clients/service_config.json: 5 s timeouts, retries of {@code UNAVAILABLE}) and retries enabled,
 * the API key on every call and a default deadline.
 *
 * <pre>{@code
 * try (KcidClient kcid = KcidClient.connect(KcidClientOptions.plaintext("localhost:9090"))) {
 *   String id = kcid.clicks().issueClick(IssueClickRequest.newBuilder()
 *       .setAccountId("acme").setDestinationUrl("https://shop.example/").build())
 *       .getClick().getKcid();
 * }
 * }</pre>
 *
 * <p>Thread-safe; create one per process and share it. Every call through {@link #clicks()},
 * {@link #conversions()}, {@link #admin()}, {@link #partners()}, {@link #reports()}, {@link
 * #diagnostics()} and {@link #deliveries()} throws {@link KcidException} on failure.
 */
public final class KcidClient implements AutoCloseable {
  /** The classpath resource holding clients/service_config.json. */
  static final String SERVICE_CONFIG_RESOURCE = "service_config.json";

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel channel;
  private final Channel intercepted;
  private final KcidClientOptions options;
  private final Clicks clicks;
  private final Conversions conversions;
  private final Admin admin;
  private final Partners partners;
  private final Reports reports;
  private final Diagnostics diagnostics;
  private final Deliveries deliveries;

  private KcidClient(ManagedChannel channel, KcidClientOptions options) {
    this.channel = channel;
    this.options = options;
    List<ClientInterceptor> interceptors = new ArrayList<>();
    interceptors.add(new DefaultDeadline(options.deadline()));
    options.apiKey().ifPresent(key -> {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + key);
      interceptors.add(MetadataUtils.newAttachHeadersInterceptor(headers));
    });
    this.intercepted = ClientInterceptors.intercept(channel, interceptors);
    this.clicks = Clicks.of(intercepted);
    this.conversions = Conversions.of(intercepted);
    this.admin = Admin.of(intercepted);
    this.partners = Partners.of(intercepted);
    this.reports = Reports.of(intercepted);
    this.diagnostics = Diagnostics.of(intercepted);
    this.deliveries = Deliveries.of(intercepted);
  }

  /** Opens a channel as the options say. Connecting is lazy: an unreachable server fails the first call. */
  public static KcidClient connect(KcidClientOptions options) {
    Objects.requireNonNull(options, "options");
    ManagedChannel channel = Grpc.newChannelBuilder(options.target(), credentials(options))
        .defaultServiceConfig(serviceConfig())
        .enableRetry()
        .userAgent("kcid-client-java")
        .build();
    return new KcidClient(channel, options);
  }

  /** Plaintext to {@code target} ({@code host:port}), no API key. */
  public static KcidClient connect(String target) {
    return connect(KcidClientOptions.plaintext(target));
  }

  /** ClickService: IssueClick, GetClick, InspectKcid, DeleteClick. */
  public Clicks clicks() {
    return clicks;
  }

  /**
   * ConversionService: RecordConversion(s), UpdateConversionStatus(es), GetConversion,
   * ListConversions, and the event stream (StreamConversions, AckConversionEvents).
   */
  public Conversions conversions() {
    return conversions;
  }

  /** AdminService: accounts, goals, API keys (platform, partner or account scope) and the calling key. */
  public Admin admin() {
    return admin;
  }

  /** PartnerService: partners, their S2S switch and their deletion (with their accounts). */
  public Partners partners() {
    return partners;
  }

  /** ReportService: GetStats. */
  public Reports reports() {
    return reports;
  }

  /** DiagnosticsService: ListPostbacks, ExplainClick, ReplayPostbacks. */
  public Diagnostics diagnostics() {
    return diagnostics;
  }

  /**
   * DeliveryService: destinations (postbacks, webhooks: see {@link WebhookVerifier}), the delivery
   * log and redelivery.
   */
  public Deliveries deliveries() {
    return deliveries;
  }

  /** The channel with this client's interceptors (API key, default deadline), for other stubs. */
  public Channel channel() {
    return intercepted;
  }

  public KcidClientOptions options() {
    return options;
  }

  /** Click-URL signing (delegates to kcid-core); a shortcut for {@link ClickUrls#signedUrl}. */
  public static String signedClickUrl(String edgeBaseUrl, Map<String, String> params, String clickSecret) {
    return ClickUrls.signedUrl(edgeBaseUrl, params, clickSecret);
  }

  /** clients/service_config.json, parsed into the form {@code defaultServiceConfig} takes. */
  public static Map<String, ?> serviceConfig() {
    try (InputStream in = KcidClient.class.getResourceAsStream(SERVICE_CONFIG_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("service_config.json is missing from the kcid-client jar");
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> config = new Gson().fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), Map.class);
      return Collections.unmodifiableMap(config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops new calls, lets running ones finish for up to 5 s, then cancels what is left. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ChannelCredentials credentials(KcidClientOptions options) {
    if (!options.tls()) {
      return InsecureChannelCredentials.create();
    }
    if (options.caFile().isEmpty()) {
      return TlsChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(options.caFile().get().toFile()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CA file " + options.caFile().get(), e);
    }
  }

  /**
   * Gives every unary call without a deadline the default one, counted from the start of the call.
   * Server streams (StreamConversions) get none: they run until closed.
   */
  private static final class DefaultDeadline implements ClientInterceptor {
    private final long nanos;

    DefaultDeadline(Duration deadline) {
      this.nanos = deadline.toNanos();
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
      CallOptions options = callOptions.getDeadline() == null && method.getType().serverSendsOneMessage()
          ? callOptions.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS)
          : callOptions;
      return next.newCall(method, options);
    }
  }
}
