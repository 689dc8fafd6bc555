package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IssueClick with a kcid pre-minted by an edge (a click redirected while no tracking-server
 * answered), and ListClickVerifiers, which lets the edge verify click URLs in that state.
 */
class PreMintedClickTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final KcidCodec EDGE_CODEC = new KcidCodec(KEYS, 16);

  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(TestServers.builder(redis.url()).macKeys(KEYS).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.newBuilder().setDisplayName("Edge").build());
  }

  /** The click request an edge forwards for a signed click URL, with its own kcid. */
  private static IssueClickRequest signed(CreateAccountResponse account, String secret, String campaign, String kcid) {
    String id = account.getAccount().getAccountId();
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", id);
    params.put("c", campaign);
    params.put("s1", "pub-7");
    params.put("u", "https://shop.example/landing?x=1");
    return IssueClickRequest.newBuilder()
        .setAccountId(id)
        .setCampaignId(campaign)
        .putSubIds("s1", "pub-7")
        .setDestinationUrl("https://shop.example/landing?x=1")
        .setClickSignature(ClickUrlSigner.sign(secret, ClickUrlSigner.canonicalQuery(params)))
        .setKcid(kcid)
        .build();
  }

  private static long storedClickKeys() {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      // Clicks are fields of the buckets kc:{p}:k:<hour>:<b> (headers are kc:{p}:k:<hour>).
      return c.sync().keys("kc:{*}:k:*:*").stream().mapToLong(bucket -> c.sync().hlen(bucket)).sum();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aPreMintedClickIsStoredOnceAtItsIssueTimeAndItsReplaySucceeds() {
    var account = account();
    Instant issued = Instant.now().minus(90, ChronoUnit.SECONDS).truncatedTo(ChronoUnit.SECONDS);
    String kcid = EDGE_CODEC.mint(issued, 3);
    IssueClickRequest request = signed(account, account.getSecrets().getClickSecret(), "spring", kcid);
    long before = storedClickKeys();

    IssueClickResponse first = clicks.issueClick(request);
    IssueClickResponse replay = clicks.issueClick(request);

    assertThat(first.getClick().getKcid()).isEqualTo(kcid);
    assertThat(first.getClick().getClickTime().getSeconds()).isEqualTo(issued.getEpochSecond());
    assertThat(first.getRedirectUrl()).isEqualTo("https://shop.example/landing?x=1&kcid=" + kcid);
    assertThat(replay.getClick().getKcid()).isEqualTo(kcid);
    assertThat(replay.getRedirectUrl()).isEqualTo(first.getRedirectUrl());
    assertThat(storedClickKeys()).isEqualTo(before + 1);
    assertThat(clicks.getClick(GetClickRequest.newBuilder().setKcid(kcid).build()).getClick().getCampaignId())
        .isEqualTo("spring");
  }

  @Test
  void anotherClickUnderAStoredKcidIsRefusedAndChangesNothing() {
    var account = account();
    String kcid = EDGE_CODEC.mint(Instant.now(), 5);
    clicks.issueClick(signed(account, account.getSecrets().getClickSecret(), "spring", kcid));

    assertThatThrownBy(() -> clicks.issueClick(signed(account, account.getSecrets().getClickSecret(), "autumn", kcid)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_KCID_ALREADY_USED));
    assertThat(clicks.getClick(GetClickRequest.newBuilder().setKcid(kcid).build()).getClick().getCampaignId())
        .isEqualTo("spring");
  }

  @Test
  void aPreMintedKcidNeedsAValidMacASignatureAndAPlausibleTime() {
    var account = account();
    String secret = account.getSecrets().getClickSecret();
    String kcid = EDGE_CODEC.mint(Instant.now(), 1);
    char swapped = kcid.charAt(20) == 'a' ? 'b' : 'a';
    String forged = kcid.substring(0, 20) + swapped + kcid.substring(21);
    String foreign = new KcidCodec(KcidKeyRing.generate(7), 16).mint(Instant.now(), 1);

    assertThatThrownBy(() -> clicks.issueClick(signed(account, secret, "c", forged)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH));
    assertThatThrownBy(() -> clicks.issueClick(signed(account, secret, "c", foreign)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_KCID_UNKNOWN_KEY_ID));
    assertThatThrownBy(() -> clicks.issueClick(signed(account, secret, "c", kcid).toBuilder().clearClickSignature().build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_SIGNATURE_MISSING));
    assertThatThrownBy(() -> clicks.issueClick(signed(account, "not-the-secret", "c", kcid)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID));
    String future = EDGE_CODEC.mint(Instant.now().plus(1, ChronoUnit.HOURS), 1);
    assertThatThrownBy(() -> clicks.issueClick(signed(account, secret, "c", future)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    // Older than the default retention (30 days + 1): there is nothing left to store.
    String stale = EDGE_CODEC.mint(Instant.now().minus(40, ChronoUnit.DAYS), 1);
    assertThatThrownBy(() -> clicks.issueClick(signed(account, secret, "c", stale)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_EXPIRED));
  }

  @Test
  void aClickSignedBeforeARotationStillVerifiesAtItsIssueTime() throws InterruptedException {
    var account = account();
    String oldSecret = account.getSecrets().getClickSecret();
    String kcid = EDGE_CODEC.mint(Instant.now().minus(10, ChronoUnit.SECONDS), 2);
    admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder()
        .setAccountId(account.getAccount().getAccountId())
        .setKind(SecretKind.SECRET_KIND_CLICK_SECRET)
        .setGracePeriod(Duration.newBuilder().setSeconds(1))
        .build());
    Thread.sleep(1500); // past the grace period: the old secret no longer verifies a click made now

    assertThat(clicks.issueClick(signed(account, oldSecret, "c", kcid)).getClick().getKcid()).isEqualTo(kcid);
    // A click minted after the grace period with the old secret is refused (+1 s: kcid times are
    // whole seconds, and this one must lie after the expiry).
    String fresh = EDGE_CODEC.mint(Instant.now().plusSeconds(1), 2);
    assertThatThrownBy(() -> clicks.issueClick(signed(account, oldSecret, "c", fresh)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID));
  }

  @Test
  void listClickVerifiersPagesEveryAccountsValidClickSecrets() {
    var rotated = account();
    String id = rotated.getAccount().getAccountId();
    String oldSecret = rotated.getSecrets().getClickSecret();
    String newSecret = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder()
        .setAccountId(id).setKind(SecretKind.SECRET_KIND_CLICK_SECRET)
        .setGracePeriod(Duration.newBuilder().setSeconds(3600)).build()).getSecrets().getClickSecret();
    var plain = account();

    List<ClickVerifier> all = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListClickVerifiersResponse page =
          clicks.listClickVerifiers(ListClickVerifiersRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      assertThat(page.getPartitions()).isEqualTo(16);
      all.addAll(page.getVerifiersList());
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 1000);

    ClickVerifier r = all.stream().filter(v -> v.getAccountId().equals(id)).findFirst().orElseThrow();
    assertThat(r.getSecretsList()).extracting(s -> s.getSecret()).containsExactly(newSecret, oldSecret);
    assertThat(r.getSecrets(0).hasExpireTime()).isFalse();
    assertThat(r.getSecrets(1).getExpireTime().getSeconds()).isGreaterThan(Instant.now().getEpochSecond());
    ClickVerifier p = all.stream().filter(v -> v.getAccountId().equals(plain.getAccount().getAccountId())).findFirst().orElseThrow();
    assertThat(p.getSecretsList()).extracting(s -> s.getSecret()).containsExactly(plain.getSecrets().getClickSecret());
    assertThat(all).extracting(ClickVerifier::getAccountId).doesNotHaveDuplicates();
  }
}
