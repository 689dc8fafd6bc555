package io.kcid.server;

import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.server.account.AccountAdmin;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.account.GoalAdmin;
import io.kcid.server.account.SecretAdmin;
import io.kcid.server.auth.ApiKeyInterceptor;
import io.kcid.server.auth.ApiKeys;
import io.kcid.server.auth.ScopeInterceptor;
import io.kcid.server.auth.Tenants;
import io.kcid.server.click.ClickEraser;
import io.kcid.server.click.ClickIssuer;
import io.kcid.server.click.ClickLookup;
import io.kcid.server.click.ClickOwners;
import io.kcid.server.click.ClickVerifierListing;
import io.kcid.server.click.ClickVerifierWatch;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.conversion.ConversionLookup;
import io.kcid.server.conversion.ConversionRecorder;
import io.kcid.server.conversion.StatusUpdater;
import io.kcid.server.delivery.AddressGuard;
import io.kcid.server.delivery.CircuitBreaker;
import io.kcid.server.delivery.DeliveryDispatcher;
import io.kcid.server.delivery.DeliveryLog;
import io.kcid.server.delivery.DeliveryLogService;
import io.kcid.server.delivery.DeliveryParts;
import io.kcid.server.delivery.DeliverySender;
import io.kcid.server.delivery.DeliveryWorker;
import io.kcid.server.delivery.DeliveryWorkers;
import io.kcid.server.delivery.DestinationDirectory;
import io.kcid.server.delivery.DestinationLimiter;
import io.kcid.server.delivery.OutboundEvents;
import io.kcid.server.delivery.Outbox;
import io.kcid.server.delivery.RecentEvents;
import io.kcid.server.delivery.RetrySchedule;
import io.kcid.server.delivery.http.HttpDeliverySender;
import io.kcid.server.destination.CachedDestinationDirectory;
import io.kcid.server.destination.DestinationAdmin;
import io.kcid.server.destination.DestinationTester;
import io.kcid.server.cap.CapAdmin;
import io.kcid.server.conversion.CapGate;
import io.kcid.server.fraud.BotRangeAdmin;
import io.kcid.server.fx.ExchangeRates;
import io.kcid.server.fx.FxAdmin;
import io.kcid.server.fx.ReportingConversionStore;
import io.kcid.server.fx.ReportingValues;
import io.kcid.server.fraud.ClickClassifier;
import io.kcid.server.fraud.CrawlerPatterns;
import io.kcid.server.fraud.VelocityRule;
import io.kcid.server.grpc.AdminGrpcService;
import io.kcid.server.grpc.CallLimitInterceptor;
import io.kcid.server.grpc.ClickGrpcService;
import io.kcid.server.grpc.ConversionGrpcService;
import io.kcid.server.grpc.DeliveryGrpcService;
import io.kcid.server.grpc.DiagnosticsGrpcService;
import io.kcid.server.grpc.PartnerGrpcService;
import io.kcid.server.grpc.ReflectionServices;
import io.kcid.server.grpc.ReportGrpcService;
import io.kcid.server.metrics.GrpcCallMeters;
import io.kcid.server.metrics.ServerMetrics;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.admin.PartnerAdmin;
import io.kcid.server.partner.admin.PartnerDeletion;
import io.kcid.server.postback.PostbackAuthenticator;
import io.kcid.server.postback.SignatureReplays;
import io.kcid.server.postbacklog.ClickExplainer;
import io.kcid.server.postbacklog.PostbackHistory;
import io.kcid.server.postbacklog.PostbackJournal;
import io.kcid.server.postbacklog.PostbackReplayer;
import io.kcid.server.report.Reports;
import io.kcid.server.store.NotifyingAccountStore;
import io.kcid.server.store.redis.DurableWrites;
import io.kcid.server.store.redis.RedisAccountStore;
import io.kcid.server.store.redis.RedisApiKeyStore;
import io.kcid.server.store.redis.RedisBotRangeStore;
import io.kcid.server.store.redis.RedisExchangeRateStore;
import io.kcid.server.store.redis.RedisCapCounters;
import io.kcid.server.store.redis.RedisCapStore;
import io.kcid.server.store.redis.RedisClickStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisConversionEventLog;
import io.kcid.server.store.redis.RedisConversionStore;
import io.kcid.server.store.redis.RedisDeliveryQueue;
import io.kcid.server.store.redis.RedisDestinationStore;
import io.kcid.server.store.redis.RedisPartnerStore;
import io.kcid.server.store.redis.RedisPostbackLog;
import io.kcid.server.store.redis.RedisRefusalLog;
import io.kcid.server.store.redis.RedisSignatureReplayCache;
import io.kcid.server.store.redis.RedisStatsCompactor;
import io.kcid.server.store.redis.RedisStatsStore;
import io.kcid.server.store.redis.RedisTransactionClaims;
import io.kcid.server.store.redis.RedisVelocityCounter;
import io.kcid.server.store.redis.RedisVerifierChanges;
import io.kcid.server.stream.ConversionStreams;
import java.time.Clock;
import java.util.SplittableRandom;

/**
 * The tracking-server's object graph, built from its config and a Redis connection: Redis stores,
 * then the domain, then the gRPC services, which {@link #register} puts on a transport. It starts
 * nothing and owns no connection; {@link TrackingServer} runs the lifecycle.
 */
final class ServerComponents {
  private final ServerSecurity security;
  private final ClickGrpcService clickService;
  private final ConversionGrpcService conversionService;
  private final AdminGrpcService adminService;
  private final PartnerGrpcService partnerService;
  private final DiagnosticsGrpcService diagnosticsService;
  private final ReportGrpcService reportService;
  private final DeliveryGrpcService deliveryService;
  private final GrpcCallMeters grpcCalls;
  /** Authenticates callers; loaded before the server listens, then reloaded on a schedule. */
  final ApiKeys apiKeys;
  /** Holds keys scoped to a partner or an account to their scope. */
  private final ScopeInterceptor scopes;
  /** Writes the postback log; its unauthenticated-refusal counts are flushed on a schedule. */
  final PostbackJournal journal;
  /** Serves StreamConversions; holds a poll thread until closed. */
  final ConversionStreams streams;
  /** Pushes click verifier changes to watching edges; not reading until started. */
  final ClickVerifierWatch verifierWatch;
  /** The delivery loop (outbox to jobs to receivers); null when KCID_DELIVERY_WORKERS=false. Not started. */
  final DeliveryWorkers deliveryWorkers;
  /** The delivery log DeliveryService serves. */
  final DeliveryLog deliveryLog;
  /** Sends deliveries over HTTP (test sends now); holds event-loop threads until closed. */
  final HttpDeliverySender deliverySender;
  /** Rewrites past hours' stats hashes compactly; run on a schedule. */
  final RedisStatsCompactor statsCompactor;

  private ServerComponents(
      ServerSecurity security,
      ClickGrpcService clickService,
      ConversionGrpcService conversionService,
      AdminGrpcService adminService,
      PartnerGrpcService partnerService,
      DiagnosticsGrpcService diagnosticsService,
      ReportGrpcService reportService,
      DeliveryGrpcService deliveryService,
      ApiKeys apiKeys,
      ScopeInterceptor scopes,
      PostbackJournal journal,
      ConversionStreams streams,
      ClickVerifierWatch verifierWatch,
      HttpDeliverySender deliverySender,
      GrpcCallMeters grpcCalls,
      DeliveryWorkers deliveryWorkers,
      DeliveryLog deliveryLog,
      RedisStatsCompactor statsCompactor) {
    this.deliveryWorkers = deliveryWorkers;
    this.statsCompactor = statsCompactor;
    this.deliveryLog = deliveryLog;
    this.security = security;
    this.clickService = clickService;
    this.conversionService = conversionService;
    this.adminService = adminService;
    this.partnerService = partnerService;
    this.diagnosticsService = diagnosticsService;
    this.reportService = reportService;
    this.deliveryService = deliveryService;
    this.apiKeys = apiKeys;
    this.scopes = scopes;
    this.journal = journal;
    this.streams = streams;
    this.verifierWatch = verifierWatch;
    this.deliverySender = deliverySender;
    this.grpcCalls = grpcCalls;
  }

  /** Builds every object once, in dependency order. */
  static ServerComponents wire(ServerConfig config, RedisConnector redis, Clock clock, ServerMetrics metrics) {
    return wire(config, redis, clock, metrics, DeliveryParts.DEFAULTS);
  }

  /** @param parts the delivery ends to use instead of the defaults (tests) */
  static ServerComponents wire(
      ServerConfig config, RedisConnector redis, Clock clock, ServerMetrics metrics, DeliveryParts parts) {
    int partitions = config.kcid().partitions();
    var retention = config.postbackLog().retention();
    KcidCodec codec = new KcidCodec(config.kcid().macKeys(), partitions);
    // With KCID_REDIS_WAIT_REPLICAS set, what a caller is told was stored is on that many replicas.
    DurableWrites durable = redis.durableWrites(config.redis().replicaWait(), metrics.replicaWaits());
    var clicks = new RedisClickStore(redis.commands(), durable, config.stats().retention());
    var conversions = new RedisConversionStore(
        redis.commands(), durable, config.stream().maxLength(), config.stats().retention());
    // Click verifier changes go to a shared stream that every server pushes to its watching edges.
    var verifierChanges = new RedisVerifierChanges(redis.commands());
    var accountStore = new NotifyingAccountStore(new RedisAccountStore(redis.commands()), verifierChanges);
    var verifierWatch = new ClickVerifierWatch(verifierChanges, accountStore, clock, partitions);
    var accounts = new AccountDirectory(accountStore, clock, config.accountCache().ttl());
    var partnerStore = new RedisPartnerStore(redis.commands());
    var partners = new PartnerDirectory(partnerStore, clock, config.accountCache().ttl());
    // What the recorder and the delivery workers ask: which destinations apply to an account.
    var destinationStore = new RedisDestinationStore(redis.commands());
    var destinations = new CachedDestinationDirectory(destinationStore, accounts, clock, config.accountCache().ttl());
    var idempotent = new IdempotentWrites(accountStore);
    var botRanges = new RedisBotRangeStore(redis.commands());
    // Rates loaded on another server are used within the account cache TTL.
    var exchangeRates = new ExchangeRates(new RedisExchangeRateStore(redis.commands()), config.accountCache().ttl(), System::nanoTime);
    var reportingValues = new ReportingValues(exchangeRates);
    // Readers see converted values (ReportingValues.atRead); the recorder writes through as before.
    var readableConversions = new ReportingConversionStore(conversions, reportingValues);
    var classifier = new ClickClassifier(
        CrawlerPatterns.embedded(), botRanges, config.accountCache().ttl(), System::nanoTime);
    var issuer = new ClickIssuer(codec, clicks, accounts, partners, idempotent, clock, metrics.clicks(), classifier);
    var owners = new ClickOwners(clicks);
    var authenticator = new PostbackAuthenticator(accounts, partners, owners, clock);
    var postbackLog = new RedisPostbackLog(redis.commands(), retention, config.postbackLog().maxLength());
    var refusalLog = new RedisRefusalLog(redis.commands(), retention);
    var journal = new PostbackJournal(postbackLog, refusalLog, accounts, codec, clock);
    metrics.postbackLogFailures(journal::failedWrites);
    // Tests may put a fixed directory in place of the stored one.
    DestinationDirectory directory = parts.directory() != null ? parts.directory() : destinations;
    Outbox outbox = Outbox.of(directory);
    var capCounters = new RedisCapCounters(redis.commands());
    var recorder = new ConversionRecorder(
        codec, conversions, new RedisTransactionClaims(redis.commands(), durable), authenticator, clock,
        journal.andThen(metrics.conversions()),
        new SignatureReplays(new RedisSignatureReplayCache(redis.commands())),
        new VelocityRule(clicks, new RedisVelocityCounter(redis.commands())), outbox,
        new CapGate(clicks, capCounters, conversions), reportingValues);
    var history = new PostbackHistory(postbackLog, refusalLog, accounts, clock, retention);
    var explainer = new ClickExplainer(codec, clicks, readableConversions, postbackLog, history, accounts, clock);
    var replayer = new PostbackReplayer(postbackLog, history, recorder, accounts, clock);
    var statuses = new StatusUpdater(codec, readableConversions, accounts, partners, clock, outbox);
    var admin = new AccountAdmin(accountStore, accounts, partners, idempotent, clock);
    var goalAdmin = new GoalAdmin(accountStore, accounts, idempotent, clock);
    var secretAdmin = new SecretAdmin(accountStore, accounts, idempotent, clock);
    var reports = new Reports(new RedisStatsStore(redis.commands(), partitions), accounts, partners, accountStore, clock,
        exchangeRates);
    var streams = new ConversionStreams(
        RedisConversionEventLog.watching(redis, partitions), accounts, config.stream().pollInterval());
    metrics.streamReaders(streams::readers);
    var tenants = new Tenants(accounts, partners, owners, codec);
    var apiKeys = new ApiKeys(new RedisApiKeyStore(redis.commands()), tenants, config.security().apiKeys(), clock);
    var eraser = new ClickEraser(codec, clicks, new RedisTransactionClaims(redis.commands(), durable), owners, outbox);
    var verifierListing = new ClickVerifierListing(accountStore, clock, partitions);

    var clickService = new ClickGrpcService(
        issuer, new ClickLookup(codec, clicks), codec, eraser, verifierListing, verifierWatch);
    var conversionService = new ConversionGrpcService(
        recorder, statuses, new ConversionLookup(codec, readableConversions), streams);
    var adminService = new AdminGrpcService(admin, goalAdmin, secretAdmin, apiKeys, new BotRangeAdmin(botRanges),
        new CapAdmin(new RedisCapStore(redis.commands()), capCounters, accounts, clock), new FxAdmin(exchangeRates));
    var partnerService = new PartnerGrpcService(new PartnerAdmin(partnerStore, partners, clock),
        new PartnerDeletion(partnerStore, partners, accountStore, accounts));
    var diagnosticsService = new DiagnosticsGrpcService(history, explainer, replayer);
    var reportService = new ReportGrpcService(reports);
    var destinationAdmin = new DestinationAdmin(destinationStore, destinations, accounts, partners,
        new AddressGuard(config.delivery().allowedNetworks()), clock);
    var deliverySender = new HttpDeliverySender(config.delivery());
    var deliveryQueue = new RedisDeliveryQueue(redis.commands(), redis.oneNode());
    var deliveryLog = new DeliveryLogService(deliveryQueue, partitions, clock);
    var deliveryService = new DeliveryGrpcService(destinationAdmin,
        new DestinationTester(destinationAdmin, accounts, deliverySender, clock), deliveryLog);
    DeliveryWorkers deliveryWorkers = null;
    if (config.delivery().workers()) {
      var delivery = config.delivery();
      DeliverySender sender = parts.sender() != null ? parts.sender() : deliverySender;
      var recentEvents = RecentEvents.systemClock();
      var worker = new DeliveryWorker(deliveryQueue, directory,
          new OutboundEvents(codec, readableConversions, clicks, accounts, recentEvents, clock),
          sender, new DestinationLimiter(delivery.concurrency(), System::nanoTime),
          new CircuitBreaker(delivery.circuitOpenAfter(), clock),
          new RetrySchedule(delivery.maxAge(), new SplittableRandom()),
          delivery.requestTimeout().multipliedBy(2), delivery.logRetention(), clock, metrics.deliveries(), 512);
      var dispatcher = new DeliveryDispatcher(deliveryQueue, directory, DeliveryWorkers.consumerName(), clock,
          delivery.maxAge().plus(delivery.logRetention()), 256, DeliveryDispatcher.STALE);
      deliveryWorkers = new DeliveryWorkers(deliveryQueue, dispatcher, worker, partitions, DeliveryWorkers.POLL);
      outbox.onWrite(deliveryWorkers::wake);
      outbox.handOffTo(recentEvents);
      metrics.deliveriesPending(deliveryWorkers::pending);
    }
    return new ServerComponents(config.security(), clickService, conversionService, adminService,
        partnerService, diagnosticsService, reportService, deliveryService, apiKeys, new ScopeInterceptor(tenants), journal, streams,
        verifierWatch, deliverySender, metrics.grpcCalls(), deliveryWorkers, deliveryLog,
        new RedisStatsCompactor(redis.commands(), partitions));
  }

  /**
   * Puts the services, health, reflection and the call interceptors on {@code transport}: a Netty
   * server in production, an in-process one in tests.
   */
  <T extends ServerBuilder<T>> T register(T transport, HealthStatusManager health) {
    return transport
        .addService(clickService)
        .addService(conversionService)
        .addService(adminService)
        .addService(partnerService)
        .addService(diagnosticsService)
        .addService(reportService)
        .addService(deliveryService)
        .addService(health.getHealthService())
        // v1 and v1alpha, both serving error_details.proto so tools can decode a refusal's ErrorInfo.
        .addService(ReflectionServices.v1())
        .addService(ReflectionServices.v1alpha())
        // The last interceptor added runs first: authenticate, then count the call, then hold a
        // scoped key to its scope (which may read the store, so within the call limit).
        .intercept(scopes)
        .intercept(new CallLimitInterceptor(security.maxConcurrentCalls()))
        .intercept(new ApiKeyInterceptor(apiKeys, security.auth()))
        // Outermost, so the metrics also see the calls the two above refuse (UNAUTHENTICATED,
        // PERMISSION_DENIED, RESOURCE_EXHAUSTED) and time the whole call.
        .intercept(grpcCalls.preregistered(clickService, conversionService, adminService, partnerService, diagnosticsService,
            reportService, deliveryService, health.getHealthService()));
  }
}
