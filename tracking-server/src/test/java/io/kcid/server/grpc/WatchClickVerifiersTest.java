package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickSecret;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.proto.tracking.v1.WatchClickVerifiersRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WatchClickVerifiers over real gRPC against a real redis-server: a change stored through one
 * server reaches a watch open on another, the watch needs the issue role, and a server shutting
 * down ends its watches so edges move to another server.
 */
class WatchClickVerifiersTest {
  private static final String EDGE_SECRET = "edge-secret-0123456789abcdefXYZ";
  private static final String READER_SECRET = "reader-secret-0123456789abcdef";
  private static final String ROOT_SECRET = "root-secret-0123456789abcdefXYZ";

  private static LocalRedis redis;
  private static final List<TrackingServer> servers = new ArrayList<>();
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(TrackingServer::close);
    redis.close();
  }

  private static TrackingServer server(ServerConfig config) {
    TrackingServer server = TrackingServer.start(config);
    servers.add(server);
    return server;
  }

  private static ManagedChannel channel(TrackingServer server, String key) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext();
    if (key != null) {
      builder.intercept(ApiKeyAuthTest.bearer(key));
    }
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  /** A watch whose messages and end land in queues. */
  record Watch(BlockingQueue<WatchClickVerifiersResponse> messages, BlockingQueue<Throwable> end) {
    static Watch open(ManagedChannel channel) {
      Watch watch = new Watch(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
      ClickServiceGrpc.newStub(channel).watchClickVerifiers(
          WatchClickVerifiersRequest.getDefaultInstance(),
          new StreamObserver<>() {
            @Override
            public void onNext(WatchClickVerifiersResponse value) {
              watch.messages.add(value);
            }

            @Override
            public void onError(Throwable t) {
              watch.end.add(t);
            }

            @Override
            public void onCompleted() {
              watch.end.add(new IllegalStateException("completed"));
            }
          });
      return watch;
    }

    WatchClickVerifiersResponse next() throws InterruptedException {
      WatchClickVerifiersResponse message = messages.poll(20, TimeUnit.SECONDS);
      assertThat(message).as("a watch message").isNotNull();
      return message;
    }

    /** The next verifier of {@code accountId}, skipping other accounts' changes. */
    ClickVerifier nextOf(String accountId) throws InterruptedException {
      while (true) {
        for (ClickVerifier verifier : next().getVerifiersList()) {
          if (verifier.getAccountId().equals(accountId)) {
            return verifier;
          }
        }
      }
    }
  }

  /** The server is reachable but may not have read the change stream's position yet. */
  private static Watch openWhenReady(ManagedChannel channel) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      Watch watch = Watch.open(channel);
      WatchClickVerifiersResponse first = watch.messages.poll(2, TimeUnit.SECONDS);
      if (first != null) {
        assertThat(first.getVerifiersList()).as("the first message only says the watch is registered").isEmpty();
        assertThat(first.getPartitions()).isEqualTo(16);
        return watch;
      }
      Throwable ended = watch.end.poll(1, TimeUnit.SECONDS);
      assertThat(attempt).as("watch never opened: " + ended).isLessThan(20);
    }
  }

  @Test
  void aChangeStoredThroughOneServerReachesAWatchOnAnother() throws Exception {
    TrackingServer watched = server(TestServers.config(redis.url()));
    TrackingServer other = server(TestServers.config(redis.url()));
    Watch watch = openWhenReady(channel(watched, null));
    var admin = AdminServiceGrpc.newBlockingStub(channel(other, null)).withDeadlineAfter(30, TimeUnit.SECONDS);

    CreateAccountResponse created = admin.createAccount(CreateAccountRequest.newBuilder().setDisplayName("Watched").build());
    String id = created.getAccount().getAccountId();
    ClickVerifier afterCreate = watch.nextOf(id);
    assertThat(afterCreate.getSecretsList()).extracting(ClickSecret::getSecret)
        .containsExactly(created.getSecrets().getClickSecret());

    String rotated = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder()
            .setAccountId(id).setKind(SecretKind.SECRET_KIND_CLICK_SECRET).setGracePeriod(Duration.newBuilder().setSeconds(0)).build())
        .getSecrets().getClickSecret();
    ClickVerifier afterRotation = watch.nextOf(id);
    assertThat(afterRotation.getSecretsList()).extracting(ClickSecret::getSecret)
        .as("the revoked secret is gone at once").containsExactly(rotated);

    String kept = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder()
            .setAccountId(id).setKind(SecretKind.SECRET_KIND_CLICK_SECRET).setGracePeriod(Duration.newBuilder().setSeconds(3600)).build())
        .getSecrets().getClickSecret();
    ClickVerifier withGrace = watch.nextOf(id);
    assertThat(withGrace.getSecretsList()).extracting(ClickSecret::getSecret).containsExactly(kept, rotated);
    assertThat(withGrace.getSecrets(1).hasExpireTime()).isTrue();
    assertThat(watch.end).isEmpty();
  }

  @Test
  void aServerShuttingDownEndsItsWatchesSoEdgesWatchAnother() throws Exception {
    TrackingServer closing = TrackingServer.start(TestServers.config(redis.url()));
    Watch watch = openWhenReady(channel(closing, null));
    closing.close();
    Throwable end = watch.end.poll(20, TimeUnit.SECONDS);
    assertThat(end).as("the watch ended").isNotNull();
    assertThat(Status.fromThrowable(end).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(reasonOf(end)).isEqualTo(ErrorReason.ERROR_REASON_SHUTTING_DOWN);
  }

  @Test
  void theWatchNeedsTheEdgesIssueRoleNotARead() throws Exception {
    ServerConfig required = TestServers.builder(redis.url()).security(new io.kcid.server.config.ServerSecurity(
            AuthMode.REQUIRED,
            ConfiguredApiKeys.parse("root:admin:" + ROOT_SECRET + ",edge:issue+ingest:" + EDGE_SECRET + ",reader:read:" + READER_SECRET),
            java.time.Duration.ofMillis(200), null, null, null, 100, 100,
            io.kcid.server.common.IpPrivacy.truncate())).build();
    TrackingServer server = server(required);

    openWhenReady(channel(server, EDGE_SECRET));

    for (String key : new String[] {READER_SECRET, null}) {
      Watch refused = Watch.open(channel(server, key));
      Throwable end = refused.end.poll(20, TimeUnit.SECONDS);
      assertThat(end).isNotNull();
      assertThat(Status.fromThrowable(end).getCode())
          .isEqualTo(key == null ? Status.Code.UNAUTHENTICATED : Status.Code.PERMISSION_DENIED);
      assertThat(refused.messages).as("no secret reaches a caller without the issue role").isEmpty();
    }
  }
}
