package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.SpoolConfig;
import io.kcid.edge.spool.ClickVerifiers;
import io.kcid.faults.testing.Http;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 12, items 4 and 11 (currencies, the edge's key check), through the real edge, the real
 * tracking-server under {@code KCID_AUTH=required} and a real redis-server: an allowlist or
 * tolerance update must not turn token authentication into IP-only, money that is no money or has
 * more decimals than its currency is refused, and the edge's own key (issue + ingest) can run the
 * start-up check that edge and server share kcid keys, with its outcome in the edge's log.
 */
class AccountAndMoneyAttacksIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final String ROOT_KEY = "root-key-for-attacks-0123456789abcdef";
  private static final String EDGE_KEY = "edge-key-for-attacks-0123456789abcdef";

  @TempDir static Path dir;
  private static RedisProcess redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    ServerConfig.Builder base = ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url())
        .partitions(Stack.PARTITIONS).macKeys(KEYS).redisTimeout(Duration.ofMillis(500))
        .redisQueueSize(10_000).accountCacheTtl(Duration.ofMillis(200)).streamMaxLength(100_000)
        .drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5));
    server = TrackingServer.start(base.security(ServerSecurity.open().withAuth(AuthMode.REQUIRED, ConfiguredApiKeys.parse(
        "root:admin+issue+read:" + ROOT_KEY + ",edge:issue+ingest:" + EDGE_KEY))).build());
    edge = edge(KEYS, Optional.empty());
    channel = Stack.channel(server.port());
    var withRootKey = ClientInterceptors.intercept(channel, bearer(ROOT_KEY));
    admin = AdminServiceGrpc.newBlockingStub(withRootKey).withDeadlineAfter(30, TimeUnit.SECONDS);
    clicks = ClickServiceGrpc.newBlockingStub(withRootKey).withDeadlineAfter(30, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(withRootKey).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (edge != null) {
      edge.close();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** An edge carrying the edge key (issue + ingest only), minting with {@code keys} when it spools into {@code spool}. */
  private static HttpEdge edge(KcidKeyRing keys, Optional<Path> spool) {
    return HttpEdge.start(Stack.edgeConfig("127.0.0.1:" + server.port()).apiKey(EDGE_KEY).spool(spool.map(d ->
        new SpoolConfig(keys, Stack.PARTITIONS, d, 64L << 20, Duration.ofMillis(1500), Duration.ofMillis(300))).orElse(null)).build());
  }

  private static ClientInterceptor bearer(String key) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.newBuilder().setDisplayName("Attacked").build());
  }

  private static String click(CreateAccountResponse account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setCampaignId("c").build()).getClick().getKcid();
  }

  private static Http.Answer postback(String query) {
    return Http.get("http://127.0.0.1:" + edge.port() + "/postback?" + query);
  }

  private static JsonNode body(Http.Answer answer) throws Exception {
    return JSON.readTree(answer.body());
  }

  private static void assertAccepted(Http.Answer answer) throws Exception {
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(body(answer).get("status").asText()).as(answer.body()).isEqualTo("accepted");
  }

  /** The attack of item 4: the CLI's old `--allow-ip` sent an allowlist alone, which made the account IP-only. */
  @Test
  void allowIpUpdateKeepsTokenAuth() throws Exception {
    CreateAccountResponse account = account();
    String id = account.getAccount().getAccountId();
    String token = account.getSecrets().getPostbackToken();
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id)
        .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("127.0.0.1")).build());

    // From an allowed address, a postback without the token is still refused...
    Http.Answer bare = postback("kcid=" + click(account) + "&txid=forged");
    assertThat(bare.status()).as(bare.body()).isEqualTo(401);
    assertThat(body(bare).get("status").asText()).isEqualTo("rejected");
    // ...and the token still authenticates, as before the update.
    assertAccepted(postback("kcid=" + click(account) + "&token=" + token));
  }

  @Test
  void signatureToleranceUpdateKeepsMethods() throws Exception {
    CreateAccountResponse account = account();
    String id = account.getAccount().getAccountId();
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setPostbackAuth(PostbackAuth.newBuilder()
        .addIpAllowlist("127.0.0.0/8")).build());
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setPostbackAuth(PostbackAuth.newBuilder()
        .setSignatureTolerance(com.google.protobuf.Duration.newBuilder().setSeconds(120))).build());

    PostbackAuth stored = admin.getAccount(io.kcid.proto.tracking.v1.GetAccountRequest.newBuilder().setAccountId(id).build())
        .getAccount().getPostbackAuth();
    assertThat(stored.getMethodsList()).containsExactly(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN);
    assertThat(stored.getIpAllowlistList()).containsExactly("127.0.0.0/8");
    assertThat(stored.getSignatureTolerance().getSeconds()).isEqualTo(120);
    Http.Answer bare = postback("kcid=" + click(account));
    assertThat(bare.status()).as(bare.body()).isEqualTo(401);
    assertAccepted(postback("kcid=" + click(account) + "&token=" + account.getSecrets().getPostbackToken()));
  }

  @Test
  void authEmptyMakesIpOnly() throws Exception {
    CreateAccountResponse account = account();
    String id = account.getAccount().getAccountId();
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setUpdateAuthMethods(true)
        .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("127.0.0.1")).build());
    // Asked for explicitly, IP-only it is: the allowed address alone authenticates.
    assertAccepted(postback("kcid=" + click(account)));
  }

  @Test
  void noCurrencyCodeXXXIsRefused() throws Exception {
    CreateAccountResponse account = account();
    String token = account.getSecrets().getPostbackToken();
    for (String code : List.of("XXX", "XTS", "xxx")) {
      Http.Answer refused = postback("kcid=" + click(account) + "&token=" + token + "&value=10&currency=" + code);
      assertThat(refused.status()).as(refused.body()).isBetween(400, 499);
      assertThat(body(refused).get("reason").asText()).as(refused.body()).isEqualTo("INVALID_CURRENCY");
      assertThat(body(refused).get("message").asText()).contains("not money");
    }
  }

  @Test
  void jpyWithDecimalsIsRefused() throws Exception {
    CreateAccountResponse account = account();
    String token = account.getSecrets().getPostbackToken();
    for (String value : List.of("value=1.5&currency=JPY", "value=1.234&currency=USD", "value=0.0001&currency=EUR")) {
      Http.Answer refused = postback("kcid=" + click(account) + "&token=" + token + "&" + value);
      assertThat(refused.status()).as(refused.body()).isBetween(400, 499);
      assertThat(body(refused).get("reason").asText()).as(value).isEqualTo("INVALID_VALUE");
      assertThat(body(refused).get("message").asText()).as(value).contains("more decimals than");
    }
    // As many decimals as the currency has (trailing zeros are no extra precision) pass.
    assertAccepted(postback("kcid=" + click(account) + "&token=" + token + "&value=1500&currency=JPY"));
    assertAccepted(postback("kcid=" + click(account) + "&token=" + token + "&value=1.250&currency=BHD"));
    assertAccepted(postback("kcid=" + click(account) + "&token=" + token + "&value=12.50&currency=USD"));
  }

  @Test
  void lowerCaseCurrencyIsNormalised() throws Exception {
    CreateAccountResponse account = account();
    Http.Answer accepted = postback("kcid=" + click(account) + "&token=" + account.getSecrets().getPostbackToken()
        + "&value=9.99&currency=usd");
    assertAccepted(accepted);
    var stored = conversions.getConversion(GetConversionRequest.newBuilder()
        .setConversionId(body(accepted).get("conversion_id").asText()).build()).getConversion();
    assertThat(stored.getValue().getCurrencyCode()).isEqualTo("USD");
    assertThat(stored.getValue().getAmount()).isEqualTo("9.99");
  }

  /**
   * Item 11: the edge's own key has issue + ingest; the start-up check that edge and server share
   * kcid keys (InspectKcid) used to need `read`, so under required auth it never ran and an edge
   * with other keys went on minting kcids the server refuses. Now it runs and says so.
   */
  @Test
  void edgeKeyCanRunTheSharedKeysCheckUnderRequiredAuth() {
    Logger logger = (Logger) LoggerFactory.getLogger(ClickVerifiers.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    logger.setLevel(Level.INFO);
    try (HttpEdge same = edge(KEYS, Optional.of(dir.resolve("spool-same")));
        HttpEdge other = edge(KcidKeyRing.generate(1), Optional.of(dir.resolve("spool-other")))) {
      awaitLog(events, Level.INFO, "kcid key check passed");
      awaitLog(events, Level.ERROR, "refused a kcid minted by this edge");
      assertThat(messages(events)).as("the check ran: never refused for the edge key's roles")
          .noneMatch(m -> m.contains("could not run"));
    } finally {
      logger.detachAppender(events);
      logger.setLevel(level);
    }
  }

  private static void awaitLog(ListAppender<ILoggingEvent> events, Level level, String text) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (snapshot(events).stream().noneMatch(e -> e.getLevel() == level && e.getFormattedMessage().contains(text))) {
      assertThat(System.nanoTime()).as("no %s log '%s' in %s", level, text, messages(events)).isLessThan(deadline);
      Stack.sleep(50);
    }
  }

  private static List<ILoggingEvent> snapshot(ListAppender<ILoggingEvent> events) {
    synchronized (events) { // the lock AppenderBase.doAppend holds while appending
      return List.copyOf(events.list);
    }
  }

  private static List<String> messages(ListAppender<ILoggingEvent> events) {
    return snapshot(events).stream().map(ILoggingEvent::getFormattedMessage).toList();
  }
}
