package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListApiKeysRequest;
import io.kcid.proto.tracking.v1.ListApiKeysResponse;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RevokeApiKeyRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** API keys and roles over real gRPC against a real redis-server, with KCID_AUTH=required. */
class ApiKeyAuthTest {
  private static final String ROOT_SECRET = "root-secret-0123456789abcdefXYZ";
  private static final String READER_SECRET = "reader-secret-0123456789abcdef";

  private static LocalRedis redis;
  private static TrackingServer server;
  private static TrackingServer second;
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(required(redis.url()));
    second = TrackingServer.start(required(redis.url()));
  }

  static ServerConfig required(String redisUrl) {
    ServerConfig.Builder base = TestServers.builder(redisUrl);
    return base.security(new io.kcid.server.config.ServerSecurity(
            AuthMode.REQUIRED,
            ConfiguredApiKeys.parse("root:admin:" + ROOT_SECRET + ",reader:read:" + READER_SECRET),
            Duration.ofMillis(200), null, null, null, 100, 100,
            io.kcid.server.common.IpPrivacy.truncate())).build();
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
    second.close();
    redis.close();
  }

  private static ManagedChannel channel(TrackingServer target, String key) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress("127.0.0.1", target.port()).usePlaintext();
    if (key != null) {
      builder.intercept(bearer(key));
    }
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  static ClientInterceptor bearer(String key) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  private static AdminServiceGrpc.AdminServiceBlockingStub admin(String key) {
    return AdminServiceGrpc.newBlockingStub(channel(server, key)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ClickServiceGrpc.ClickServiceBlockingStub clicks(TrackingServer target, String key) {
    return ClickServiceGrpc.newBlockingStub(channel(target, key)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void assertRefused(Runnable call, Status.Code code, ErrorReason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(TestServers.reasonOf(e)).isEqualTo(reason);
        });
  }

  @Test
  void aMissingKeyIsUnauthenticated() {
    assertRefused(() -> admin(null).listAccounts(ListAccountsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_API_KEY_INVALID);
    assertRefused(() -> clicks(server, null).inspectKcid(InspectKcidRequest.newBuilder().setKcid("x").build()),
        Status.Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_API_KEY_INVALID);
  }

  @Test
  void anUnknownKeyIsUnauthenticated() {
    assertRefused(() -> admin("kak_not-a-key-that-exists-anywhere").listAccounts(ListAccountsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_API_KEY_INVALID);
    // Another scheme than Bearer is no key at all.
    Metadata basic = new Metadata();
    basic.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Basic " + ROOT_SECRET);
    assertRefused(() -> AdminServiceGrpc.newBlockingStub(channel(server, null))
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(basic))
            .listAccounts(ListAccountsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_API_KEY_INVALID);
  }

  @Test
  void aKeyWithoutTheRoleIsPermissionDenied() {
    assertRefused(() -> admin(READER_SECRET).listAccounts(ListAccountsRequest.getDefaultInstance()),
        Status.Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING);
    assertRefused(() -> clicks(server, READER_SECRET).issueClick(IssueClickRequest.newBuilder().setAccountId("a").build()),
        Status.Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING);
    // The read role reads.
    assertThat(clicks(server, READER_SECRET).inspectKcid(InspectKcidRequest.newBuilder().setKcid("short").build()).getValid())
        .isFalse();
  }

  @Test
  void partnersAreReadWithReadAndChangedOnlyWithAdmin() {
    var reader = PartnerServiceGrpc.newBlockingStub(channel(server, READER_SECRET)).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThat(reader.listPartners(ListPartnersRequest.getDefaultInstance()).getPartnersList())
        .extracting(p -> p.getPartnerId()).contains("default");
    assertRefused(() -> reader.updatePartner(UpdatePartnerRequest.newBuilder().setPartnerId("default").setS2SActive(false).build()),
        Status.Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING);
    assertRefused(() -> reader.createPartner(CreatePartnerRequest.newBuilder().setDisplayName("Agency").build()),
        Status.Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING);
    assertThat(PartnerServiceGrpc.newBlockingStub(channel(server, ROOT_SECRET)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .createPartner(CreatePartnerRequest.newBuilder().setDisplayName("Agency by root").build()).getPartner()
        .getPartnerId()).isEqualTo("agency-by-root");
  }

  @Test
  void healthAndReflectionNeedNoKey() {
    assertThat(HealthGrpc.newBlockingStub(channel(server, null)).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus().name())
        .isEqualTo("SERVING");
  }

  @Test
  void createdKeysWorkEverywhereByRoleUntilRevoked() throws Exception {
    CreateApiKeyResponse created = admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder()
        .setName("adserver").addRoles(ApiKeyRole.API_KEY_ROLE_ISSUE).build());
    String secret = created.getSecret();
    assertThat(secret).startsWith("kak_").hasSizeGreaterThan(40);
    assertThat(created.getApiKey().getHint()).isEqualTo("…" + secret.substring(secret.length() - 4));
    assertThat(created.getApiKey().getRolesList()).containsExactly(ApiKeyRole.API_KEY_ROLE_ISSUE);

    String account = admin(ROOT_SECRET).createAccount(CreateAccountRequest.newBuilder().setDisplayName("Acme").build())
        .getAccount().getAccountId();
    IssueClickRequest issue = IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("c").build();
    assertThat(clicks(server, secret).issueClick(issue).getClick().getKcid()).hasSize(32);
    // The other server picks the new key up within its reload interval.
    Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
        () -> assertThat(clicks(second, secret).issueClick(issue).getClick().getKcid()).hasSize(32));
    // issue is not ingest.
    assertRefused(() -> ConversionServiceGrpc.newBlockingStub(channel(server, secret)).withDeadlineAfter(5, TimeUnit.SECONDS)
            .recordConversion(RecordConversionRequest.newBuilder().setKcid("x").build()),
        Status.Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING);

    ListApiKeysResponse listed = admin(ROOT_SECRET).listApiKeys(ListApiKeysRequest.getDefaultInstance());
    assertThat(listed.getApiKeysList()).extracting(k -> k.getName()).contains("adserver");
    assertThat(listed.toString()).doesNotContain(secret);
    assertStoredOnlyAsDigest(secret);

    assertRefused(() -> admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder()
            .setName("adserver").addRoles(ApiKeyRole.API_KEY_ROLE_READ).build()),
        Status.Code.ALREADY_EXISTS, ErrorReason.ERROR_REASON_API_KEY_ALREADY_EXISTS);
    assertRefused(() -> admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder().setName("noroles").build()),
        Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_MISSING_PARAMETER);

    admin(ROOT_SECRET).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName("adserver").build());
    assertRefused(() -> clicks(server, secret).issueClick(issue),
        Status.Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_API_KEY_INVALID);
    Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
        () -> assertRefused(() -> clicks(second, secret).issueClick(issue),
            Status.Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_API_KEY_INVALID));
    assertRefused(() -> admin(ROOT_SECRET).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName("adserver").build()),
        Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_API_KEY_NOT_FOUND);
  }

  @Test
  void aConfiguredKeyNameCannotBeTakenByAStoredOne() {
    assertRefused(() -> admin(ROOT_SECRET).createApiKey(CreateApiKeyRequest.newBuilder()
            .setName("root").addRoles(ApiKeyRole.API_KEY_ROLE_ADMIN).build()),
        Status.Code.ALREADY_EXISTS, ErrorReason.ERROR_REASON_API_KEY_ALREADY_EXISTS);
  }

  @Test
  void openModeAuthenticatesNobody() {
    TrackingServer open = TrackingServer.start(TestServers.config(redis.url()));
    try {
      for (String key : new String[] {null, "kak_unknown-key-0123456789abcdef", READER_SECRET}) {
        assertThat(AdminServiceGrpc.newBlockingStub(channel(open, key)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listAccounts(ListAccountsRequest.getDefaultInstance()))
            .as("key %s", key)
            .isNotNull();
      }
    } finally {
      open.close();
    }
  }

  private static void assertStoredOnlyAsDigest(String secret) {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
      Map<byte[], byte[]> all = connection.sync().hgetall("kc:{keys}".getBytes(StandardCharsets.UTF_8));
      List<String> values = all.values().stream().map(v -> new String(v, StandardCharsets.ISO_8859_1)).toList();
      assertThat(values).isNotEmpty().noneMatch(v -> v.contains(secret));
      assertThat(values).anyMatch(v -> v.startsWith(io.kcid.server.common.Secrets.sha256Hex(secret)));
    } finally {
      client.shutdown();
    }
  }
}
