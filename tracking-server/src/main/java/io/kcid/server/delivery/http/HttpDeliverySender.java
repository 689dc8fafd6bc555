package io.kcid.server.delivery.http;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.AddressGuard;
import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.AttemptResult.Outcome;
import io.kcid.server.delivery.DeliverySender;
import io.kcid.server.delivery.OutboundMessage;
import io.kcid.server.delivery.OutboundPayloads;
import io.kcid.server.delivery.PostbackTemplate;
import io.kcid.server.delivery.RequestTarget;
import io.kcid.server.delivery.WebhookSignature;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Sends delivery attempts over HTTP/1.1 with Netty: non-blocking ({@link #EVENT_LOOPS} event-loop
 * threads serve every request in flight, a slow receiver holds only its socket). Safety rules: the
 * resolver checks every address of the host against {@link AddressGuard} and the connection goes
 * to the checked address; redirects are never followed; connect and whole-attempt timeouts from {@link DeliveryConfig}; at most
 * {@link #MAX_RESPONSE_BYTES} of a response are read; HTTPS verifies the certificate chain
 * against the JDK's default trust store and the host name (SNI sent). Connections are kept per
 * origin for the next attempt ({@link KeptConnections}); each new one is checked as above.
 *
 * <p>Postbacks are a GET of the rendered template; webhooks a POST of
 * {@link OutboundPayloads#webhookBody} signed by the Standard Webhooks scheme.
 */
public final class HttpDeliverySender implements DeliverySender, AutoCloseable {
  /** How much of a response body is read at most. */
  public static final int MAX_RESPONSE_BYTES = 64 * 1024;
  /** The User-Agent of every attempt. */
  public static final String USER_AGENT = "kcid/" + version();

  private final DeliveryConfig config;
  private final Clock clock;
  private final SslContext ssl;
  private final EventLoopGroup group;
  private final AddressResolverGroup<InetSocketAddress> resolvers;
  private final Bootstrap bootstrap;
  private final KeptConnections connections;
  private static final String READER = "reader";
  /**
   * Native epoll where Netty's library loads (Linux; it is on the class path for Lettuce), else
   * NIO: the same sends for less CPU per request (no selected-key set, no wakeup through a pipe).
   */
  private static final boolean EPOLL = Epoll.isAvailable();
  /**
   * One event loop per four cores, at least one: a loop serves thousands of attempts a second
   * (it only writes, reads and parses), and fewer loops wake less often, each wake-up then serving
   * more of the responses that arrived meanwhile.
   */
  static final int EVENT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors() / 4);

  /** A sender for the server: DNS through Netty's non-blocking resolver, the JDK's trust store. */
  public HttpDeliverySender(DeliveryConfig config) {
    this(config, Clock.systemUTC(), null, null);
  }

  HttpDeliverySender(
      DeliveryConfig config, Clock clock, AddressResolverGroup<InetSocketAddress> dnsResolvers, SslContext ssl) {
    this(config, clock, dnsResolvers, ssl, KeptConnections.IDLE);
  }

  /**
   * @param dnsResolvers the resolver the guard wraps (null: Netty's DNS resolver, honouring
   *     /etc/hosts and /etc/resolv.conf)
   * @param ssl the client TLS context (null: JDK provider, default trust store)
   * @param keepIdle how long an unused connection is kept for the next attempt
   */
  HttpDeliverySender(DeliveryConfig config, Clock clock, AddressResolverGroup<InetSocketAddress> dnsResolvers,
      SslContext ssl, Duration keepIdle) {
    this.config = config;
    this.connections = new KeptConnections(keepIdle);
    this.clock = clock;
    this.ssl = ssl != null ? ssl : defaultSsl();
    this.group = new MultiThreadIoEventLoopGroup(EVENT_LOOPS, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends SocketChannel> socketType = EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    Class<? extends DatagramChannel> datagramType = EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    AddressResolverGroup<InetSocketAddress> dns =
        dnsResolvers != null
            ? dnsResolvers
            : new DnsAddressResolverGroup(
                new DnsNameResolverBuilder()
                    .datagramChannelType(datagramType)
                    .socketChannelType(socketType));
    this.resolvers = new GuardedAddressResolverGroup(dns, new AddressGuard(config.allowedNetworks()));
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(socketType)
            .resolver(resolvers)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
            .option(ChannelOption.TCP_NODELAY, true);
  }

  @Override
  public CompletionStage<AttemptResult> send(OutboundMessage message) {
    Instant attemptTime = clock.instant();
    long started = System.nanoTime();
    Supplier<FullHttpRequest> request;
    RequestTarget to;
    try {
      RequestTarget target = target(message.destination(), message);
      byte[] body = body(message);
      // Built here, so invalid input fails here and not on the event loop; a retry on a fresh
      // connection (a kept one was dead) needs a new one: the first is released once written.
      AtomicReference<FullHttpRequest> first = new AtomicReference<>(request(message, target, attemptTime, body));
      to = target;
      request = () -> {
        FullHttpRequest built = first.getAndSet(null);
        return built != null ? built : request(message, target, attemptTime, body);
      };
    } catch (KcidException e) {
      return CompletableFuture.completedFuture(
          result(Outcome.PERMANENT, attemptTime, started, 0, "invalid destination url: " + e.getMessage(), "",
              Optional.empty()));
    }
    CompletableFuture<ResponseReader.Response> response;
    try {
      response = exchange(to, request);
    } catch (RuntimeException e) {
      // E.g. the sender is closing: its event loops refuse new work. Never throw for an attempt.
      response = CompletableFuture.failedFuture(e);
    }
    return response.handle((r, error) -> error != null
        ? failure(attemptTime, started, unwrap(error))
        : classify(r, attemptTime, started));
  }

  /**
   * Writes the request on a kept connection to the origin, or on a new one (through the guarded
   * resolver), and reads the response, within the whole-attempt timeout. A kept connection the
   * receiver closed meanwhile (closed before a byte of the response, or the write failed) is
   * replaced by a new connection once: the receiver may have seen the request, which at least once
   * allows (the delivery id is the same). After a complete response that keeps the connection
   * open, the connection is kept for the next attempt; otherwise it is closed.
   */
  private CompletableFuture<ResponseReader.Response> exchange(RequestTarget target, Supplier<FullHttpRequest> request) {
    URI uri = target.origin();
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    String host = hostOf(uri);
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    String origin = KeptConnections.origin(https, host, port);
    CompletableFuture<ResponseReader.Response> response = new CompletableFuture<>();
    AtomicReference<Channel> current = new AtomicReference<>();
    response.whenComplete((r, error) -> {
      Channel ch = current.get();
      if (error != null && ch != null) {
        ch.close();
      }
    });
    Channel kept = connections.take(origin);
    if (kept != null) {
      current.set(kept);
      CompletableFuture<ResponseReader.Response> one = new CompletableFuture<>();
      kept.eventLoop().execute(() -> {
        expireOn(kept.eventLoop(), response);
        kept.pipeline().replace(READER, READER, new ResponseReader(one, MAX_RESPONSE_BYTES));
        write(kept, request.get(), one);
      });
      one.whenComplete((r, error) -> {
        if (error != null && !response.isDone()
            && (error instanceof ResponseReader.ClosedBeforeResponse || error instanceof ClosedChannelException
                || !kept.isActive())) {
          kept.close();
          connect(https, host, port, origin, request, response, current, false);
        } else {
          settle(kept, origin, r, error, response);
        }
      });
    } else {
      connect(https, host, port, origin, request, response, current, true);
    }
    return response;
  }

  /**
   * Fails the attempt when it has no complete response within the request timeout. The timer runs
   * on the connection's event loop, where the response completes and cancels it: arming and
   * cancelling it there wakes no other thread.
   */
  private void expireOn(EventLoop loop, CompletableFuture<ResponseReader.Response> response) {
    ScheduledFuture<?> timeout = loop.schedule(
        () -> response.completeExceptionally(new TimeoutException(
            "no complete response within " + config.requestTimeout().toMillis() + " ms")),
        config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    response.whenComplete((r, error) -> timeout.cancel(false));
  }

  /** @param arm whether the attempt's timeout starts now (not when a kept connection already started it) */
  private void connect(boolean https, String host, int port, String origin, Supplier<FullHttpRequest> request,
      CompletableFuture<ResponseReader.Response> response, AtomicReference<Channel> current, boolean arm) {
    CompletableFuture<ResponseReader.Response> one = new CompletableFuture<>();
    ChannelFuture connect =
        bootstrap.clone()
            .handler(new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                if (https) {
                  p.addLast(sslHandler(ch, host, port));
                }
                p.addLast(new HttpClientCodec());
                p.addLast(READER, new ResponseReader(one, MAX_RESPONSE_BYTES));
              }
            })
            .connect(InetSocketAddress.createUnresolved(host, port));
    Channel channel = connect.channel();
    current.set(channel);
    if (arm) {
      expireOn(channel.eventLoop(), response);
    }
    if (response.isDone()) { // timed out meanwhile
      channel.close();
    }
    connections.watch(origin, channel);
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        one.completeExceptionally(f.cause());
        return;
      }
      write(channel, request.get(), one);
    });
    one.whenComplete((r, error) -> settle(channel, origin, r, error, response));
  }

  private static void write(Channel channel, FullHttpRequest request, CompletableFuture<ResponseReader.Response> one) {
    // The request's buffer wraps a heap array: nothing to release if it is never written.
    channel.writeAndFlush(request).addListener(w -> {
      if (!w.isSuccess()) {
        one.completeExceptionally(w.cause());
      }
    });
  }

  /** Hands the try's outcome to the attempt; keeps the connection when it may serve the next one. */
  private void settle(Channel channel, String origin, ResponseReader.Response r, Throwable error,
      CompletableFuture<ResponseReader.Response> response) {
    if (error != null) {
      response.completeExceptionally(error);
      channel.close();
    } else if (r.reusable() && channel.isActive() && !response.isDone()) {
      // Kept before the attempt completes: the next attempt, started from its completion, finds it.
      connections.keep(origin, channel);
      response.complete(r); // if the timeout won meanwhile, it closed the connection (it leaves the pool)
    } else {
      response.complete(r);
      channel.close();
    }
  }

  /** Where an attempt for {@code message} goes (the rendered postback, or the webhook's URL). */
  static RequestTarget target(Destination destination, OutboundMessage message) {
    return destination.getKind() == DestinationKind.DESTINATION_KIND_WEBHOOK
        ? RequestTarget.of(PostbackTemplate.checkedUri(destination.getUrl()))
        : OutboundPayloads.postbackTarget(message);
  }

  private static byte[] body(OutboundMessage message) {
    return message.destination().getKind() == DestinationKind.DESTINATION_KIND_WEBHOOK
        ? OutboundPayloads.webhookBody(message)
        : new byte[0];
  }

  private FullHttpRequest request(OutboundMessage message, RequestTarget to, Instant attemptTime, byte[] body) {
    URI uri = to.origin();
    String target = to.path();
    boolean webhook = message.destination().getKind() == DestinationKind.DESTINATION_KIND_WEBHOOK;
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, webhook ? HttpMethod.POST : HttpMethod.GET, target, Unpooled.wrappedBuffer(body));
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    boolean defaultPort = uri.getPort() < 0 || uri.getPort() == (https ? 443 : 80);
    request.headers()
        .set(HttpHeaderNames.HOST, uri.getHost() + (defaultPort ? "" : ":" + uri.getPort()))
        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
        .set(HttpHeaderNames.ACCEPT, "*/*");
    if (webhook) {
      long timestamp = attemptTime.getEpochSecond();
      request.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set("webhook-id", message.deliveryId())
          .set("webhook-timestamp", Long.toString(timestamp));
      if (!message.signingSecrets().isEmpty()) {
        request.headers().set(
            "webhook-signature",
            WebhookSignature.header(message.signingSecrets(), message.deliveryId(), timestamp, body));
      }
    }
    return request;
  }

  private SslHandler sslHandler(SocketChannel ch, String host, int port) {
    SslHandler handler = ssl.newHandler(ch.alloc(), host, port); // peer host: SNI
    SSLParameters params = handler.engine().getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS"); // host name verification
    if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
      // Explicit: the JDK only sends SNI on its own for names with a dot.
      params.setServerNames(List.of(new SNIHostName(host)));
    }
    handler.engine().setSSLParameters(params);
    handler.setHandshakeTimeoutMillis(config.requestTimeout().toMillis());
    return handler;
  }

  private AttemptResult classify(ResponseReader.Response r, Instant attemptTime, long started) {
    int code = r.status();
    String excerpt = ResponseExcerpt.of(r.body());
    Optional<Duration> retryAfter = RetryAfter.parse(r.headers().get(HttpHeaderNames.RETRY_AFTER), clock.instant());
    if (code >= 200 && code < 300) {
      return result(Outcome.DELIVERED, attemptTime, started, code, "", excerpt, retryAfter);
    }
    if (code >= 300 && code < 400) {
      return result(
          Outcome.PERMANENT, attemptTime, started, code, "redirect not followed: HTTP " + code, excerpt, Optional.empty());
    }
    if (code == 408 || code == 429 || code >= 500 || code < 200) {
      return result(Outcome.RETRY, attemptTime, started, code, "HTTP " + code, excerpt, retryAfter);
    }
    return result(Outcome.PERMANENT, attemptTime, started, code, "HTTP " + code, excerpt, Optional.empty());
  }

  private AttemptResult failure(Instant attemptTime, long started, Throwable error) {
    if (error instanceof ForbiddenAddressException) {
      return result(Outcome.PERMANENT, attemptTime, started, 0, error.getMessage(), "", Optional.empty());
    }
    return result(Outcome.RETRY, attemptTime, started, 0, describe(error), "", Optional.empty());
  }

  private static String describe(Throwable error) {
    String message = error.getMessage() == null ? "" : error.getMessage();
    if (error instanceof TimeoutException) {
      return "timeout: " + message;
    }
    if (error instanceof ConnectTimeoutException) {
      return "connect timeout: " + message;
    }
    if (error instanceof ConnectException) {
      return "connect failed: " + message;
    }
    if (error instanceof UnknownHostException) {
      return "host does not resolve: " + message;
    }
    if (error instanceof SSLException) {
      return "TLS failed: " + message;
    }
    if (error instanceof ClosedChannelException) {
      return "connection closed";
    }
    return (error.getClass().getSimpleName() + ": " + message).trim();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof DecoderException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private AttemptResult result(
      Outcome outcome, Instant attemptTime, long started, int status, String error, String excerpt,
      Optional<Duration> retryAfter) {
    Duration latency = Duration.ofNanos(System.nanoTime() - started);
    DeliveryAttempt attempt =
        DeliveryAttempt.newBuilder()
            .setAttemptTime(Timestamp.newBuilder()
                .setSeconds(attemptTime.getEpochSecond()).setNanos(attemptTime.getNano()))
            .setStatusCode(status)
            .setLatency(com.google.protobuf.Duration.newBuilder()
                .setSeconds(latency.getSeconds()).setNanos(latency.getNano()))
            .setError(ResponseExcerpt.redact(error))
            .setResponseExcerpt(excerpt)
            .build();
    return new AttemptResult(outcome, attempt, retryAfter);
  }

  private static String hostOf(URI uri) {
    String host = uri.getHost();
    // IPv6 literals come bracketed from URI; the resolver wants the bare address.
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static SslContext defaultSsl() {
    try {
      // JDK provider, default trust store (trustManager unset), host name verification on.
      return SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK)
          .endpointIdentificationAlgorithm("HTTPS")
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the TLS client context", e);
    }
  }

  private static String version() {
    String v = HttpDeliverySender.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Stops the event loops (in-flight attempts fail) and the resolvers. */
  @Override
  public void close() {
    connections.closeAll();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    resolvers.close();
  }
}
