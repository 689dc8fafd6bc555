package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * UpdateAccount changes exactly the settings it names (issue 12, item 4), money is refused when it
 * names no currency or has more decimals than its currency (item 11), and InspectKcid is open to
 * the edge's key (issue + ingest) under required auth (item 11). Real gRPC, real redis-server.
 */
class AccountUpdateAndMoneyTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final String ROOT = "root-key-0123456789abcdefghijklmnop";
  private static final String EDGE = "edge-key-0123456789abcdefghijklmnop";

  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static ClickServiceGrpc.ClickServiceBlockingStub edgeClicks;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    ServerConfig.Builder base = TestServers.builder(redis.url()).macKeys(KEYS);
    server = TrackingServer.start(base.security(ServerSecurity.open().withAuth(AuthMode.REQUIRED,
        ConfiguredApiKeys.parse("root:admin+issue+ingest+read:" + ROOT + ",edge:issue+ingest:" + EDGE))).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    var root = ClientInterceptors.intercept(channel, bearer(ROOT));
    admin = AdminServiceGrpc.newBlockingStub(root).withDeadlineAfter(30, TimeUnit.SECONDS);
    clicks = ClickServiceGrpc.newBlockingStub(root).withDeadlineAfter(30, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(root).withDeadlineAfter(30, TimeUnit.SECONDS);
    edgeClicks = ClickServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, bearer(EDGE)))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static io.grpc.ClientInterceptor bearer(String key) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.newBuilder().setDisplayName("Updated").build());
  }

  private static Account stored(String id) {
    return admin.getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
  }

  private static Account update(String id, UnaryOperator<UpdateAccountRequest.Builder> change) {
    return admin.updateAccount(change.apply(UpdateAccountRequest.newBuilder().setAccountId(id)).build()).getAccount();
  }

  private static PostbackAuth auth(String id) {
    return stored(id).getPostbackAuth();
  }

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  void newAccountsStateTheirTokenMethod() {
    CreateAccountResponse created = account();
    assertThat(created.getAccount().getPostbackAuth().getMethodsList())
        .containsExactly(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN);
    assertThat(auth(created.getAccount().getAccountId()).getMethodsList())
        .containsExactly(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN);
  }

  @Test
  void allowIpUpdateKeepsTokenAuth() {
    CreateAccountResponse a = account();
    String id = a.getAccount().getAccountId();
    update(id, r -> r.setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("127.0.0.1")));
    assertThat(auth(id)).isEqualTo(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addIpAllowlist("127.0.0.1").build());

    String kcid = click(id);
    // No token from the allowed address: still refused (it was accepted: IP-only by accident).
    assertThatThrownBy(() -> conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
            .setCredentials(PostbackCredentials.newBuilder().setClientIp("127.0.0.1")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING));
    assertThat(record(kcid, a, null).getOutcome()).isEqualTo(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED);
  }

  @Test
  void signatureToleranceUpdateKeepsMethods() {
    String id = account().getAccount().getAccountId();
    update(id, r -> r.setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE).addIpAllowlist("10.0.0.0/8")));
    update(id, r -> r.setPostbackAuth(PostbackAuth.newBuilder().setSignatureTolerance(seconds(60))));
    assertThat(auth(id)).isEqualTo(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
        .addIpAllowlist("10.0.0.0/8").setSignatureTolerance(seconds(60)).build());
  }

  @Test
  void authEmptyMakesIpOnly() {
    CreateAccountResponse a = account();
    String id = a.getAccount().getAccountId();
    // No method and no allowlist would accept nothing: refused, nothing changed.
    assertThatThrownBy(() -> update(id, r -> r.setUpdateAuthMethods(true)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .hasMessageContaining("IP-only");
    assertThat(auth(id).getMethodsList()).containsExactly(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN);

    update(id, r -> r.setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("127.0.0.1")));
    update(id, r -> r.setUpdateAuthMethods(true));
    assertThat(auth(id)).isEqualTo(PostbackAuth.newBuilder().addIpAllowlist("127.0.0.1").build());
    String kcid = click(id);
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
            .setCredentials(PostbackCredentials.newBuilder().setClientIp("127.0.0.1")).build()).getOutcome())
        .isEqualTo(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED);

    // Lifting the allowlist of an IP-only account would accept nothing: refused.
    assertThatThrownBy(() -> update(id, r -> r.setUpdateIpAllowlist(true)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    // Methods back and the allowlist lifted in one update: token only.
    update(id, r -> r.setUpdateIpAllowlist(true)
        .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN)));
    assertThat(auth(id)).isEqualTo(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).build());
  }

  @Test
  void everyUpdateFieldChangesOnlyItsSetting() {
    String id = account().getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    Account before = update(id, r -> r.setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
        .addIpAllowlist("192.0.2.0/24").setSignatureTolerance(seconds(120))));
    assertThat(stored(id)).isEqualTo(before);

    record Case(String name, UnaryOperator<UpdateAccountRequest.Builder> request, UnaryOperator<Account.Builder> expected) {}
    List<Case> cases = List.of(
        new Case("display_name", r -> r.setDisplayName("Renamed"), a -> a.setDisplayName("Renamed")),
        new Case("kcid_parameter", r -> r.setKcidParameter("clickref"), a -> a.setKcidParameter("clickref")),
        new Case("default_goal_key", r -> r.setDefaultGoalKey("sale"), a -> a.setDefaultGoalKey("sale")),
        new Case("legacy_http_200", r -> r.setLegacyHttp200(true), a -> a.setLegacyHttp200(true)),
        new Case("methods", r -> r.setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)),
            a -> a.setPostbackAuth(a.getPostbackAuth().toBuilder().clearMethods()
                .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE))),
        new Case("ip_allowlist", r -> r.setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("198.51.100.7")),
            a -> a.setPostbackAuth(a.getPostbackAuth().toBuilder().clearIpAllowlist().addIpAllowlist("198.51.100.7"))),
        new Case("signature_tolerance", r -> r.setPostbackAuth(PostbackAuth.newBuilder().setSignatureTolerance(seconds(30))),
            a -> a.setPostbackAuth(a.getPostbackAuth().toBuilder().setSignatureTolerance(seconds(30)))),
        new Case("update_ip_allowlist", r -> r.setUpdateIpAllowlist(true),
            a -> a.setPostbackAuth(a.getPostbackAuth().toBuilder().clearIpAllowlist())),
        new Case("update_auth_methods", r -> r.setUpdateAuthMethods(true)
                .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("203.0.113.0/24")),
            a -> a.setPostbackAuth(a.getPostbackAuth().toBuilder().clearMethods().clearIpAllowlist()
                .addIpAllowlist("203.0.113.0/24"))));
    Account current = before;
    for (Case c : cases) {
      Account expected = c.expected().apply(current.toBuilder()).build();
      Account answered = update(id, c.request());
      assertThat(answered).as(c.name()).isEqualTo(expected);
      assertThat(stored(id)).as(c.name() + " stored").isEqualTo(expected);
      current = expected;
    }
  }

  @Test
  void noCurrencyCodeXXXIsRefused() {
    CreateAccountResponse a = account();
    for (String code : List.of("XXX", "XTS", "xts")) {
      assertThatThrownBy(() -> record(click(a.getAccount().getAccountId()), a, money("10", code)))
          .as(code)
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_CURRENCY))
          .hasMessageContaining("not money");
    }
    // Nor as a goal's default value.
    assertThatThrownBy(() -> admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(a.getAccount().getAccountId())
            .setGoalKey("nomoney").setDefaultValue(money("1", "XXX")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_CURRENCY));
  }

  @Test
  void jpyWithDecimalsIsRefused() {
    CreateAccountResponse a = account();
    String id = a.getAccount().getAccountId();
    for (Money m : List.of(money("1.5", "JPY"), money("1.234", "USD"), money("0.5", "KRW"), money("1.2345", "BHD"))) {
      assertThatThrownBy(() -> record(click(id), a, m))
          .as(m.toString())
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE))
          .hasMessageContaining("more decimals than " + m.getCurrencyCode());
    }
    assertThatThrownBy(() -> admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("yen")
            .setDefaultValue(money("99.9", "JPY")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE));
    // Up to the currency's minor unit, trailing zeros included, and currencies without one (gold) up to 6.
    for (Money m : List.of(money("1500", "JPY"), money("1500.00", "JPY"), money("12.50", "USD"), money("1.234", "BHD"),
        money("0.123456", "XAU"))) {
      assertThat(record(click(id), a, m).getOutcome()).as(m.toString()).isEqualTo(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED);
    }
  }

  @Test
  void lowerCaseCurrencyIsNormalised() {
    CreateAccountResponse a = account();
    RecordConversionResponse accepted = record(click(a.getAccount().getAccountId()), a, money("9.99", "eur"));
    assertThat(conversions.getConversion(io.kcid.proto.tracking.v1.GetConversionRequest.newBuilder()
        .setConversionId(accepted.getConversionId()).build()).getConversion().getValue())
        .isEqualTo(money("9.99", "EUR"));
  }

  @Test
  void edgeKeyCanRunTheSharedKeysCheckUnderRequiredAuth() {
    String kcid = new KcidCodec(KEYS, 16).mintRandomPartition(Instant.now());
    assertThat(edgeClicks.inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build()).getValid()).isTrue();
    String foreign = new KcidCodec(KcidKeyRing.generate(1), 16).mintRandomPartition(Instant.now());
    assertThat(edgeClicks.inspectKcid(InspectKcidRequest.newBuilder().setKcid(foreign).build()).getValid()).isFalse();
    // Still no key, no answer; and the edge key gains nothing else it did not have.
    assertThatThrownBy(() -> ClickServiceGrpc.newBlockingStub(channel).inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_INVALID));
    assertThatThrownBy(() -> edgeClicks.getClick(io.kcid.proto.tracking.v1.GetClickRequest.newBuilder().setKcid(kcid).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING));
  }

  private static Money money(String amount, String currency) {
    return Money.newBuilder().setAmount(amount).setCurrencyCode(currency).build();
  }

  private static String click(String accountId) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c").build())
        .getClick().getKcid();
  }

  private static RecordConversionResponse record(String kcid, CreateAccountResponse a, Money value) {
    RecordConversionRequest.Builder request = RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(a.getSecrets().getPostbackToken()).setClientIp("127.0.0.1"));
    if (value != null) {
      request.setValue(value);
    }
    return conversions.recordConversion(request.build());
  }
}
