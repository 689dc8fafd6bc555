package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetCallerRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KCID_AUTH=open (what ./kcid up runs): a call without a key may do anything, but a known key is
 * held to its roles and scope, so a partner's key behaves on a laptop as it would in production.
 */
class OpenModeKeysTest {
  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(TestServers.builder(redis.url())
        .security(new ServerSecurity(AuthMode.OPEN, ConfiguredApiKeys.parse(""), Duration.ofMillis(200), null, null, null,
            100, 100, io.kcid.server.common.IpPrivacy.truncate()))
        .build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static AdminServiceGrpc.AdminServiceBlockingStub admin(String key) {
    AdminServiceGrpc.AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    if (key == null) {
      return stub;
    }
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(key)));
  }

  @Test
  void keylessCallsMayDoAnythingButAKnownKeyKeepsItsRolesAndScope() {
    PartnerServiceGrpc.newBlockingStub(channel)
        .createPartner(CreatePartnerRequest.newBuilder().setPartnerId("open-agency").setDisplayName("Open Agency").build());
    Account mine = admin(null).createAccount(CreateAccountRequest.newBuilder().setPartnerId("open-agency").build()).getAccount();
    Account theirs = admin(null).createAccount(CreateAccountRequest.getDefaultInstance()).getAccount();
    String partnerKey = admin(null).createApiKey(CreateApiKeyRequest.newBuilder().setName("open-agency-admin")
        .addRoles(ApiKeyRole.API_KEY_ROLE_ADMIN).setPartnerId("open-agency").build()).getSecret();

    assertThat(admin(null).getAccount(GetAccountRequest.newBuilder().setAccountId(theirs.getAccountId()).build())
        .getAccount().getAccountId()).isEqualTo(theirs.getAccountId());
    assertThat(admin(null).getCaller(GetCallerRequest.getDefaultInstance()).getApiKey().getName()).isEqualTo("(open)");
    assertThat(admin(partnerKey).getCaller(GetCallerRequest.getDefaultInstance()).getApiKey().getPartnerId())
        .isEqualTo("open-agency");
    assertThat(admin(partnerKey).listAccounts(ListAccountsRequest.getDefaultInstance()).getAccountsList())
        .extracting(Account::getAccountId).containsExactly(mine.getAccountId());
    assertThatThrownBy(() -> admin(partnerKey).getAccount(GetAccountRequest.newBuilder().setAccountId(theirs.getAccountId()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED));
    // Its roles hold too: an admin key without read cannot read partners.
    assertThatThrownBy(() -> PartnerServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(partnerKey)))
            .listPartners(io.kcid.proto.tracking.v1.ListPartnersRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING));
    // An unknown key is no key at all in open mode.
    assertThat(admin("kak_unknown-key-0123456789abcdef").getAccount(GetAccountRequest.newBuilder()
        .setAccountId(theirs.getAccountId()).build()).getAccount().getAccountId()).isEqualTo(theirs.getAccountId());
  }

  private static Metadata bearer(String key) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return headers;
  }
}
