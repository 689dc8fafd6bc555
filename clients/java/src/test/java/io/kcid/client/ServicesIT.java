package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ConversionEvent;
import io.kcid.proto.tracking.v1.ConversionEventType;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PartnerService, ReportService, DiagnosticsService, the conversion stream and keys scoped to a
 * partner or an account through the client, against a real tracking-server (in-process, real redis-server) that requires API keys.
 */
class ServicesIT {
  private static final String ADMIN_KEY = "services-it-admin-0123456789abcdefXYZ";

  private static LocalRedis redis;
  private static TrackingServer server;
  private static KcidClient kcid;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5))
        .security(ServerSecurity.open().withAuth(AuthMode.REQUIRED,
            ConfiguredApiKeys.parse("it-admin:admin+issue+ingest+read:" + ADMIN_KEY)))
        .build());
    kcid = KcidClient.connect(KcidClientOptions.builder()
        .target("127.0.0.1:" + server.port()).plaintext().apiKey(ADMIN_KEY).build());
  }

  @AfterAll
  static void stop() {
    if (kcid != null) {
      kcid.close();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static Timestamp hourAgo() {
    return Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(3600).getEpochSecond()).build();
  }

  private static CreateAccountResponse newAccount() {
    return kcid.admin().createAccount(CreateAccountRequest.newBuilder()
        .setAccountId("svc-" + UUID.randomUUID().toString().substring(0, 8)).build());
  }

  private static String issueKcid(String account) {
    return kcid.clicks().issueClick(IssueClickRequest.newBuilder()
        .setAccountId(account).setCampaignId("spring").build()).getClick().getKcid();
  }

  @Test
  void aCallWithoutAnApiKeyIsRefused() {
    try (KcidClient anonymous = KcidClient.connect("127.0.0.1:" + server.port())) {
      assertThatThrownBy(() -> anonymous.reports().getStats(GetStatsRequest.newBuilder()
              .setAccountId("acme").setStartTime(hourAgo()).build()))
          .isInstanceOfSatisfying(KcidException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_INVALID);
            assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          });
    }
  }

  @Test
  void getStatsCountsClicksAndConversions() {
    CreateAccountResponse account = newAccount();
    String accountId = account.getAccount().getAccountId();
    String kcidValue = issueKcid(accountId);
    issueKcid(accountId);
    kcid.conversions().recordConversion(RecordConversionRequest.newBuilder().setKcid(kcidValue)
        .setValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("EUR"))
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
        .build());

    GetStatsResponse stats = kcid.reports().getStats(GetStatsRequest.newBuilder()
        .setAccountId(accountId).setStartTime(hourAgo()).addGroupBy(StatsDimension.STATS_DIMENSION_CAMPAIGN).build());

    assertThat(stats.getTotal().getClicks()).isEqualTo(2);
    assertThat(stats.getTotal().getConversions()).isEqualTo(1);
    assertThat(stats.getTotal().getValuesList()).singleElement().satisfies(value -> {
      assertThat(value.getCurrencyCode()).isEqualTo("EUR");
      // Pending or approved, as the goal's default status says.
      assertThat(new BigDecimal(value.getPendingAmount()).add(new BigDecimal(value.getApprovedAmount())))
          .isEqualByComparingTo("12.50");
    });
    assertThat(stats.getRowsList()).singleElement().satisfies(row -> assertThat(row.getCampaignId()).isEqualTo("spring"));
    assertThatThrownBy(() -> kcid.reports().getStats(GetStatsRequest.newBuilder().setAccountId(accountId).build()))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
  }

  @Test
  void postbackLogExplanationAndReplay() throws Exception {
    CreateAccountResponse account = newAccount();
    String accountId = account.getAccount().getAccountId();
    String kcidValue = issueKcid(accountId);
    PostbackCredentials token = PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()).build();

    // A goal the account does not have yet: rejected, and logged.
    assertThatThrownBy(() -> kcid.conversions().recordConversion(RecordConversionRequest.newBuilder()
            .setKcid(kcidValue).setGoalKey("purchase").setCredentials(token).build()))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND));

    ListPostbacksResponse log = kcid.diagnostics().listPostbacks(ListPostbacksRequest.newBuilder()
        .setAccountId(accountId).setOutcome(PostbackOutcome.POSTBACK_OUTCOME_REJECTED).build());
    assertThat(log.getEntriesList()).singleElement().satisfies(entry -> {
      assertThat(entry.getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
      assertThat(entry.getRequest().getKcid()).isEqualTo(kcidValue);
    });
    String logId = log.getEntries(0).getLogId();

    ExplainClickResponse explained = kcid.diagnostics().explainClick(ExplainClickRequest.newBuilder().setKcid(kcidValue).build());
    assertThat(explained.getDiagnosis().getValid()).isTrue();
    assertThat(explained.getClick().getKcid()).isEqualTo(kcidValue);
    assertThat(explained.getConversionsList()).isEmpty();
    assertThat(explained.getAttemptsList()).extracting(a -> a.getLogId()).containsExactly(logId);

    kcid.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(accountId).setGoalKey("purchase").build());
    ReplayPostbacksRequest replay = ReplayPostbacksRequest.newBuilder().setAccountId(accountId).addLogIds(logId).build();
    ReplayedPostback dryRun = kcid.diagnostics().replayPostbacks(replay.toBuilder().setDryRun(true).build()).getResults(0);
    assertThat(dryRun.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    ReplayedPostback replayed = kcid.diagnostics().replayPostbacks(replay).getResults(0);
    assertThat(replayed.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    assertThat(replayed.getOriginalReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
    assertThat(replayed.getConversionId()).startsWith(kcidValue);
    assertThat(kcid.diagnostics().replayPostbacks(replay).getResults(0).getOutcome())
        .isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE);
    assertThat(kcid.diagnostics().explainClick(ExplainClickRequest.newBuilder().setKcid(kcidValue).build())
        .getConversionsList()).extracting(c -> c.getConversionId()).containsExactly(replayed.getConversionId());

    assertThatThrownBy(() -> kcid.diagnostics().replayPostbacks(ReplayPostbacksRequest.newBuilder().addLogIds(logId).build()))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
  }

  @Test
  void streamConversionsDeliversEventsPastTheDefaultDeadlineAndResumesFromItsCursor() throws Exception {
    CreateAccountResponse account = newAccount();
    String accountId = account.getAccount().getAccountId();
    PostbackCredentials token = PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()).build();
    // A client whose default deadline is short: a stream must outlive it.
    try (KcidClient shortDeadline = KcidClient.connect(KcidClientOptions.builder()
            .target("127.0.0.1:" + server.port()).plaintext().apiKey(ADMIN_KEY).deadline(Duration.ofMillis(300)).build());
        ConversionStream stream = shortDeadline.conversions().streamConversions(
            StreamConversionsRequest.newBuilder().setAccountId(accountId).build())) {
      BlockingQueue<ConversionEvent> events = new ArrayBlockingQueue<>(8);
      AtomicReference<Throwable> ended = new AtomicReference<>();
      CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
        try {
          while (stream.hasNext()) {
            events.add(stream.next());
          }
        } catch (RuntimeException e) {
          ended.set(e);
        }
      });
      Thread.sleep(1000); // longer than the default deadline; also lets the stream register

      RecordConversionResponse recorded = kcid.conversions().recordConversion(RecordConversionRequest.newBuilder()
          .setKcid(issueKcid(accountId)).setCredentials(token).build());
      assertThat(recorded.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
      ConversionEvent event = events.poll(20, TimeUnit.SECONDS);
      assertThat(event).as("event (stream ended with %s)", ended.get()).isNotNull();
      assertThat(event.getType()).isEqualTo(ConversionEventType.CONVERSION_EVENT_TYPE_RECORDED);
      assertThat(event.getConversionId()).isEqualTo(recorded.getConversionId());
      String cursor = stream.cursor();
      assertThat(cursor).isNotEmpty();

      // A second conversion, then a stream resumed from the cursor sees it and not the first.
      RecordConversionResponse second = kcid.conversions().recordConversion(RecordConversionRequest.newBuilder()
          .setKcid(issueKcid(accountId)).setCredentials(token).build());
      try (ConversionStream resumed = kcid.conversions().streamConversions(
          StreamConversionsRequest.newBuilder().setAccountId(accountId).setCursor(cursor).build())) {
        assertThat(resumed.hasNext()).isTrue();
        assertThat(resumed.next().getConversionId()).isEqualTo(second.getConversionId());
      }

      stream.close();
      reader.get(10, TimeUnit.SECONDS);
      assertThat(ended.get()).isInstanceOfSatisfying(KcidException.class,
          e -> assertThat(e.code()).isEqualTo(Status.Code.CANCELLED));
    }
  }

  @Test
  void aMalformedCursorIsStreamCursorInvalid() {
    try (ConversionStream stream = kcid.conversions().streamConversions(
        StreamConversionsRequest.newBuilder().setCursor("not-a-cursor").build())) {
      assertThatThrownBy(stream::hasNext).isInstanceOfSatisfying(KcidException.class,
          e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_STREAM_CURSOR_INVALID));
    }
  }

  private static Partner newPartner() {
    String id = "java-partner-" + UUID.randomUUID().toString().substring(0, 8);
    return kcid.partners().createPartner(CreatePartnerRequest.newBuilder()
        .setPartnerId(id).setDisplayName("Java Agency").build()).getPartner();
  }

  private static void assertReason(ThrowingCallable call, ErrorReason reason, Status.Code code) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KcidException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.code()).isEqualTo(code);
    });
  }

  @Test
  void partnersAreCreatedReadListedAndUpdatedAndOwnTheirAccounts() {
    Partner partner = newPartner();
    String partnerId = partner.getPartnerId();
    assertThat(partner.getS2SActive()).isTrue();
    assertReason(() -> kcid.partners().createPartner(CreatePartnerRequest.newBuilder()
        .setPartnerId(partnerId).setDisplayName("Again").build()),
        ErrorReason.ERROR_REASON_PARTNER_ALREADY_EXISTS, Status.Code.ALREADY_EXISTS);

    CreateAccountResponse account = kcid.admin().createAccount(CreateAccountRequest.newBuilder()
        .setPartnerId(partnerId).setDisplayName("Java shop").build());
    assertThat(account.getAccount().getPartnerId()).isEqualTo(partnerId);
    assertReason(() -> kcid.admin().createAccount(CreateAccountRequest.newBuilder().setPartnerId("java-nobody").build()),
        ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND, Status.Code.NOT_FOUND);

    assertThat(kcid.partners().getPartner(partnerId).getDisplayName()).isEqualTo("Java Agency");
    assertReason(() -> kcid.partners().getPartner("java-nobody"),
        ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND, Status.Code.NOT_FOUND);

    List<String> listed = kcid.partners().listAllPartners(1).map(Partner::getPartnerId).toList(); // pages of one
    assertThat(listed).contains("default", partnerId).isSorted();
    assertThat(kcid.admin().listAllAccounts("", 1))
        .anyMatch(a -> a.getAccountId().equals(account.getAccount().getAccountId()) && a.getPartnerId().equals(partnerId));

    Partner updated = kcid.partners().updatePartner(UpdatePartnerRequest.newBuilder()
        .setPartnerId(partnerId).setDisplayName("Java Agency 1").build()).getPartner();
    assertThat(updated.getDisplayName()).isEqualTo("Java Agency 1");
    assertThat(updated.getS2SActive()).isTrue();
  }

  @Test
  void aPartnerSwitchedOffRefusesClicksUntilSwitchedOn() {
    String partnerId = newPartner().getPartnerId();
    String accountId = kcid.admin().createAccount(CreateAccountRequest.newBuilder().setPartnerId(partnerId).build())
        .getAccount().getAccountId();
    assertThat(issueKcid(accountId)).hasSize(32);

    assertThat(kcid.partners().setS2sActive(partnerId, false).getS2SActive()).isFalse();
    // This server caches no account or partner (accountCacheTtl zero): the switch applies at once.
    assertThatThrownBy(() -> issueKcid(accountId)).isInstanceOfSatisfying(KcidException.class, e -> {
      assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE);
      assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.metadata()).containsEntry("partnerId", partnerId);
    });

    assertThat(kcid.partners().setS2sActive(partnerId, true).getS2SActive()).isTrue();
    assertThat(issueKcid(accountId)).hasSize(32);
  }

  @Test
  void callerWithTheAdminKeyIsThePlatformWithEveryRole() {
    ApiKey me = kcid.admin().caller();
    assertThat(me.getName()).isEqualTo("it-admin");
    assertThat(me.getPartnerId()).isEmpty();
    assertThat(me.getAccountId()).isEmpty();
    assertThat(me.getRolesList()).containsExactly(ApiKeyRole.API_KEY_ROLE_ISSUE, ApiKeyRole.API_KEY_ROLE_INGEST,
        ApiKeyRole.API_KEY_ROLE_READ, ApiKeyRole.API_KEY_ROLE_ADMIN);
  }

  /** A partner and the one account created under it. */
  private record Tenant(String partnerId, String accountId) {}

  /** Two partners with one account each. */
  private static List<Tenant> twoPartners() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return Stream.of("one", "two").map(name -> {
      String partnerId = kcid.partners().createPartner(CreatePartnerRequest.newBuilder()
          .setPartnerId("java-scope-" + name + "-" + suffix).setDisplayName("Java " + name).build())
          .getPartner().getPartnerId();
      String accountId = kcid.admin().createAccount(CreateAccountRequest.newBuilder().setPartnerId(partnerId).build())
          .getAccount().getAccountId();
      return new Tenant(partnerId, accountId);
    }).toList();
  }

  private static KcidClient connectAs(String secret) {
    return KcidClient.connect(KcidClientOptions.builder()
        .target("127.0.0.1:" + server.port()).plaintext().apiKey(secret).build());
  }

  private static void assertScopeDenied(ThrowingCallable call, String scope, String needed) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KcidException.class, e -> {
      assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED);
      assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(e.metadata()).containsEntry("scope", scope).containsEntry("needed", needed);
    });
  }

  @Test
  void aPartnerKeySeesAndCreatesOnlyWithinItsPartner() {
    List<Tenant> tenants = twoPartners();
    String partnerOne = tenants.get(0).partnerId();
    String accountOne = tenants.get(0).accountId();
    String partnerTwo = tenants.get(1).partnerId();
    String name = "java-partner-key-" + UUID.randomUUID().toString().substring(0, 8);
    CreateApiKeyResponse created = kcid.admin().createPartnerApiKey(name, partnerOne,
        ApiKeyRole.API_KEY_ROLE_ADMIN, ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(created.getApiKey().getPartnerId()).isEqualTo(partnerOne);
    assertThat(created.getApiKey().getAccountId()).isEmpty();

    // A key created through this server is known to it at once (it reloads its keys after a change).
    try (KcidClient partnerClient = connectAs(created.getSecret())) {
      ApiKey me = partnerClient.admin().caller();
      assertThat(me.getName()).isEqualTo(name);
      assertThat(me.getPartnerId()).isEqualTo(partnerOne);
      assertThat(me.getAccountId()).isEmpty();
      assertThat(me.getRolesList()).containsExactly(ApiKeyRole.API_KEY_ROLE_READ, ApiKeyRole.API_KEY_ROLE_ADMIN);

      assertThat(partnerClient.partners().listAllPartners(0).map(Partner::getPartnerId)).containsExactly(partnerOne);
      assertThat(partnerClient.admin().listAllAccounts("", 0).map(a -> a.getAccountId() + "@" + a.getPartnerId()))
          .containsExactly(accountOne + "@" + partnerOne);

      assertScopeDenied(() -> partnerClient.admin().createAccount(
              CreateAccountRequest.newBuilder().setPartnerId(partnerTwo).build()),
          "partner:" + partnerOne, "partner:" + partnerTwo);
      assertThat(partnerClient.admin().createAccount(CreateAccountRequest.newBuilder().setPartnerId(partnerOne).build())
          .getAccount().getPartnerId()).isEqualTo(partnerOne);
    }
  }

  @Test
  void anAccountKeyIssuesClicksForItsAccountOnly() {
    List<Tenant> tenants = twoPartners();
    String accountOne = tenants.get(0).accountId();
    String accountTwo = tenants.get(1).accountId();
    CreateApiKeyResponse created = kcid.admin().createAccountApiKey(
        "java-account-key-" + UUID.randomUUID().toString().substring(0, 8), accountOne, ApiKeyRole.API_KEY_ROLE_ISSUE);
    assertThat(created.getApiKey().getAccountId()).isEqualTo(accountOne);
    assertThat(created.getApiKey().getPartnerId()).isEqualTo(tenants.get(0).partnerId());

    try (KcidClient accountClient = connectAs(created.getSecret())) {
      ApiKey me = accountClient.admin().caller();
      assertThat(me.getAccountId()).isEqualTo(accountOne);
      assertThat(me.getPartnerId()).isEqualTo(tenants.get(0).partnerId());
      assertThat(me.getRolesList()).containsExactly(ApiKeyRole.API_KEY_ROLE_ISSUE);
      assertThat(accountClient.clicks().issueClick(IssueClickRequest.newBuilder()
          .setAccountId(accountOne).setCampaignId("scoped").build()).getClick().getAccountId()).isEqualTo(accountOne);
      assertScopeDenied(() -> accountClient.clicks().issueClick(IssueClickRequest.newBuilder()
              .setAccountId(accountTwo).setCampaignId("scoped").build()),
          "account:" + accountOne, "account:" + accountTwo);
    }
  }
}
