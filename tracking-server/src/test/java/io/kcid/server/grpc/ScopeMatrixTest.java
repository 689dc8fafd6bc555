package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.kcid.proto.tracking.v1.AckConversionEventsRequest;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetCallerRequest;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.GetPartnerRequest;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListApiKeysRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.RevokeApiKeyRequest;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretRequest;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.TestDestinationRequest;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesRequest;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.ApiKeyRoles;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scope matrix of issue #15 over real gRPC and real Redis (standalone and Cluster): every
 * method of every kcid service × key scope (platform, partner, account) × role × own or other
 * tenant. What each method should allow is stated here, independently of the server's table, so
 * a wrong row in {@code MethodRoles} fails this test; a method added to the proto without a row
 * here fails it too.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class ScopeMatrixTest {
  private static final String ROOT_SECRET = "scope-root-secret-0123456789abcdef";
  private static final List<ApiKeyRole> ROLES = List.of(
      ApiKeyRole.API_KEY_ROLE_ISSUE, ApiKeyRole.API_KEY_ROLE_INGEST, ApiKeyRole.API_KEY_ROLE_READ, ApiKeyRole.API_KEY_ROLE_ADMIN);
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  @Parameter Topology topology;

  /** Which tenant a method touches, as a scoped key sees it. */
  enum Owns {
    /** Nothing a tenant owns: every scope. */
    NOTHING,
    /** Deployment-wide: platform keys only. */
    PLATFORM,
    /** An account (named, or the click's): partner keys of its partner, account keys of it. */
    ACCOUNT,
    /** A partner: partner keys of it (account keys never). */
    PARTNER,
    /** A list every scope may read, cut down to the scope; "other" asks for the other partner. */
    LISTED
  }

  /** One tenant's ids: a partner, an account under it, a click and a conversion of that account. */
  record Tenant(String partnerId, String accountId, String kcid, String conversionId, String deletableKcid) {}

  /** A method: the role it needs (null: any), what it touches, and a valid-looking request for a tenant. */
  record Row(ApiKeyRole role, Owns owns, Function<Tenant, Message> request) {}

  private static TestRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static Tenant own;
  private static Tenant other;
  /** Secrets by scope ("platform", "partner", "account") and role. */
  private static Map<String, Map<ApiKeyRole, String>> keys;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    ServerConfig config = TestServers.builder(redis.url())
        .security(new io.kcid.server.config.ServerSecurity(
            AuthMode.REQUIRED, ConfiguredApiKeys.parse("root:admin+issue+ingest+read:" + ROOT_SECRET), Duration.ofMillis(200), null, null, null,
            1000, 1000, io.kcid.server.common.IpPrivacy.truncate()))
        .build();
    server = TrackingServer.start(config);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    own = tenant("agency-one");
    other = tenant("agency-two");
    keys = new LinkedHashMap<>();
    for (String scope : List.of("platform", "partner", "account")) {
      Map<ApiKeyRole, String> byRole = new HashMap<>();
      for (ApiKeyRole role : ROLES) {
        CreateApiKeyRequest.Builder key = CreateApiKeyRequest.newBuilder()
            .setName(scope + "-" + roleName(role) + "-" + UNIQUE.incrementAndGet()).addRoles(role);
        if (scope.equals("partner")) {
          key.setPartnerId(own.partnerId());
        } else if (scope.equals("account")) {
          key.setAccountId(own.accountId());
        }
        byRole.put(role, admin(ROOT_SECRET).createApiKey(key.build()).getSecret());
      }
      keys.put(scope, byRole);
    }
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static Tenant tenant(String name) {
    String partnerId = name + "-" + UNIQUE.incrementAndGet();
    PartnerServiceGrpc.newBlockingStub(channel).withCallCredentials(key(ROOT_SECRET))
        .createPartner(CreatePartnerRequest.newBuilder().setPartnerId(partnerId).setDisplayName(name).build());
    String accountId = admin(ROOT_SECRET).createAccount(
        CreateAccountRequest.newBuilder().setPartnerId(partnerId).setDisplayName(name + " shop").build()).getAccount().getAccountId();
    var clicks = ClickServiceGrpc.newBlockingStub(channel).withCallCredentials(key(ROOT_SECRET));
    String kcid = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c1").build()).getClick().getKcid();
    String deletable = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c2").build()).getClick().getKcid();
    String conversionId = ConversionServiceGrpc.newBlockingStub(channel).withCallCredentials(key(ROOT_SECRET))
        .recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId(accountId).build()).getConversionId();
    return new Tenant(partnerId, accountId, kcid, conversionId, deletable);
  }

  private static AdminServiceGrpc.AdminServiceBlockingStub admin(String secret) {
    return AdminServiceGrpc.newBlockingStub(channel).withCallCredentials(key(secret))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UNIQUE.incrementAndGet();
  }

  private static Timestamp weekAgo() {
    return Timestamp.newBuilder().setSeconds(Instant.now().minus(Duration.ofDays(7)).getEpochSecond()).build();
  }

  /** What every method needs and a request for it. A method missing here fails {@link #everyMethodHasARow}. */
  private static final Map<String, Row> ROWS = Map.ofEntries(
      row(ClickServiceGrpc.getIssueClickMethod(), ApiKeyRole.API_KEY_ROLE_ISSUE, Owns.ACCOUNT,
          t -> IssueClickRequest.newBuilder().setAccountId(t.accountId()).setCampaignId("c1").build()),
      row(ClickServiceGrpc.getIssueClicksMethod(), ApiKeyRole.API_KEY_ROLE_ISSUE, Owns.ACCOUNT,
          t -> IssueClicksRequest.newBuilder()
              .addItems(IssueClickRequest.newBuilder().setAccountId(own.accountId()).setCampaignId("c1"))
              .addItems(IssueClickRequest.newBuilder().setAccountId(t.accountId()).setCampaignId("c1")).build()),
      row(ClickServiceGrpc.getGetClickMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> GetClickRequest.newBuilder().setKcid(t.kcid()).build()),
      row(ClickServiceGrpc.getInspectKcidMethod(), null, Owns.NOTHING,
          t -> InspectKcidRequest.newBuilder().setKcid(t.kcid()).build()),
      row(ClickServiceGrpc.getDeleteClickMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> DeleteClickRequest.newBuilder().setKcid(t.deletableKcid()).build()),
      row(ClickServiceGrpc.getListClickVerifiersMethod(), ApiKeyRole.API_KEY_ROLE_ISSUE, Owns.LISTED,
          t -> ListClickVerifiersRequest.getDefaultInstance()),
      row(ClickServiceGrpc.getWatchClickVerifiersMethod(), ApiKeyRole.API_KEY_ROLE_ISSUE, Owns.LISTED,
          t -> WatchClickVerifiersRequest.getDefaultInstance()),
      row(ConversionServiceGrpc.getRecordConversionMethod(), ApiKeyRole.API_KEY_ROLE_INGEST, Owns.ACCOUNT,
          t -> RecordConversionRequest.newBuilder().setKcid(t.kcid()).setTest(true).build()),
      row(ConversionServiceGrpc.getRecordConversionsMethod(), ApiKeyRole.API_KEY_ROLE_INGEST, Owns.ACCOUNT,
          t -> RecordConversionsRequest.newBuilder()
              .addItems(RecordConversionRequest.newBuilder().setKcid(own.kcid()).setTest(true))
              .addItems(RecordConversionRequest.newBuilder().setKcid(t.kcid()).setTest(true)).build()),
      row(ConversionServiceGrpc.getUpdateConversionStatusMethod(), ApiKeyRole.API_KEY_ROLE_INGEST, Owns.ACCOUNT,
          t -> UpdateConversionStatusRequest.newBuilder().setConversionId(t.conversionId())
              .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).build()),
      row(ConversionServiceGrpc.getUpdateConversionStatusesMethod(), ApiKeyRole.API_KEY_ROLE_INGEST, Owns.ACCOUNT,
          t -> UpdateConversionStatusesRequest.newBuilder().addItems(UpdateConversionStatusRequest.newBuilder()
              .setKcid(t.kcid()).setConversionId(t.conversionId()).setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED)).build()),
      row(ConversionServiceGrpc.getGetConversionMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> GetConversionRequest.newBuilder().setConversionId(t.conversionId()).build()),
      row(ConversionServiceGrpc.getListConversionsMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> ListConversionsRequest.newBuilder().setKcid(t.kcid()).build()),
      row(ConversionServiceGrpc.getStreamConversionsMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> StreamConversionsRequest.newBuilder().setAccountId(t.accountId()).build()),
      row(ConversionServiceGrpc.getAckConversionEventsMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> AckConversionEventsRequest.newBuilder().setAccountId(t.accountId()).setConsumerGroup("g").addEventIds("1-1").build()),
      row(AdminServiceGrpc.getCreateAccountMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PARTNER,
          t -> CreateAccountRequest.newBuilder().setPartnerId(t.partnerId()).setDisplayName("made by a key").build()),
      row(AdminServiceGrpc.getGetAccountMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> GetAccountRequest.newBuilder().setAccountId(t.accountId()).build()),
      row(AdminServiceGrpc.getUpdateAccountMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> UpdateAccountRequest.newBuilder().setAccountId(t.accountId()).setDisplayName("renamed").build()),
      row(AdminServiceGrpc.getRotateAccountSecretMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> RotateAccountSecretRequest.newBuilder().setAccountId(t.accountId()).setKind(SecretKind.SECRET_KIND_POSTBACK_TOKEN).build()),
      row(AdminServiceGrpc.getListAccountsMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.LISTED,
          t -> t == own ? ListAccountsRequest.getDefaultInstance() : ListAccountsRequest.newBuilder().setPartnerId(t.partnerId()).build()),
      row(AdminServiceGrpc.getCreateGoalMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> CreateGoalRequest.newBuilder().setAccountId(t.accountId()).setGoalKey(unique("goal")).build()),
      row(AdminServiceGrpc.getGetGoalMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> GetGoalRequest.newBuilder().setAccountId(t.accountId()).setGoalKey("default").build()),
      row(AdminServiceGrpc.getListGoalsMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> ListGoalsRequest.newBuilder().setAccountId(t.accountId()).build()),
      row(AdminServiceGrpc.getUpdateGoalMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> UpdateGoalRequest.newBuilder().setAccountId(t.accountId()).setGoalKey("default").setDisplayName("Default").build()),
      row(AdminServiceGrpc.getCreateApiKeyMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> CreateApiKeyRequest.newBuilder().setName(unique("made")).addRoles(ApiKeyRole.API_KEY_ROLE_READ)
              .setPartnerId(t.partnerId()).build()),
      row(AdminServiceGrpc.getListApiKeysMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> ListApiKeysRequest.getDefaultInstance()),
      row(AdminServiceGrpc.getRevokeApiKeyMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> RevokeApiKeyRequest.newBuilder().setName("no-such-key").build()),
      row(AdminServiceGrpc.getGetCallerMethod(), null, Owns.NOTHING, t -> GetCallerRequest.getDefaultInstance()),
      row(AdminServiceGrpc.getLoadBotRangesMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> io.kcid.proto.tracking.v1.LoadBotRangesRequest.newBuilder()
              .setKind(io.kcid.proto.tracking.v1.BotRangeKind.BOT_RANGE_KIND_BOT).build()),
      row(AdminServiceGrpc.getListBotRangesMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> io.kcid.proto.tracking.v1.ListBotRangesRequest.getDefaultInstance()),
      // Clears a list no test loads: what a permitted call changes is nothing.
      row(AdminServiceGrpc.getClearBotRangesMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> io.kcid.proto.tracking.v1.ClearBotRangesRequest.newBuilder()
              .setKind(io.kcid.proto.tracking.v1.BotRangeKind.BOT_RANGE_KIND_DATACENTER).build()),
      // A day long before any conversion a test records: what a permitted call adds changes nothing.
      row(AdminServiceGrpc.getLoadExchangeRatesMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> io.kcid.proto.tracking.v1.LoadExchangeRatesRequest.newBuilder()
              .addLines("Date,USD").addLines("1990-01-02,1.2").build()),
      row(AdminServiceGrpc.getListExchangeRatesMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> io.kcid.proto.tracking.v1.ListExchangeRatesRequest.getDefaultInstance()),
      row(AdminServiceGrpc.getSetConversionCapMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> io.kcid.proto.tracking.v1.SetConversionCapRequest.newBuilder().setAccountId(t.accountId())
              .setCap(io.kcid.proto.tracking.v1.ConversionCap.newBuilder().setCapId("matrix").setCampaignId("c1")
                  .setPeriod(io.kcid.proto.tracking.v1.CapPeriod.CAP_PERIOD_DAILY).setMaxConversions(1_000_000))
              .build()),
      row(AdminServiceGrpc.getListConversionCapsMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> io.kcid.proto.tracking.v1.ListConversionCapsRequest.newBuilder().setAccountId(t.accountId()).build()),
      // Deletes a cap no test sets: a permitted call answers CAP_NOT_FOUND.
      row(AdminServiceGrpc.getDeleteConversionCapMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> io.kcid.proto.tracking.v1.DeleteConversionCapRequest.newBuilder().setAccountId(t.accountId())
              .setCapId("none").build()),
      row(PartnerServiceGrpc.getCreatePartnerMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> CreatePartnerRequest.newBuilder().setPartnerId(unique("p")).setDisplayName("P").build()),
      row(PartnerServiceGrpc.getGetPartnerMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.PARTNER,
          t -> GetPartnerRequest.newBuilder().setPartnerId(t.partnerId()).build()),
      row(PartnerServiceGrpc.getListPartnersMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.LISTED,
          t -> ListPartnersRequest.getDefaultInstance()),
      row(PartnerServiceGrpc.getUpdatePartnerMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> UpdatePartnerRequest.newBuilder().setPartnerId(t.partnerId()).setDisplayName("renamed").build()),
      row(PartnerServiceGrpc.getDeletePartnerMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.PLATFORM,
          t -> DeletePartnerRequest.newBuilder().setPartnerId(t.partnerId()).build()),
      row(DiagnosticsServiceGrpc.getListPostbacksMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> ListPostbacksRequest.newBuilder().setAccountId(t.accountId()).build()),
      row(DiagnosticsServiceGrpc.getExplainClickMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> ExplainClickRequest.newBuilder().setKcid(t.kcid()).build()),
      row(DiagnosticsServiceGrpc.getReplayPostbacksMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> ReplayPostbacksRequest.newBuilder().setAccountId(t.accountId()).setDryRun(true).build()),
      row(ReportServiceGrpc.getGetStatsMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> GetStatsRequest.newBuilder().setAccountId(t.accountId()).setStartTime(weekAgo()).build()),
      row(DeliveryServiceGrpc.getCreateDestinationMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> CreateDestinationRequest.newBuilder().setAccountId(t.accountId()).setDestinationId(unique("d"))
              .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl("https://203.0.113.10/pb?t={txid}").build()),
      row(DeliveryServiceGrpc.getGetDestinationMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> GetDestinationRequest.newBuilder().setAccountId(t.accountId()).setDestinationId("no-such-destination").build()),
      row(DeliveryServiceGrpc.getListDestinationsMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> ListDestinationsRequest.newBuilder().setAccountId(t.accountId()).build()),
      row(DeliveryServiceGrpc.getUpdateDestinationMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> UpdateDestinationRequest.newBuilder().setAccountId(t.accountId()).setDestinationId("no-such-destination")
              .setPaused(true).build()),
      row(DeliveryServiceGrpc.getDeleteDestinationMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> DeleteDestinationRequest.newBuilder().setAccountId(t.accountId()).setDestinationId("no-such-destination").build()),
      row(DeliveryServiceGrpc.getTestDestinationMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> TestDestinationRequest.newBuilder().setAccountId(t.accountId()).setDestinationId("no-such-destination").build()),
      row(DeliveryServiceGrpc.getRotateDestinationSecretMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> RotateDestinationSecretRequest.newBuilder().setAccountId(t.accountId()).setDestinationId("no-such-destination")
              .build()),
      row(DeliveryServiceGrpc.getListDeliveriesMethod(), ApiKeyRole.API_KEY_ROLE_READ, Owns.ACCOUNT,
          t -> ListDeliveriesRequest.newBuilder().setAccountId(t.accountId()).build()),
      row(DeliveryServiceGrpc.getRedeliverMethod(), ApiKeyRole.API_KEY_ROLE_ADMIN, Owns.ACCOUNT,
          t -> RedeliverRequest.newBuilder().setAccountId(t.accountId()).setDryRun(true).build()));

  private static Map.Entry<String, Row> row(MethodDescriptor<?, ?> method, ApiKeyRole role, Owns owns, Function<Tenant, Message> request) {
    return Map.entry(method.getFullMethodName(), new Row(role, owns, request));
  }

  private static List<MethodDescriptor<?, ?>> everyMethod() {
    List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
    for (ServiceDescriptor service : List.of(
        ClickServiceGrpc.getServiceDescriptor(), ConversionServiceGrpc.getServiceDescriptor(), AdminServiceGrpc.getServiceDescriptor(),
        PartnerServiceGrpc.getServiceDescriptor(), DiagnosticsServiceGrpc.getServiceDescriptor(), ReportServiceGrpc.getServiceDescriptor(),
        DeliveryServiceGrpc.getServiceDescriptor())) {
      methods.addAll(service.getMethods());
    }
    return methods;
  }

  @Test
  void everyMethodHasARow() {
    Set<String> missing = new TreeSet<>();
    for (MethodDescriptor<?, ?> method : everyMethod()) {
      if (!ROWS.containsKey(method.getFullMethodName())) {
        missing.add(method.getFullMethodName());
      }
    }
    assertThat(missing).as("methods without a row in the scope matrix").isEmpty();
  }

  @Test
  void everyScopeRoleAndTenantGetsWhatTheMatrixSays() {
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    // Platform keys last: they may change what the others ask about (DeleteClick deletes).
    for (String scope : List.of("partner", "account", "platform")) {
      for (ApiKeyRole role : ROLES) {
        for (MethodDescriptor<?, ?> method : everyMethod()) {
          Row row = ROWS.get(method.getFullMethodName());
          for (boolean ownTenant : new boolean[] {true, false}) {
            Tenant target = ownTenant ? own : other;
            Expect expected = expected(row, scope, role, ownTenant);
            Outcome actual = call(method, row.request().apply(target), keys.get(scope).get(role));
            checked++;
            if (expected != actual.kind()) {
              wrong.add(scope + "/" + roleName(role) + " " + method.getBareMethodName()
                  + (ownTenant ? " own" : " other") + ": expected " + expected + ", got " + actual.detail());
            }
          }
        }
      }
    }
    assertThat(wrong).as("of %d calls", checked).isEmpty();
    assertThat(checked).isEqualTo(3 * ROLES.size() * everyMethod().size() * 2);
  }

  /** Role first (its own refusal), then the scope. */
  private static Expect expected(Row row, String scope, ApiKeyRole role, boolean ownTenant) {
    if (row.role() != null && row.role() != role) {
      return Expect.ROLE_MISSING;
    }
    if (scope.equals("platform")) {
      return Expect.ALLOWED;
    }
    return switch (row.owns()) {
      case NOTHING -> Expect.ALLOWED;
      case PLATFORM -> Expect.SCOPE_DENIED;
      case ACCOUNT -> ownTenant ? Expect.ALLOWED : Expect.SCOPE_DENIED;
      case PARTNER -> ownTenant && scope.equals("partner") ? Expect.ALLOWED : Expect.SCOPE_DENIED;
      // A list asked for the other partner's part is refused; asked unfiltered, it is cut down.
      case LISTED -> ownTenant || row.request().apply(other).equals(row.request().apply(own))
          ? Expect.ALLOWED : Expect.SCOPE_DENIED;
    };
  }

  enum Expect {
    ALLOWED,
    ROLE_MISSING,
    SCOPE_DENIED;

    Outcome with(String detail) {
      return new Outcome(this, detail);
    }
  }

  record Outcome(Expect kind, String detail) {}

  /**
   * Calls the method generically. Anything but the two authorization refusals counts as allowed:
   * the call got past the checks (it may still fail on its own, e.g. a goal key already taken).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Outcome call(MethodDescriptor method, Message request, String secret) {
    CallOptions options = CallOptions.DEFAULT.withCallCredentials(key(secret))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    try {
      if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
        // The watch and the stream never end on their own: read the first answer, then cancel.
        Context.CancellableContext scope = Context.current().withCancellation();
        try {
          scope.call(() -> {
            Iterator<?> answers = ClientCalls.blockingServerStreamingCall(channel, method, options, request);
            return answers.hasNext();
          });
        } catch (StatusRuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          scope.cancel(null);
        }
      } else {
        ClientCalls.blockingUnaryCall(channel, method, options, request);
      }
      return Expect.ALLOWED.with("ALLOWED");
    } catch (StatusRuntimeException e) {
      // Codes the server answers without a reason (UNIMPLEMENTED, DEADLINE_EXCEEDED) are no refusal.
      ErrorReason reason = e.getStatus().getCode() == Status.Code.UNIMPLEMENTED ? null : TestServers.reasonOf(e);
      String detail = e.getStatus().getCode() + "/" + reason + " " + e.getStatus().getDescription();
      if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED && reason == ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING) {
        return Expect.ROLE_MISSING.with(detail);
      }
      if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED && reason == ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED) {
        return Expect.SCOPE_DENIED.with(detail);
      }
      if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED || e.getStatus().getCode() == Status.Code.PERMISSION_DENIED
          || e.getStatus().getCode() == Status.Code.INTERNAL || e.getStatus().getCode() == Status.Code.UNKNOWN) {
        return new Outcome(null, detail);
      }
      return Expect.ALLOWED.with(detail);
    }
  }

  @Test
  void listsAreCutDownToTheScope() {
    String partnerAdmin = keys.get("partner").get(ApiKeyRole.API_KEY_ROLE_ADMIN);
    ListAccountsResponse accounts = admin(partnerAdmin).listAccounts(ListAccountsRequest.newBuilder().setPageSize(1000).build());
    assertThat(accounts.getAccountsList()).isNotEmpty()
        .allSatisfy(a -> assertThat(a.getPartnerId()).isEqualTo(own.partnerId()))
        .anySatisfy(a -> assertThat(a.getAccountId()).isEqualTo(own.accountId()));

    ListPartnersResponse partners = PartnerServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(key(keys.get("partner").get(ApiKeyRole.API_KEY_ROLE_READ)))
        .listPartners(ListPartnersRequest.newBuilder().setPageSize(1000).build());
    assertThat(partners.getPartnersList()).extracting(p -> p.getPartnerId()).containsExactly(own.partnerId());
    ListPartnersResponse none = PartnerServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(key(keys.get("account").get(ApiKeyRole.API_KEY_ROLE_READ)))
        .listPartners(ListPartnersRequest.newBuilder().setPageSize(1000).build());
    assertThat(none.getPartnersList()).isEmpty();

    // An account-scoped issue key gets its own account's click secret and no other.
    List<ClickVerifier> verifiers = new ArrayList<>();
    String page = "";
    do {
      ListClickVerifiersResponse answer = ClickServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(key(keys.get("account").get(ApiKeyRole.API_KEY_ROLE_ISSUE)))
          .listClickVerifiers(ListClickVerifiersRequest.newBuilder().setPageToken(page).build());
      verifiers.addAll(answer.getVerifiersList());
      page = answer.getNextPageToken();
    } while (!page.isEmpty());
    assertThat(verifiers).extracting(ClickVerifier::getAccountId).containsExactly(own.accountId());
    assertThat(verifiers.get(0).getSecretsList()).isNotEmpty();
    // The platform's issue key (an edge) sees both.
    ListClickVerifiersResponse all = ClickServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(key(keys.get("platform").get(ApiKeyRole.API_KEY_ROLE_ISSUE)))
        .listClickVerifiers(ListClickVerifiersRequest.newBuilder().setPageSize(1000).build());
    assertThat(all.getVerifiersList()).extracting(ClickVerifier::getAccountId).contains(own.accountId(), other.accountId());
  }

  @Test
  void aPartnerAdminRunsItsOwnAdvertisers() {
    String partnerAdmin = keys.get("partner").get(ApiKeyRole.API_KEY_ROLE_ADMIN);
    var created = admin(partnerAdmin).createAccount(
        CreateAccountRequest.newBuilder().setPartnerId(own.partnerId()).setDisplayName("Second shop").build()).getAccount();
    assertThat(created.getPartnerId()).isEqualTo(own.partnerId());
    assertThat(admin(partnerAdmin).createGoal(CreateGoalRequest.newBuilder().setAccountId(created.getAccountId())
        .setGoalKey("purchase").build()).getGoal().getGoalKey()).isEqualTo("purchase");
    // Without naming its partner, an account would land in "default", outside its scope.
    assertThatThrownBy(() -> admin(partnerAdmin).createAccount(CreateAccountRequest.newBuilder().setDisplayName("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED);
          assertThat(e.getStatus().getDescription()).contains("partner:" + own.partnerId());
        });
    // Nor may it move an account out (or in): moving is the platform's.
    assertThatThrownBy(() -> admin(partnerAdmin).updateAccount(UpdateAccountRequest.newBuilder()
            .setAccountId(created.getAccountId()).setPartnerId(other.partnerId()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED));
  }

  @Test
  void getCallerNamesTheKeysScope() {
    ApiKey partnerKey = admin(keys.get("partner").get(ApiKeyRole.API_KEY_ROLE_READ)).getCaller(GetCallerRequest.getDefaultInstance())
        .getApiKey();
    assertThat(partnerKey.getPartnerId()).isEqualTo(own.partnerId());
    assertThat(partnerKey.getAccountId()).isEmpty();
    assertThat(partnerKey.getRolesList()).containsExactly(ApiKeyRole.API_KEY_ROLE_READ);
    ApiKey accountKey = admin(keys.get("account").get(ApiKeyRole.API_KEY_ROLE_ISSUE)).getCaller(GetCallerRequest.getDefaultInstance())
        .getApiKey();
    assertThat(accountKey.getAccountId()).isEqualTo(own.accountId());
    assertThat(accountKey.getPartnerId()).isEqualTo(own.partnerId());
    ApiKey root = admin(ROOT_SECRET).getCaller(GetCallerRequest.getDefaultInstance()).getApiKey();
    assertThat(root.getName()).isEqualTo("root");
    assertThat(root.getPartnerId()).isEmpty();
    assertThat(root.getAccountId()).isEmpty();
  }

  @Test
  void aKeysScopeMustExistAndAgree() {
    assertThatThrownBy(() -> admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder().setName(unique("k"))
            .addRoles(ApiKeyRole.API_KEY_ROLE_READ).setPartnerId("no-such-partner").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
    assertThatThrownBy(() -> admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder().setName(unique("k"))
            .addRoles(ApiKeyRole.API_KEY_ROLE_READ).setAccountId("no-such-account").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
    assertThatThrownBy(() -> admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder().setName(unique("k"))
            .addRoles(ApiKeyRole.API_KEY_ROLE_READ).setAccountId(own.accountId()).setPartnerId(other.partnerId()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    ApiKey listed = admin(ROOT_SECRET).listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList().stream()
        .filter(k -> k.getAccountId().equals(own.accountId())).findFirst().orElseThrow();
    assertThat(listed.getPartnerId()).isEqualTo(own.partnerId());
  }

  private static String roleName(ApiKeyRole role) {
    return ApiKeyRoles.name(role);
  }

  /** Sends {@code secret} as the bearer key of a call. */
  private static CallCredentials key(String secret) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
        applier.apply(headers);
      }
    };
  }
}
