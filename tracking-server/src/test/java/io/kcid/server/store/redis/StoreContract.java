package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.common.Secrets;
import io.kcid.server.conversion.StatusTransitions;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.DetailDimension;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.DestinationSecrets;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult.Code;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsQuery;
import io.kcid.server.store.StatusUpdate;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.StoredSecrets;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The store contract, a suite every supported Redis topology must pass (after SpiceDB's datastore
 * conformance suite): a subclass names the topology, which starts once for the whole class. On a
 * Cluster keys spread over nodes and scripts route by slot, so a CROSSSLOT or a key outside its
 * partition's slot fails here; on Sentinel every command goes through the primary the sentinel names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoreContract {
  private static final int PARTITIONS = 16;
  private static final KcidCodec codec = new KcidCodec(KcidKeyRing.generate(1), PARTITIONS);

  private TestRedis redisServer;
  private RedisConnector connector;
  private RedisClickStore clicks;
  private RedisConversionStore conversions;
  private RedisAccountStore accounts;
  private RedisStatsStore stats;
  private RedisPostbackLog postbackLog;

  /** The deployment this suite runs against. */
  abstract Topology topology();

  @BeforeAll
  void start() {
    redisServer = topology().start();
    connector = RedisConnector.connect(redisServer.url(), Duration.ofSeconds(2), 1000);
    clicks = new RedisClickStore(connector.commands());
    conversions = new RedisConversionStore(connector.commands(), 10_000);
    accounts = new RedisAccountStore(connector.commands());
    stats = new RedisStatsStore(connector.commands(), PARTITIONS);
    postbackLog = new RedisPostbackLog(connector.commands(), Duration.ofHours(1), 1000);
  }

  @AfterAll
  void stop() {
    connector.close();
    redisServer.close();
  }

  private DecodedKcid newClick(String account) {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    Click click = Click.newBuilder().setCampaignId("camp-1").setDestinationUrl("https://a.example/").build();
    assertThat(join(clicks.insert(kcid, account, click, Duration.ofHours(1)))).isTrue();
    return kcid;
  }

  private static RecordCommand command(
      DecodedKcid kcid, String account, CountingMode mode, String txid, String requestId, String fp) {
    return command(kcid, account, mode, txid, requestId, fp, ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, List.of());
  }

  private static RecordCommand command(
      DecodedKcid kcid, String account, CountingMode mode, String txid, String requestId, String fp,
      ConversionStatus requested, List<String> campaigns) {
    return new RecordCommand(
        kcid, account, "purchase", mode, txid, requestId, fp,
        Conversion.newBuilder()
            .setAccountId(account)
            .setGoalKey("purchase")
            .setRecordTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
            .build()
            .toByteArray(),
        Money.newBuilder().setAmount("10.00").setCurrencyCode("USD").build(),
        requested,
        requested == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED ? ConversionStatus.CONVERSION_STATUS_APPROVED : requested,
        StatusTransitions.sourcesOf(requested),
        campaigns,
        false,
        Instant.now(),
        Duration.ofHours(1), Duration.ofHours(2),
        Instant.now(), 0);
  }

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  @Test
  void healthCheckAnswers() {
    // Standalone and Sentinel: PING; Cluster: every primary reports cluster_state:ok.
    assertThat(join(connector.ping())).isEqualTo("PONG");
  }

  @Test
  void insertNeverOverwritesAnExistingClick() {
    DecodedKcid kcid = newClick("acme");
    Click other = Click.newBuilder().setCampaignId("intruder").build();
    assertThat(join(clicks.insert(kcid, "evil", other, Duration.ofHours(1)))).isFalse();
    var stored = join(clicks.find(kcid)).orElseThrow();
    assertThat(stored.accountId()).isEqualTo("acme");
    assertThat(stored.click().getCampaignId()).isEqualTo("camp-1");
    assertThat(stored.click().getKcid()).isEqualTo(kcid.kcid());
  }

  @Test
  void clickExpiresOnTime() {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    join(clicks.insert(kcid, "acme", Click.getDefaultInstance(), Duration.ofMillis(200)));
    Click stored = join(clicks.find(kcid)).orElseThrow().click();
    // Kept to the second: the expiry is the first whole second at least 200 ms away.
    long expires = stored.getExpireTime().getSeconds();
    assertThat(expires).isBetween(Instant.now().getEpochSecond(), Instant.now().getEpochSecond() + 2);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(
        () -> join(clicks.find(kcid)).isEmpty());
    assertThat(Instant.now().getEpochSecond()).isGreaterThanOrEqualTo(expires);
    // Gone for conversions too, though its bucket outlives it (to the end of the hour).
    assertThat(join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f"))).code())
        .isEqualTo(Code.CLICK_NOT_FOUND);
  }

  @Test
  void concurrentReadsOfOnePartitionAreAnsweredEachWithItsOwnClickAndConversion() {
    // Reads of a partition arriving while one is in flight go out together in one script call:
    // each must still get its own answer, in its place, missing ones included.
    String account = "batch-" + System.nanoTime();
    int partition = 3;
    List<DecodedKcid> stored = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      DecodedKcid kcid = codec.mintDecoded(Instant.now().minus(Duration.ofHours(i % 3)), partition);
      Click click = Click.newBuilder().setCampaignId("camp-" + i).build();
      assertThat(join(clicks.insert(kcid, account, click, Duration.ofHours(4)))).isTrue();
      stored.add(kcid);
    }
    for (int i = 0; i < stored.size(); i += 2) {
      assertThat(join(conversions.record(command(stored.get(i), account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK,
          "", "", "f" + i))).code()).isEqualTo(Code.ACCEPTED);
    }
    assertThat(join(conversions.updateStatus(new StatusUpdate(stored.get(0), 1, ConversionStatus.CONVERSION_STATUS_REJECTED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_REJECTED), "fraud",
        Money.newBuilder().setAmount("0").setCurrencyCode("USD").build(), Instant.now(), "", "x", Duration.ofHours(1),
        account, "purchase")))).isEqualTo(StatusUpdate.Result.UPDATED);
    DecodedKcid never = codec.mintDecoded(Instant.now(), partition);

    List<java.util.concurrent.CompletableFuture<Optional<StoredClick>>> clickReads = new java.util.ArrayList<>();
    List<java.util.concurrent.CompletableFuture<Optional<Conversion>>> conversionReads = new java.util.ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (DecodedKcid kcid : stored) {
        clickReads.add(clicks.find(kcid).toCompletableFuture());
        conversionReads.add(conversions.find(kcid, 1).toCompletableFuture());
      }
      clickReads.add(clicks.find(never).toCompletableFuture());
      conversionReads.add(conversions.find(never, 1).toCompletableFuture());
    }
    for (int round = 0; round < 3; round++) {
      int base = round * (stored.size() + 1);
      for (int i = 0; i < stored.size(); i++) {
        DecodedKcid kcid = stored.get(i);
        assertThat(clickReads.get(base + i).join()).hasValueSatisfying(c -> {
          assertThat(c.click().getKcid()).isEqualTo(kcid.kcid());
          assertThat(c.click().getCampaignId()).isEqualTo("camp-" + stored.indexOf(kcid));
        });
        Optional<Conversion> conversion = conversionReads.get(base + i).join();
        if (i % 2 == 1) {
          assertThat(conversion).isEmpty();
        } else {
          assertThat(conversion).hasValueSatisfying(c -> {
            assertThat(c.getConversionId()).isEqualTo(kcid.kcid() + "-1");
            assertThat(c.getHistoryList()).hasSize(stored.indexOf(kcid) == 0 ? 1 : 0);
          });
        }
      }
      assertThat(clickReads.get(base + stored.size()).join()).isEmpty();
      assertThat(conversionReads.get(base + stored.size()).join()).isEmpty();
    }
    assertThat(join(conversions.find(stored.get(0), 1)).orElseThrow().getStatus())
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
  }

  @Test
  void oncePerClickRecordsTheFirstAndReportsLaterOnesAsDuplicatesOfIt() {
    DecodedKcid kcid = newClick("acme");
    RecordResult first = join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f1")));
    RecordResult second = join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f2")));
    assertThat(first.code()).isEqualTo(Code.ACCEPTED);
    assertThat(first.conversionId()).isEqualTo(kcid.kcid() + "-1");
    assertThat(second.code()).isEqualTo(Code.DUPLICATE_GOAL);
    assertThat(second.conversionId()).isEqualTo(first.conversionId());
    assertThat(join(conversions.listForClick(kcid, 0, 10))).hasSize(1);
  }

  @Test
  void everyPostbackCountsEachOne() {
    DecodedKcid kcid = newClick("acme");
    for (int i = 1; i <= 3; i++) {
      RecordResult r = join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_EVERY_POSTBACK, "", "", "f")));
      assertThat(r.code()).isEqualTo(Code.ACCEPTED);
      assertThat(r.conversionId()).isEqualTo(kcid.kcid() + "-" + i);
    }
    List<Conversion> listed = join(conversions.listForClick(kcid, 0, 10));
    assertThat(listed).extracting(Conversion::getConversionId)
        .containsExactly(kcid.kcid() + "-1", kcid.kcid() + "-2", kcid.kcid() + "-3");
    assertThat(join(conversions.listForClick(kcid, 1, 1))).extracting(Conversion::getConversionId)
        .containsExactly(kcid.kcid() + "-2");
  }

  @Test
  void uniqueTransactionPerClickDedupesByTransactionId() {
    DecodedKcid kcid = newClick("acme");
    var mode = CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK;
    assertThat(join(conversions.record(command(kcid, "acme", mode, "order-1", "", "a"))).code()).isEqualTo(Code.ACCEPTED);
    assertThat(join(conversions.record(command(kcid, "acme", mode, "order-2", "", "b"))).code()).isEqualTo(Code.ACCEPTED);
    assertThat(join(conversions.record(command(kcid, "acme", mode, "order-1", "", "c"))).code()).isEqualTo(Code.DUPLICATE_TRANSACTION);
  }

  @Test
  void requestIdReplaysTheFirstAnswerAndRefusesReuseForAnotherPayload() {
    DecodedKcid kcid = newClick("acme");
    var mode = CountingMode.COUNTING_MODE_EVERY_POSTBACK;
    RecordResult first = join(conversions.record(command(kcid, "acme", mode, "", "req-1", "fp-a")));
    RecordResult retry = join(conversions.record(command(kcid, "acme", mode, "", "req-1", "fp-a")));
    RecordResult reused = join(conversions.record(command(kcid, "acme", mode, "", "req-1", "fp-b")));
    // The same answer, flagged as a repeat (nothing was written the second time).
    assertThat(retry).isEqualTo(new RecordResult(first.code(), first.conversionId(), true));
    assertThat(first.repeated()).isFalse();
    assertThat(reused.code()).isEqualTo(Code.REQUEST_ID_REUSED);
    assertThat(join(conversions.listForClick(kcid, 0, 10))).hasSize(1);
  }

  @Test
  void unknownClickAndForeignAccountWriteNothing() {
    DecodedKcid ghost = codec.decode(codec.mintRandomPartition(Instant.now()));
    assertThat(join(conversions.record(command(ghost, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "r", "f"))).code())
        .isEqualTo(Code.CLICK_NOT_FOUND);
    DecodedKcid kcid = newClick("acme");
    assertThat(join(conversions.record(command(kcid, "other", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f"))).code())
        .isEqualTo(Code.ACCOUNT_MISMATCH);
    assertThat(join(conversions.listForClick(kcid, 0, 10))).isEmpty();
    // The right account can still convert: the mismatch claimed nothing.
    assertThat(join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f"))).code())
        .isEqualTo(Code.ACCEPTED);
  }

  @Test
  void concurrentIdenticalPostbacksRecordExactlyOnce() {
    DecodedKcid kcid = newClick("acme");
    List<CompletableFuture<RecordResult>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")).toCompletableFuture());
    }
    long accepted = all.stream().map(CompletableFuture::join).filter(r -> r.code() == Code.ACCEPTED).count();
    assertThat(accepted).isEqualTo(1);
    assertThat(join(conversions.listForClick(kcid, 0, 1000))).hasSize(1);
  }

  @Test
  void recordingSurvivesAScriptCacheFlush() {
    // What a restart or a failover does to a node's script cache.
    redisServer.flushScripts();
    DecodedKcid kcid = newClick("acme");
    assertThat(join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f"))).code())
        .isEqualTo(Code.ACCEPTED);
    // The fallback sent the full script, which re-cached it for the next EVALSHA on that node.
    String sha = LuaScript.load(Scripts.RECORD_CONVERSION).sha();
    assertThat(redisServer.scriptCached(new String(RedisKeys.clickGroup(kcid), StandardCharsets.UTF_8), sha))
        .isTrue();
  }

  @Test
  void conversionIsWrittenToThePartitionStream() {
    DecodedKcid kcid = newClick("acme");
    RecordResult r = join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")));
    var entries = redisServer.commands().xrange("kc:{" + kcid.partition() + "}:s", io.lettuce.core.Range.create("-", "+"));
    assertThat(entries).anySatisfy(e -> assertThat(e.getBody()).containsEntry("id", r.conversionId()));
  }

  @Test
  void accountsAreCreatedOnceAndFoundByTokenDigest() {
    String id = "acct-" + System.nanoTime();
    Account account = Account.newBuilder().setAccountId(id).setDisplayName("Acme").build();
    AccountSecrets secrets = AccountSecrets.newBuilder().setPostbackToken("pbt_secret_" + id).setClickSecret("cks_x").build();
    Goal goal = Goal.newBuilder().setAccountId(id).setGoalKey("default").build();
    assertThat(join(accounts.create(account, secrets, goal))).isTrue();
    AccountSecrets other = AccountSecrets.newBuilder().setPostbackToken("pbt_other_" + id).setClickSecret("cks_y").build();
    assertThat(join(accounts.create(account, other, goal))).isFalse();
    assertThat(join(accounts.accountIdForToken("pbt_other_" + id))).isEmpty();
    assertThat(join(accounts.accountIdForToken("pbt_secret_" + id))).contains(id);
    var loaded = join(accounts.load(id)).orElseThrow();
    assertThat(loaded.secrets().clickSecret()).isEqualTo("cks_x");
    // Only the digest of the token is stored.
    assertThat(loaded.secrets().tokenDigest()).isEqualTo(Secrets.sha256Hex("pbt_secret_" + id));
    assertThat(loaded.goal("default")).isPresent();
    assertThat(join(accounts.createGoal(goal))).isFalse();
    assertThat(join(accounts.list("", 1000))).extracting(Account::getAccountId).contains(id);
  }

  @Test
  void goalsRestrictedToCampaignsRefuseOtherCampaignsAndWriteNothing() {
    DecodedKcid kcid = newClick("acme"); // campaign camp-1
    var once = CountingMode.COUNTING_MODE_ONCE_PER_CLICK;
    var none = ConversionStatus.CONVERSION_STATUS_UNSPECIFIED;
    assertThat(join(conversions.record(command(kcid, "acme", once, "", "", "f", none, List.of("camp-9", "camp-2")))).code())
        .isEqualTo(Code.CAMPAIGN_MISMATCH);
    assertThat(join(conversions.listForClick(kcid, 0, 10))).isEmpty();
    assertThat(join(conversions.record(command(kcid, "acme", once, "", "", "f", none, List.of("camp-9", "camp-1")))).code())
        .isEqualTo(Code.ACCEPTED);
  }

  @Test
  void aPostbackStatusForAKnownTransactionMovesItsConversion() {
    DecodedKcid kcid = newClick("acme");
    var mode = CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK;
    RecordResult pending = join(conversions.record(command(kcid, "acme", mode, "o-1", "", "a",
        ConversionStatus.CONVERSION_STATUS_PENDING, List.of())));
    assertThat(pending.code()).isEqualTo(Code.ACCEPTED);
    RecordResult approved = join(conversions.record(command(kcid, "acme", mode, "o-1", "", "b",
        ConversionStatus.CONVERSION_STATUS_APPROVED, List.of())));
    assertThat(approved).isEqualTo(new RecordResult(Code.STATUS_CHANGED, pending.conversionId()));
    // Same status again: an ordinary duplicate.
    assertThat(join(conversions.record(command(kcid, "acme", mode, "o-1", "", "c",
        ConversionStatus.CONVERSION_STATUS_APPROVED, List.of()))).code()).isEqualTo(Code.DUPLICATE_TRANSACTION);
    // Nothing returns to pending.
    assertThat(join(conversions.record(command(kcid, "acme", mode, "o-1", "", "d",
        ConversionStatus.CONVERSION_STATUS_PENDING, List.of()))).code()).isEqualTo(Code.INVALID_TRANSITION);
    Conversion stored = join(conversions.find(kcid, 1)).orElseThrow();
    assertThat(stored.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(stored.getHistoryList()).singleElement().satisfies(h -> {
      assertThat(h.getFromStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
      assertThat(h.getToStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
      assertThat(h.getSource()).isEqualTo("postback");
    });
    assertThat(join(conversions.findByTransaction(kcid, "o-1"))).contains(1L);
    assertThat(join(conversions.findByTransaction(kcid, "o-2"))).isEmpty();
  }

  private static StatusUpdate update(DecodedKcid kcid, long seq, ConversionStatus to, String amount, String requestId, String fp) {
    return new StatusUpdate(kcid, seq, to, StatusTransitions.sourcesOf(to), "chargeback",
        amount.isEmpty() ? Money.getDefaultInstance() : Money.newBuilder().setAmount(amount).setCurrencyCode("USD").build(),
        Instant.now(), requestId, fp, Duration.ofHours(1), "acme", "purchase");
  }

  @Test
  void statusUpdatesFollowTheLifecycleAndAreAudited() {
    DecodedKcid kcid = newClick("acme");
    join(conversions.record(command(kcid, "acme", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")));
    assertThat(join(conversions.updateStatus(update(kcid, 1, ConversionStatus.CONVERSION_STATUS_REJECTED, "0", "r1", "x"))))
        .isEqualTo(StatusUpdate.Result.UPDATED);
    // The same request id again: the first answer, no second history entry.
    assertThat(join(conversions.updateStatus(update(kcid, 1, ConversionStatus.CONVERSION_STATUS_REJECTED, "0", "r1", "x"))))
        .isEqualTo(StatusUpdate.Result.UPDATED);
    assertThat(join(conversions.updateStatus(update(kcid, 1, ConversionStatus.CONVERSION_STATUS_APPROVED, "", "r1", "y"))))
        .isEqualTo(StatusUpdate.Result.REQUEST_ID_REUSED);
    assertThat(join(conversions.updateStatus(update(kcid, 1, ConversionStatus.CONVERSION_STATUS_REJECTED, "", "", "z"))))
        .isEqualTo(StatusUpdate.Result.INVALID_TRANSITION);
    assertThat(join(conversions.updateStatus(update(kcid, 1, ConversionStatus.CONVERSION_STATUS_PENDING, "", "", "z"))))
        .isEqualTo(StatusUpdate.Result.INVALID_TRANSITION);
    assertThat(join(conversions.updateStatus(update(kcid, 7, ConversionStatus.CONVERSION_STATUS_REJECTED, "", "", "z"))))
        .isEqualTo(StatusUpdate.Result.NOT_FOUND);
    Conversion c = join(conversions.find(kcid, 1)).orElseThrow();
    assertThat(c.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(c.getValue().getAmount()).isEqualTo("0");
    assertThat(c.getHistoryList()).singleElement().satisfies(h -> {
      assertThat(h.getValueBefore().getAmount()).isEqualTo("10.00");
      assertThat(h.getValueAfter().getAmount()).isEqualTo("0");
      assertThat(h.getReason()).isEqualTo("chargeback");
      assertThat(h.getSource()).isEqualTo("api");
    });
  }

  @Test
  void transactionClaimsAdmitOneKcidAndAreReleasedOnlyByIt() {
    var claims = new RedisTransactionClaims(connector.commands());
    String account = "acct-" + System.nanoTime();
    var first = join(claims.claim(account, "buy", "t1", "kcid-a", Duration.ofMinutes(1)));
    assertThat(first.kcid()).isEqualTo("kcid-a");
    assertThat(join(claims.claim(account, "buy", "t1", "kcid-b", Duration.ofMinutes(1))).kcid()).isEqualTo("kcid-a");
    // A retry of the holder passes again.
    assertThat(join(claims.claim(account, "buy", "t1", "kcid-a", Duration.ofMinutes(1))).kcid()).isEqualTo("kcid-a");
    join(claims.release(account, "buy", "t1", "kcid-b"));
    assertThat(join(claims.claim(account, "buy", "t1", "kcid-b", Duration.ofMinutes(1))).kcid()).isEqualTo("kcid-a");
    join(claims.settle(account, "buy", "t1", "kcid-a", "kcid-a-1"));
    join(claims.release(account, "buy", "t1", "kcid-a")); // settled claims stay
    assertThat(join(claims.claim(account, "buy", "t1", "kcid-b", Duration.ofMinutes(1))))
        .isEqualTo(new io.kcid.server.store.TransactionClaims.Holder("kcid-a", "kcid-a-1"));
    join(claims.release(account, "buy", "t2", "kcid-c"));
    assertThat(join(claims.claim(account, "buy", "t2", "kcid-c", Duration.ofMinutes(1))).kcid()).isEqualTo("kcid-c");
    join(claims.release(account, "buy", "t2", "kcid-c"));
    assertThat(join(claims.claim(account, "buy", "t2", "kcid-d", Duration.ofMinutes(1))).kcid()).isEqualTo("kcid-d");
  }

  @Test
  void rotatedSecretsKeepThePreviousValueUntilItsDeadline() {
    String id = "rot-" + System.nanoTime();
    Account account = Account.newBuilder().setAccountId(id).build();
    AccountSecrets secrets = AccountSecrets.newBuilder().setPostbackToken("pbt_old_" + id).setClickSecret("cks_old").setPostbackSigningSecret("pbs_old").build();
    join(accounts.create(account, secrets, Goal.newBuilder().setAccountId(id).setGoalKey("default").build()));
    Instant later = Instant.now().plusSeconds(3600);
    join(accounts.rotateSecret(id, io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_POSTBACK_TOKEN, "pbt_new_" + id, later));
    join(accounts.rotateSecret(id, io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_CLICK_SECRET, "cks_new", null));
    var loaded = join(accounts.load(id)).orElseThrow().secrets();
    assertThat(loaded.tokenDigestsAt(Instant.now()))
        .containsExactly(Secrets.sha256Hex("pbt_new_" + id), Secrets.sha256Hex("pbt_old_" + id));
    assertThat(loaded.tokenDigestsAt(later.plusSeconds(1))).containsExactly(Secrets.sha256Hex("pbt_new_" + id));
    assertThat(loaded.clickSecretsAt(Instant.now())).containsExactly("cks_new");
    assertThat(loaded.signingSecretsAt(Instant.now())).containsExactly("pbs_old");
    assertThat(join(accounts.accountIdForToken("pbt_new_" + id))).contains(id);
    assertThat(join(accounts.accountIdForToken("pbt_old_" + id))).contains(id);
  }

  @Test
  void idempotentRequestsReplayTheFirstAnswer() {
    String id = "idem-" + System.nanoTime();
    assertThat(join(accounts.beginRequest(id, "req-1", "fp1"))).isEmpty();
    assertThat(join(accounts.beginRequest(id, "req-1", "fp1"))).hasValueSatisfying(r -> assertThat(r.inProgress()).isTrue());
    join(accounts.completeRequest(id, "req-1", "fp1", new byte[] {1, 2, 3}));
    assertThat(join(accounts.beginRequest(id, "req-1", "fp1"))).hasValueSatisfying(r -> {
      assertThat(r.inProgress()).isFalse();
      assertThat(r.sameRequest()).isTrue();
      assertThat(r.reply()).containsExactly(1, 2, 3);
    });
    assertThat(join(accounts.beginRequest(id, "req-1", "fp2"))).hasValueSatisfying(r -> assertThat(r.sameRequest()).isFalse());
    assertThat(join(accounts.beginRequest(id, "req-2", "fp1"))).isEmpty();
    join(accounts.abandonRequest(id, "req-2"));
    assertThat(join(accounts.beginRequest(id, "req-2", "fp1"))).isEmpty();
  }

  private DecodedKcid newClickNow(String account, String campaign) {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    Click click = Click.newBuilder().setCampaignId(campaign)
        .setClickTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .build();
    assertThat(join(clicks.insert(kcid, account, click, Duration.ofHours(1)))).isTrue();
    return kcid;
  }

  /** The account's counters of a metric over the last and the current hour, summed. */
  private long statsSum(String account, StatsCounter.Metric metric) {
    Instant hour = StatsFormat.hourOf(Instant.now());
    List<StatsCounter> counters = join(stats.read(new StatsQuery(
        account, hour.minus(Duration.ofHours(1)), hour.plus(Duration.ofHours(1)), h -> h, true, false, true)));
    return counters.stream().filter(c -> c.metric() == metric).mapToLong(StatsCounter::value).sum();
  }

  @Test
  void clicksAndConversionsAreCountedInTheirAccountsStats() {
    String account = "stats-" + System.nanoTime();
    DecodedKcid first = newClickNow(account, "camp-1");
    newClickNow(account, "camp-2");
    assertThat(join(conversions.record(command(first, account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")))
        .code()).isEqualTo(Code.ACCEPTED);
    assertThat(join(conversions.record(command(first, account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")))
        .code()).isEqualTo(Code.DUPLICATE_GOAL);
    assertThat(statsSum(account, StatsCounter.Metric.CLICKS)).isEqualTo(2);
    assertThat(statsSum(account, StatsCounter.Metric.CONVERSIONS)).isEqualTo(1);
    assertThat(statsSum(account, StatsCounter.Metric.VALUE_UNITS)).isEqualTo(10);
    // A status change moves the count, it does not add one.
    assertThat(join(conversions.updateStatus(new StatusUpdate(first, 1, ConversionStatus.CONVERSION_STATUS_REJECTED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_REJECTED), "fraud", Money.getDefaultInstance(),
        Instant.now(), "", "x", Duration.ofHours(1), account, "purchase"))))
        .isEqualTo(StatusUpdate.Result.UPDATED);
    assertThat(statsSum(account, StatsCounter.Metric.CONVERSIONS)).isEqualTo(1);
    Instant hour = StatsFormat.hourOf(Instant.now());
    assertThat(join(stats.read(new StatsQuery(account, hour.minus(Duration.ofHours(1)), hour.plus(Duration.ofHours(1)),
            h -> h, false, false, false))))
        .filteredOn(c -> c.metric() == StatsCounter.Metric.CONVERSIONS)
        .allSatisfy(c -> assertThat(c.status()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED));
  }

  /**
   * An hour's stats and dimension hashes are hash tables while the hour is current (a conversion
   * increments its counters without scanning a listpack) and compact listpacks again once the
   * compactor has passed after it, with the same fields, counts and expiry.
   */
  @Test
  void statsHashesAreHashTablesWhileTheirHourIsCurrentAndCompactAfterIt() {
    String account = "heat-" + System.nanoTime();
    Instant t = Instant.now();
    Instant hour = StatsFormat.hourOf(t);
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(t));
    int p = kcid.partition();
    String st = text(RedisKeys.stats(p, account, hour));
    String dim = text(RedisKeys.dimensions(p, account, hour));
    String hot = text(RedisKeys.hotStats(p));
    Click click = Click.newBuilder().setCampaignId("camp-1").setCreativeId("cr-7").putSubIds("s1", "pub-3")
        .setClickTime(Timestamp.newBuilder().setSeconds(t.getEpochSecond())).build();
    assertThat(join(clicks.insert(kcid, account, click, Duration.ofHours(1)))).isTrue();
    assertThat(join(conversions.record(conversionAt(kcid, account, t))).code()).isEqualTo(Code.ACCEPTED);
    var redis = redisServer.commands();
    assertThat(redis.objectEncoding(st)).isEqualTo("hashtable");
    assertThat(redis.objectEncoding(dim)).isEqualTo("hashtable");
    assertThat(redis.smembers(hot)).contains(st, dim);
    Map<String, String> stFields = redis.hgetall(st);
    Map<String, String> dimFields = redis.hgetall(dim);
    assertThat(stFields).isNotEmpty().noneSatisfy((field, value) -> assertThat(field).contains("heat"));
    assertThat(dimFields).isNotEmpty();
    long ttl = redis.pttl(st);
    List<StatsCounter> before = join(stats.read(new StatsQuery(account, hour, hour.plus(Duration.ofHours(1)),
        h -> h, true, true, true)));
    assertThat(before).isNotEmpty();

    RedisStatsCompactor compactor = new RedisStatsCompactor(connector.commands(), PARTITIONS);
    RedisStatsCompactor.Pass during = join(compactor.compactPastHours(t));
    assertThat(redis.objectEncoding(st)).as("the current hour stays hot").isEqualTo("hashtable");
    assertThat(during.leftHot()).as("the hour's stats and dimension hashes, left hot").isGreaterThanOrEqualTo(2);

    Instant afterTheHour = hour.plus(Duration.ofHours(1)).plus(RedisStatsCompactor.GRACE);
    RedisStatsCompactor.Pass after = join(compactor.compactPastHours(afterTheHour));
    assertThat(after.rewritten()).isGreaterThanOrEqualTo(2);
    assertThat(after.leftHot()).as("the hour's two hashes no longer hot").isLessThanOrEqualTo(during.leftHot() - 2);
    // The compact encoding: "ziplist" on Redis 6.2, "listpack" from 7.0.
    assertThat(redis.objectEncoding(st)).isIn("ziplist", "listpack");
    assertThat(redis.objectEncoding(dim)).isIn("ziplist", "listpack");
    assertThat(redis.hgetall(st)).isEqualTo(stFields);
    assertThat(redis.hgetall(dim)).isEqualTo(dimFields);
    assertThat(redis.pttl(st)).isBetween(ttl - 60_000, ttl);
    assertThat(redis.pttl(dim)).isPositive();
    assertThat(redis.smembers(hot)).doesNotContain(st, dim);
    assertThat(join(stats.read(new StatsQuery(account, hour, hour.plus(Duration.ofHours(1)), h -> h, true, true, true))))
        .containsExactlyInAnyOrderElementsOf(before);
    assertThat(join(compactor.compactPastHours(afterTheHour)).rewritten()).as("nothing left to compact").isZero();

    // A late conversion that adds a field heats the hash again, for the compactor's next pass.
    DecodedKcid late = codec.decode(codec.mintRandomPartition(t));
    while (late.partition() != p) {
      late = codec.decode(codec.mintRandomPartition(t));
    }
    assertThat(join(clicks.insert(late, account, click.toBuilder().setCampaignId("camp-2").build(), Duration.ofHours(1))))
        .isTrue();
    assertThat(join(conversions.record(conversionAt(late, account, t))).code()).isEqualTo(Code.ACCEPTED);
    assertThat(redis.objectEncoding(st)).isEqualTo("hashtable");
    assertThat(redis.smembers(hot)).contains(st);
    assertThat(statsSum(account, StatsCounter.Metric.CONVERSIONS)).isEqualTo(2);
  }

  /**
   * The recorder hands a new conversion's event to its local delivery workers instead of letting
   * them read it back: what it hands over must be exactly what those reads answer.
   */
  @Test
  void aNewConversionWithAnOutboxEntryAnswersItsClickAndItsCommandDescribesWhatAReadAnswers() {
    String account = "acct-handoff";
    for (boolean flagged : List.of(false, true)) {
      DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
      Click click = Click.newBuilder().setCampaignId("camp-1").setCreativeId("cr-9").putSubIds("s1", "s-one")
          .setDestinationUrl("https://a.example/")
          .setFlag(flagged ? ClickFlag.CLICK_FLAG_BOT_USER_AGENT : ClickFlag.CLICK_FLAG_UNSPECIFIED).build();
      assertThat(join(clicks.insert(kcid, account, click, Duration.ofHours(1)))).isTrue();
      Instant now = Instant.now();
      // A flagged click's conversion is held pending, without a value; the other has one.
      RecordCommand command = new RecordCommand(kcid, account, "purchase", CountingMode.COUNTING_MODE_ONCE_PER_CLICK,
          "order-1", "", "f",
          Conversion.newBuilder().setAccountId(account).setGoalKey("purchase").setTransactionId("order-1")
              .setRecordTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond())).build().toByteArray(),
          flagged ? Money.getDefaultInstance() : Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR").build(),
          ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, ConversionStatus.CONVERSION_STATUS_APPROVED,
          StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED), List.of(), false, now,
          Duration.ofHours(1), Duration.ofHours(2), now, 0, ConversionStatus.CONVERSION_STATUS_PENDING, true);

      RecordResult recorded = join(conversions.record(command));

      assertThat(recorded.code()).isEqualTo(Code.ACCEPTED);
      assertThat(recorded.recordedClick()).isEqualTo(join(clicks.find(kcid)).orElseThrow());
      Conversion handedOver = command.recordedConversion(recorded);
      assertThat(handedOver).isEqualTo(join(conversions.find(kcid, 1)).orElseThrow());
      assertThat(handedOver.getStatus()).isEqualTo(flagged
          ? ConversionStatus.CONVERSION_STATUS_PENDING : ConversionStatus.CONVERSION_STATUS_APPROVED);
      assertThat(handedOver.getStatusReason()).isEqualTo(flagged
          ? ErrorReason.ERROR_REASON_CLICK_FLAGGED_BOT : ErrorReason.ERROR_REASON_UNSPECIFIED);
      assertThat(handedOver.getValue().getAmount()).isEqualTo(flagged ? "" : "49.90");
      // A duplicate appends no outbox entry: nothing to hand over.
      RecordResult again = join(conversions.record(command));
      assertThat(again.code()).isEqualTo(Code.DUPLICATE_GOAL);
      assertThat(again.recordedClick()).isNull();
    }
    // Nor does a conversion of an account without destinations.
    DecodedKcid plain = newClick(account);
    RecordResult withoutOutbox = join(conversions.record(
        command(plain, account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")));
    assertThat(withoutOutbox.code()).isEqualTo(Code.ACCEPTED);
    assertThat(withoutOutbox.recordedClick()).isNull();
  }

  private static RecordCommand conversionAt(DecodedKcid kcid, String account, Instant t) {
    Timestamp at = Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
    return new RecordCommand(kcid, account, "purchase", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f",
        Conversion.newBuilder().setAccountId(account).setGoalKey("purchase").setRecordTime(at).build().toByteArray(),
        Money.newBuilder().setAmount("10.00").setCurrencyCode("USD").build(),
        ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, ConversionStatus.CONVERSION_STATUS_APPROVED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED), List.of(), false, t,
        Duration.ofHours(1), Duration.ofHours(2), t, 0);
  }

  private static String text(byte[] key) {
    return new String(key, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void deletingAClickErasesItsConversionsButKeepsItsStats() {
    // Deliberate (see ClickStore.delete): counters identify no click, and past reports stand.
    String account = "erase-" + System.nanoTime();
    DecodedKcid kcid = newClickNow(account, "camp-1");
    join(conversions.record(command(kcid, account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f")));
    var erased = join(clicks.delete(kcid)).orElseThrow();
    assertThat(erased.conversions()).isEqualTo(1);
    assertThat(join(clicks.find(kcid))).isEmpty();
    assertThat(join(conversions.find(kcid, 1))).isEmpty();
    assertThat(join(clicks.delete(kcid))).isEmpty();
    assertThat(statsSum(account, StatsCounter.Metric.CLICKS)).isEqualTo(1);
    assertThat(statsSum(account, StatsCounter.Metric.CONVERSIONS)).isEqualTo(1);
  }

  @Test
  void thePostbackLogKeepsEntriesPerAccountNewestFirstAndPerClick() {
    String account = "log-" + System.nanoTime();
    DecodedKcid kcid = newClick(account);
    Instant start = Instant.now().minusSeconds(1);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      PostbackLogEntry entry = PostbackLogEntry.newBuilder().setAccountId(account).setMessage("m" + i).build();
      ids.add(join(postbackLog.append(account, Optional.of(kcid), entry, Instant.now())));
    }
    Instant end = Instant.now().plusSeconds(1);
    var newest = join(postbackLog.scanBackward(account, start, end, Optional.empty(), 2));
    assertThat(newest.entries()).extracting(PostbackLogEntry::getMessage).containsExactly("m2", "m1");
    var rest = join(postbackLog.scanBackward(account, start, end, Optional.of(ids.get(1)), 10));
    assertThat(rest.entries()).extracting(PostbackLogEntry::getMessage).containsExactly("m0");
    assertThat(rest.exhausted()).isTrue();
    assertThat(join(postbackLog.scanForward(account, start, end, Optional.empty(), 10)).entries())
        .extracting(PostbackLogEntry::getMessage).containsExactly("m0", "m1", "m2");
    assertThat(join(postbackLog.get(account, List.of(ids.get(2), "1-0"))))
        .satisfiesExactly(e -> assertThat(e).hasValueSatisfying(v -> assertThat(v.getMessage()).isEqualTo("m2")),
            e -> assertThat(e).isEmpty());
    assertThat(join(postbackLog.attempts(kcid))).extracting(PostbackLogEntry::getMessage)
        .containsExactly("m2", "m1", "m0");
    // Other accounts' logs are separate.
    assertThat(join(postbackLog.scanBackward(account + "-other", start, end, Optional.empty(), 10)).entries()).isEmpty();
  }

  @Test
  void aClicksPostbackAttemptsShareItsStateHashWithItsConversionsAndNeitherShortensTheOther() {
    String account = "share-" + System.nanoTime();
    DecodedKcid kcid = newClick(account);
    // Attempts are kept for the log's retention (here 3 days), the conversion's state for 1 hour.
    RedisPostbackLog longLog = new RedisPostbackLog(connector.commands(), Duration.ofDays(3), 1000);
    join(longLog.append(account, Optional.of(kcid),
        PostbackLogEntry.newBuilder().setAccountId(account).setMessage("first").build(), Instant.now()));
    byte[] state = RedisKeys.clickState(kcid.partition(), kcid.kcid());

    RecordResult first = join(conversions.record(command(kcid, account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f1")));
    RecordResult second = join(conversions.record(command(kcid, account, CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "f2")));
    assertThat(first.code()).isEqualTo(Code.ACCEPTED);
    assertThat(second.code()).isEqualTo(Code.DUPLICATE_GOAL);
    assertThat(join(connector.commands().pttl(state))).as("the conversion did not shorten the attempts' life")
        .isGreaterThan(Duration.ofDays(2).toMillis());
    join(longLog.append(account, Optional.of(kcid),
        PostbackLogEntry.newBuilder().setAccountId(account).setMessage("second").build(), Instant.now()));
    assertThat(join(longLog.attempts(kcid))).extracting(PostbackLogEntry::getMessage).containsExactly("second", "first");
    assertThat(join(conversions.listForClick(kcid, 0, 10))).hasSize(1);

    assertThat(join(clicks.delete(kcid)).orElseThrow().conversions()).isEqualTo(1);
    assertThat(join(longLog.attempts(kcid))).as("erased with the click").isEmpty();
    assertThat(join(connector.commands().exists(state))).isZero();
  }

  @Test
  void aTransactionAlreadyOnTheClickIsADuplicateForAGoalCountingUniqueTransactionsWhateverCountedIt() {
    String account = "txids-" + System.nanoTime();
    DecodedKcid kcid = newClickNow(account, "camp-1");
    // Counted on every postback first (the goal's mode changed since): both recorded.
    assertThat(join(conversions.record(command(kcid, account, CountingMode.COUNTING_MODE_EVERY_POSTBACK, "o-5", "", "a"))))
        .isEqualTo(new RecordResult(Code.ACCEPTED, kcid.kcid() + "-1"));
    assertThat(join(conversions.record(command(kcid, account, CountingMode.COUNTING_MODE_EVERY_POSTBACK, "o-5", "", "b"))))
        .isEqualTo(new RecordResult(Code.ACCEPTED, kcid.kcid() + "-2"));
    // Unique per click now: the transaction is on the click already, the latest conversion answers.
    assertThat(join(conversions.record(command(kcid, account,
        CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK, "o-5", "", "c"))))
        .isEqualTo(new RecordResult(Code.DUPLICATE_TRANSACTION, kcid.kcid() + "-2"));
    assertThat(join(conversions.record(command(kcid, account,
        CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK, "o-6", "", "d"))))
        .isEqualTo(new RecordResult(Code.ACCEPTED, kcid.kcid() + "-3"));
  }

  @Test
  void aConversionAnOlderServerKeptAsAHashOfItsOwnIsReadChangedAndDeletedInPlace() {
    String account = "legacy-" + System.nanoTime();
    DecodedKcid kcid = newClickNow(account, "camp-1");
    var mode = CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK;
    assertThat(join(conversions.record(command(kcid, account, mode, "o-1", "", "a",
        ConversionStatus.CONVERSION_STATUS_PENDING, List.of()))).code()).isEqualTo(Code.ACCEPTED);
    var redis = connector.commands();
    byte[] state = RedisKeys.clickState(kcid.partition(), kcid.kcid());
    // A transaction on the click is its field x: (the sequence number); older servers kept a
    // dedupe field t: besides, with the whole id: still answered.
    assertThat(join(redis.hget(state, bytes("x:purchase:o-1")))).isEqualTo(bytes("1"));
    assertThat(join(redis.hexists(state, bytes("t:purchase:o-1")))).isFalse();
    join(redis.hset(state, bytes("t:purchase:o-1"), bytes(kcid.kcid() + "-1")));
    byte[] legacy = keepAsAnOlderServerDid(kcid, account, 1);
    join(redis.hset(legacy, bytes("ct"), bytes("token-1")));
    assertThat(join(conversions.record(command(kcid, account, mode, "o-1", "", "a2",
        ConversionStatus.CONVERSION_STATUS_PENDING, List.of()))))
        .isEqualTo(new RecordResult(Code.DUPLICATE_TRANSACTION, kcid.kcid() + "-1"));

    assertThat(join(conversions.find(kcid, 1))).hasValueSatisfying(c -> {
      assertThat(c.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
      assertThat(c.getValue().getAmount()).isEqualTo("10.00");
    });
    assertThat(join(conversions.capToken(kcid, 1))).contains("token-1");
    // A postback's status for its transaction, then an API update with a value, move it in place.
    assertThat(join(conversions.record(command(kcid, account, mode, "o-1", "", "b",
        ConversionStatus.CONVERSION_STATUS_APPROVED, List.of()))))
        .isEqualTo(new RecordResult(Code.STATUS_CHANGED, kcid.kcid() + "-1"));
    assertThat(join(conversions.updateStatus(new StatusUpdate(kcid, 1, ConversionStatus.CONVERSION_STATUS_REJECTED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_REJECTED), "fraud",
        Money.newBuilder().setAmount("0").setCurrencyCode("USD").build(), Instant.now(), "", "x", Duration.ofHours(1),
        account, "purchase"))))
        .isEqualTo(StatusUpdate.Result.UPDATED);
    assertThat(join(conversions.settleFx(kcid, 1, Conversion.newBuilder().setFxRate("1.1").build()))).isTrue();
    assertThat(join(conversions.settleFx(kcid, 1, Conversion.newBuilder().setFxRate("9.9").build()))).isFalse();
    // Its counts moved with it: one conversion, rejected, worth nothing.
    assertThat(statsSum(account, StatsCounter.Metric.CONVERSIONS)).isEqualTo(1);
    assertThat(statsSum(account, StatsCounter.Metric.VALUE_UNITS)).isZero();
    // A new conversion on the same click is fields of the state hash; both are listed.
    assertThat(join(conversions.record(command(kcid, account, mode, "o-2", "", "c")))).isEqualTo(
        new RecordResult(Code.ACCEPTED, kcid.kcid() + "-2"));
    assertThat(join(redis.hexists(state, RedisKeys.conversionField(2, "s")))).isTrue();
    assertThat(join(redis.hexists(state, RedisKeys.conversionField(1, "s")))).as("not copied over").isFalse();
    assertThat(join(redis.exists(RedisKeys.legacyConversion(kcid.partition(), kcid.kcid(), 2)))).isZero();
    assertThat(join(conversions.listForClick(kcid, 0, 10))).satisfiesExactly(
        first -> {
          assertThat(first.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
          assertThat(first.getValue().getAmount()).isEqualTo("0");
          assertThat(first.getFxRate()).isEqualTo("1.1");
          assertThat(first.getHistoryList()).hasSize(2);
        },
        second -> assertThat(second.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED));

    assertThat(join(clicks.delete(kcid)).orElseThrow().conversions()).isEqualTo(2);
    assertThat(join(redis.exists(legacy))).isZero();
    assertThat(join(conversions.find(kcid, 1))).isEmpty();

    // A transaction only an older server's t: field names is a duplicate too.
    DecodedKcid other = newClickNow(account, "camp-1");
    byte[] otherState = RedisKeys.clickState(other.partition(), other.kcid());
    assertThat(join(conversions.record(command(other, account, mode, "o-9", "", "d"))).code()).isEqualTo(Code.ACCEPTED);
    join(redis.hdel(otherState, bytes("x:purchase:o-9")));
    join(redis.hset(otherState, bytes("t:purchase:o-9"), bytes(other.kcid() + "-1")));
    assertThat(join(conversions.record(command(other, account, mode, "o-9", "", "e"))))
        .isEqualTo(new RecordResult(Code.DUPLICATE_TRANSACTION, other.kcid() + "-1"));
  }

  /**
   * Rewrites conversion n as a server before lib_conversions.lua kept it: a hash of its own,
   * kc:{p}:v:<kcid>:<n>, with the same fields unprefixed (its stats and dimension hashes as whole
   * keys) and the state hash's TTL. Returns its key.
   */
  private byte[] keepAsAnOlderServerDid(DecodedKcid kcid, String account, long n) {
    var redis = connector.commands();
    byte[] state = RedisKeys.clickState(kcid.partition(), kcid.kcid());
    byte[] legacy = RedisKeys.legacyConversion(kcid.partition(), kcid.kcid(), n);
    String prefix = n + ".";
    Map<byte[], byte[]> own = new java.util.LinkedHashMap<>();
    List<byte[]> moved = new ArrayList<>();
    join(redis.hgetall(state)).forEach((name, value) -> {
      String text = new String(name, StandardCharsets.UTF_8);
      if (text.startsWith(prefix)) {
        own.put(bytes(text.substring(prefix.length())), value);
        moved.add(name);
      }
    });
    assertThat(own.keySet()).extracting(k -> new String(k, StandardCharsets.UTF_8)).contains("p", "s", "a", "c", "st", "sf");
    wholeCountingKeys(own, kcid, account, "");
    join(redis.hset(legacy, own));
    join(redis.pexpire(legacy, join(redis.pttl(state))));
    join(redis.hdel(state, moved.toArray(byte[][]::new)));
    return legacy;
  }

  /**
   * Replaces a conversion's hour label (field st) by the whole stats key and adds the whole
   * dimension key (dk) when it has dimension entries (dc), as servers before the hour label wrote
   * them. prefix: the conversion's field prefix ("" in a hash of its own, "n." in the state hash).
   */
  private static void wholeCountingKeys(Map<byte[], byte[]> fields, DecodedKcid kcid, String account, String prefix) {
    String hour = null;
    boolean dimensions = false;
    for (Map.Entry<byte[], byte[]> field : fields.entrySet()) {
      String name = new String(field.getKey(), StandardCharsets.UTF_8);
      if (name.equals(prefix + "st")) {
        hour = new String(field.getValue(), StandardCharsets.UTF_8);
        field.setValue(bytes(RedisKeys.statsPrefix(kcid.partition(), account) + hour));
      }
      dimensions |= name.equals(prefix + "dc");
    }
    assertThat(hour).as("the hour label this server writes").matches("\\d{10}");
    if (dimensions) {
      fields.put(bytes(prefix + "dk"), bytes(RedisKeys.dimensionsPrefix(kcid.partition(), account) + hour));
    }
  }

  @Test
  void aConversionKeepsTheHourItWasCountedInAndOneCountedUnderWholeKeysMovesItsCountsThere() {
    String account = "hours-" + System.nanoTime();
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    Click click = Click.newBuilder().setCampaignId("camp-1").setCreativeId("cr-1")
        .setClickTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .build();
    assertThat(join(clicks.insert(kcid, account, click, Duration.ofHours(1)))).isTrue();
    var mode = CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK;
    assertThat(join(conversions.record(command(kcid, account, mode, "o-1", "", "a",
        ConversionStatus.CONVERSION_STATUS_PENDING, List.of()))).code()).isEqualTo(Code.ACCEPTED);
    var redis = connector.commands();
    byte[] state = RedisKeys.clickState(kcid.partition(), kcid.kcid());
    // The hour label, not the whole keys: the account and partition name the rest.
    assertThat(new String(join(redis.hget(state, RedisKeys.conversionField(1, "st"))), StandardCharsets.UTF_8))
        .matches("\\d{10}");
    assertThat(join(redis.hexists(state, RedisKeys.conversionField(1, "dk")))).isFalse();
    assertThat(join(redis.hget(state, RedisKeys.conversionField(1, "dc")))).isEqualTo(bytes("ccr-1"));

    // A postback's status for its transaction moves the counts in both hashes of that hour.
    assertThat(join(conversions.record(command(kcid, account, mode, "o-1", "", "b",
        ConversionStatus.CONVERSION_STATUS_APPROVED, List.of()))).code()).isEqualTo(Code.STATUS_CHANGED);
    assertThat(conversionsByStatus(account, DetailDimension.SUB_ID_1))
        .isEqualTo(Map.of(ConversionStatus.CONVERSION_STATUS_APPROVED, 1L));
    assertThat(conversionsByStatus(account, DetailDimension.CREATIVE))
        .isEqualTo(Map.of(ConversionStatus.CONVERSION_STATUS_APPROVED, 1L));

    // As the server before the hour label kept it: whole keys in st and dk. Moved where they say.
    Map<byte[], byte[]> counting = new java.util.LinkedHashMap<>();
    counting.put(RedisKeys.conversionField(1, "st"), join(redis.hget(state, RedisKeys.conversionField(1, "st"))));
    counting.put(RedisKeys.conversionField(1, "dc"), join(redis.hget(state, RedisKeys.conversionField(1, "dc"))));
    wholeCountingKeys(counting, kcid, account, "1.");
    join(redis.hset(state, counting));
    assertThat(join(conversions.updateStatus(new StatusUpdate(kcid, 1, ConversionStatus.CONVERSION_STATUS_REJECTED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_REJECTED), "fraud",
        Money.getDefaultInstance(), Instant.now(), "", "x", Duration.ofHours(1), account, "purchase"))))
        .isEqualTo(StatusUpdate.Result.UPDATED);
    assertThat(conversionsByStatus(account, DetailDimension.SUB_ID_1))
        .isEqualTo(Map.of(ConversionStatus.CONVERSION_STATUS_REJECTED, 1L));
    assertThat(conversionsByStatus(account, DetailDimension.CREATIVE))
        .isEqualTo(Map.of(ConversionStatus.CONVERSION_STATUS_REJECTED, 1L));
  }

  /** The account's conversions by status over the last and the current hour (zero counts left out). */
  private Map<ConversionStatus, Long> conversionsByStatus(String account, DetailDimension dimension) {
    Instant hour = StatsFormat.hourOf(Instant.now());
    StatsQuery query = new StatsQuery(
        account, hour.minus(Duration.ofHours(1)), hour.plus(Duration.ofHours(1)), h -> h, true, false, true)
        .on(dimension, false, Optional.empty());
    return join(stats.read(query)).stream()
        .filter(c -> c.metric() == StatsCounter.Metric.CONVERSIONS && c.value() != 0)
        .collect(java.util.stream.Collectors.groupingBy(StatsCounter::status,
            java.util.stream.Collectors.summingLong(StatsCounter::value)));
  }

  private void createAccount(String id) {
    Account account = Account.newBuilder().setAccountId(id).build();
    AccountSecrets secrets = AccountSecrets.newBuilder().setPostbackToken("pbt_" + id).setClickSecret("cks").build();
    assertThat(join(accounts.create(account, secrets, Goal.newBuilder().setAccountId(id).setGoalKey("g").build())))
        .isTrue();
  }

  @Test
  void accountsArePagedByIdAndAnIndexEntryWithoutItsRecordIsSkippedAndDropped() {
    // '~' sorts after the ids other tests create, so this test owns the end of the index.
    String prefix = "~list-" + System.nanoTime() + "-";
    for (int i = 1; i <= 4; i++) {
      createAccount(prefix + i);
    }
    assertThat(join(accounts.list(prefix, 2))).extracting(Account::getAccountId)
        .containsExactly(prefix + 1, prefix + 2);
    assertThat(join(accounts.list(prefix + 2, 2))).extracting(Account::getAccountId)
        .containsExactly(prefix + 3, prefix + 4);
    // A record lost (by hand, or with a node) while its index entry survived.
    redisServer.commands().del(new String(RedisKeys.account(prefix + 2), StandardCharsets.UTF_8));
    // Still a full page while accounts remain: a short page would end a caller's paging early.
    assertThat(join(accounts.list(prefix, 2))).extracting(Account::getAccountId)
        .containsExactly(prefix + 1, prefix + 3);
    assertThat(redisServer.commands().zscore(new String(RedisKeys.accountIndex(), StandardCharsets.UTF_8), prefix + 2))
        .isNull();
    assertThat(join(accounts.list(prefix, 10))).extracting(Account::getAccountId)
        .containsExactly(prefix + 1, prefix + 3, prefix + 4);
  }

  @Test
  void partnersAreCreatedOnceUpdatedInPlaceAndPagedById() {
    RedisPartnerStore partners = new RedisPartnerStore(connector.commands());
    String prefix = "~pt-" + System.nanoTime() + "-";
    for (int i = 1; i <= 3; i++) {
      Partner partner = Partner.newBuilder().setPartnerId(prefix + i).setDisplayName("Agency " + i).setS2SActive(true).build();
      assertThat(join(partners.create(partner))).isTrue();
    }
    assertThat(join(partners.create(Partner.newBuilder().setPartnerId(prefix + 1).setDisplayName("Other").build())))
        .as("an id is taken once").isFalse();
    assertThat(join(partners.load(prefix + 1)).orElseThrow().getDisplayName()).isEqualTo("Agency 1");

    Partner off = join(partners.load(prefix + 2)).orElseThrow().toBuilder().setS2SActive(false).build();
    assertThat(join(partners.update(off))).isTrue();
    assertThat(join(partners.load(prefix + 2)).orElseThrow().getS2SActive()).isFalse();
    assertThat(join(partners.update(Partner.newBuilder().setPartnerId(prefix + "missing").build())))
        .as("an update never creates").isFalse();
    assertThat(join(partners.load(prefix + "missing"))).isEmpty();

    assertThat(join(partners.list(prefix, 2))).extracting(Partner::getPartnerId)
        .containsExactly(prefix + 1, prefix + 2);
    assertThat(join(partners.list(prefix + 2, 2))).extracting(Partner::getPartnerId)
        .containsExactly(prefix + 3);
  }

  /**
   * The online migration: an account written by the version before partners (its Account record
   * has no partner_id, and no partner exists at all) reads as belonging to the default partner,
   * which is created on first use — by any number of servers at once — active, so its clicks and
   * postbacks keep flowing.
   */
  @Test
  void anAccountStoredBeforePartnersBelongsToTheDefaultPartnerCreatedOnFirstUse() {
    String id = "old-" + System.nanoTime();
    // Exactly the keys the previous version's create_account.lua wrote.
    var raw = connector.commands();
    join(raw.set(RedisKeys.account(id), Account.newBuilder().setAccountId(id).setDisplayName("Old").build().toByteArray()));
    join(raw.hset(RedisKeys.accountSecrets(id), Map.of(
        RedisKeys.bytes("click_secret"), RedisKeys.bytes("cks_old"),
        RedisKeys.bytes("token_sha256"), RedisKeys.bytes(Secrets.sha256Hex("pbt_old_" + id)))));
    join(raw.hset(RedisKeys.accountGoals(id), RedisKeys.bytes("default"),
        Goal.newBuilder().setAccountId(id).setGoalKey("default").build().toByteArray()));
    join(raw.zadd(RedisKeys.accountIndex(), 0, RedisKeys.bytes(id)));
    join(raw.set(RedisKeys.tokenIndex(Secrets.sha256Hex("pbt_old_" + id)), RedisKeys.bytes(id)));
    join(raw.del(RedisKeys.partner(Partners.DEFAULT_ID)));

    var record = join(accounts.load(id)).orElseThrow();
    assertThat(record.account().getPartnerId()).isEqualTo(Partners.DEFAULT_ID);
    assertThat(record.account().getTimeZone()).as("accounts stored before time zones").isEqualTo("UTC");
    assertThat(record.account().getCurrencyCode()).isEmpty();
    assertThat(join(accounts.list(id.substring(0, id.length() - 1), 100_000, Partners.DEFAULT_ID)))
        .as("listed as the default partner's without any rewrite").extracting(Account::getAccountId).contains(id);
    assertThat(join(accounts.list(id, 1))).isEmpty();
    assertThat(join(accounts.list("", 100_000))).filteredOn(a -> a.getAccountId().equals(id))
        .extracting(Account::getPartnerId).containsExactly(Partners.DEFAULT_ID);
    RedisPartnerStore store = new RedisPartnerStore(connector.commands());
    List<CompletableFuture<AccountRecord>> servers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      // Four servers, each with its own cache, meet the old account at the same time.
      servers.add(new PartnerDirectory(store, Clock.systemUTC(), Duration.ofSeconds(5))
          .requireActive(record).toCompletableFuture());
    }
    servers.forEach(server -> assertThat(server.join()).isSameAs(record));
    Partner stored = join(store.load(Partners.DEFAULT_ID)).orElseThrow();
    assertThat(stored.getS2SActive()).isTrue();
    assertThat(join(store.list("", 1000))).extracting(Partner::getPartnerId).containsOnlyOnce(Partners.DEFAULT_ID);
    assertThat(join(accounts.accountIdForToken("pbt_old_" + id))).contains(id);
  }

  @Test
  void anInactivePartnerRefusesItsAccountsWithPartnerInactive() {
    RedisPartnerStore store = new RedisPartnerStore(connector.commands());
    String partnerId = "off-" + System.nanoTime();
    assertThat(join(store.create(Partner.newBuilder().setPartnerId(partnerId).setS2SActive(false).build()))).isTrue();
    var record = new AccountRecord(
        Account.newBuilder().setAccountId("a-" + partnerId).setPartnerId(partnerId).build(),
        new StoredSecrets(null, null, null, "c", null, null, null, null, null), Map.of());
    PartnerDirectory directory = new PartnerDirectory(store, Clock.systemUTC(), Duration.ofSeconds(5));
    Throwable refused = catchThrowable(
        () -> directory.requireActive(record).toCompletableFuture().join());
    assertThat(refused).hasCauseInstanceOf(KcidException.class);
    assertThat(((KcidException) refused.getCause()).reason())
        .isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE);
    assertThat(join(store.update(join(store.load(partnerId)).orElseThrow().toBuilder().setS2SActive(true).build())))
        .isTrue();
    directory.invalidate(partnerId);
    assertThat(join(directory.requireActive(record))).isSameAs(record);
  }

  /**
   * A partner's accounts are picked from the whole account index: a page holds exactly the asked
   * number, even when the matching accounts lie more than one read step apart in the index.
   */
  @Test
  void aPartnersAccountsArePagedByIdAcrossTheWholeIndex() {
    // Before "old-" and "~list-": those tests own the end of the index.
    String prefix = "a-pf-" + System.nanoTime() + "-";
    String partner = "pf-" + System.nanoTime();
    var raw = connector.commands();
    List<CompletableFuture<?>> writes = new ArrayList<>();
    // 600 accounts of another partner between the partner's first and last account.
    for (int i = 0; i < 600; i++) {
      writes.add(rawAccount(prefix + "b" + String.format("%04d", i), "other-" + partner));
      if (writes.size() == 100) {
        // The connection's request queue is bounded (1000 in these tests): write in steps.
        writes.forEach(CompletableFuture::join);
        writes.clear();
      }
    }
    writes.add(rawAccount(prefix + "a", partner));
    writes.add(rawAccount(prefix + "b0300x", partner));
    writes.add(rawAccount(prefix + "c", partner));
    writes.forEach(CompletableFuture::join);

    assertThat(join(accounts.list(prefix, 2, partner))).extracting(Account::getAccountId)
        .containsExactly(prefix + "a", prefix + "b0300x");
    assertThat(join(accounts.list(prefix + "b0300x", 2, partner))).extracting(Account::getAccountId)
        .containsExactly(prefix + "c");
    assertThat(join(accounts.list(prefix, 1000, partner))).extracting(Account::getPartnerId).containsOnly(partner)
        .hasSize(3);
    assertThat(join(accounts.list(prefix, 601))).as("unfiltered paging is unchanged").hasSize(601);
    join(raw.del(RedisKeys.account(prefix + "b0300x")));
    assertThat(join(accounts.list(prefix, 2, partner))).as("a lost record is skipped, the page still full")
        .extracting(Account::getAccountId).containsExactly(prefix + "a", prefix + "c");
  }

  private CompletableFuture<?> rawAccount(String id, String partnerId) {
    var raw = connector.commands();
    byte[] record = Account.newBuilder().setAccountId(id).setPartnerId(partnerId).build().toByteArray();
    return CompletableFuture.allOf(
        raw.set(RedisKeys.account(id), record).toCompletableFuture(),
        raw.zadd(RedisKeys.accountIndex(), 0, RedisKeys.bytes(id)).toCompletableFuture());
  }

  @Test
  void aDeletedAccountLeavesNoSettingsSecretsGoalsOrTokensAndDeletingAgainIsHarmless() {
    String id = "del-" + System.nanoTime();
    createAccount(id);
    join(accounts.rotateSecret(id, io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_POSTBACK_TOKEN, "pbt_next_" + id,
        Instant.now().plus(Duration.ofHours(1))));
    join(postbackLog.append(id, Optional.empty(), PostbackLogEntry.newBuilder().setAccountId(id).setMessage("m").build(), Instant.now()));
    RedisRefusalLog refusals = new RedisRefusalLog(connector.commands(), Duration.ofHours(1));
    join(refusals.append(id, PostbackLogEntry.newBuilder().setAccountId(id).setMessage("refused").build(), Instant.now()));
    join(refusals.add(id, Instant.now(), Map.of(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, 1L), false, Instant.now()));
    assertThat(join(connector.commands().exists(RedisRefusalLog.sampleKey(id), RedisRefusalLog.countKey(id))))
        .as("a refusal was sampled and counted").isEqualTo(2);
    assertThat(join(accounts.accountIdForToken("pbt_" + id))).as("previous token, in its grace period").contains(id);

    assertThat(join(accounts.delete(id))).isTrue();
    assertThat(join(accounts.load(id))).isEmpty();
    assertThat(join(accounts.accountIdForToken("pbt_" + id))).isEmpty();
    assertThat(join(accounts.accountIdForToken("pbt_next_" + id))).isEmpty();
    var raw = connector.commands();
    for (byte[] key : List.of(RedisKeys.account(id), RedisKeys.accountSecrets(id), RedisKeys.accountGoals(id),
        RedisKeys.accountLog(id), RedisRefusalLog.sampleKey(id), RedisRefusalLog.countKey(id))) {
      assertThat(join(raw.exists(key))).as(new String(key, StandardCharsets.UTF_8)).isZero();
    }
    assertThat(join(raw.zscore(RedisKeys.accountIndex(), RedisKeys.bytes(id)))).isNull();
    assertThat(join(accounts.delete(id))).as("nothing left to delete").isFalse();

    join(accounts.updateAccount(Account.newBuilder().setAccountId(id).setDisplayName("late").build()));
    assertThat(join(accounts.load(id))).as("a late settings write never re-creates a deleted account").isEmpty();
  }

  /** A delete cut off after the token entries and the account's keys, before the listing: deleting again finishes. */
  @Test
  void anInterruptedAccountDeleteIsFinishedByDeletingAgain() {
    String id = "del-half-" + System.nanoTime();
    createAccount(id);
    var raw = connector.commands();
    join(raw.del(RedisKeys.tokenIndex(Secrets.sha256Hex("pbt_" + id))));
    assertThat(join(accounts.load(id))).as("still there after the first step").isPresent();
    assertThat(join(accounts.delete(id))).isTrue();
    assertThat(join(accounts.load(id))).isEmpty();
    assertThat(join(raw.zscore(RedisKeys.accountIndex(), RedisKeys.bytes(id)))).isNull();
  }

  @Test
  void aDeletedPartnerIsGoneAndAnInterruptedDeleteIsFinishedByDeletingAgain() {
    RedisPartnerStore partners = new RedisPartnerStore(connector.commands());
    String id = "ptdel-" + System.nanoTime();
    assertThat(join(partners.create(Partner.newBuilder().setPartnerId(id).build()))).isTrue();
    assertThat(join(partners.delete(id))).isTrue();
    assertThat(join(partners.load(id))).isEmpty();
    assertThat(join(partners.list(id.substring(0, id.length() - 1), 100))).extracting(Partner::getPartnerId)
        .doesNotContain(id);
    assertThat(join(partners.delete(id))).isFalse();
    assertThat(join(partners.update(Partner.newBuilder().setPartnerId(id).build()))).isFalse();

    // Cut off after unlisting: still readable by id, and deleted by the next call.
    assertThat(join(partners.create(Partner.newBuilder().setPartnerId(id).build()))).as("the id is free again").isTrue();
    join(connector.commands().zrem(RedisKeys.partnerIndex(), RedisKeys.bytes(id)));
    assertThat(join(partners.load(id))).isPresent();
    assertThat(join(partners.delete(id))).isTrue();
    assertThat(join(partners.load(id))).isEmpty();
  }

  /**
   * Another server that cached the account keeps serving it until its copy expires (the account
   * cache TTL), then answers ACCOUNT_NOT_FOUND for it and POSTBACK_TOKEN_INVALID for its token.
   */
  @Test
  void anotherServerStopsUsingADeletedAccountWhenItsCachedCopyExpires() {
    String id = "del-cached-" + System.nanoTime();
    createAccount(id);
    java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
    Clock clock = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
      }
    };
    var otherServer = new io.kcid.server.account.AccountDirectory(accounts, clock, Duration.ofSeconds(5));
    assertThat(join(otherServer.authenticate("pbt_" + id)).account().getAccountId()).isEqualTo(id);

    assertThat(join(accounts.delete(id))).isTrue();
    assertThat(join(otherServer.get(id)).account().getAccountId()).as("within the TTL: the cached copy").isEqualTo(id);
    millis.addAndGet(5_001);
    assertThat(reasonOf(() -> join(otherServer.get(id)))).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
    assertThat(reasonOf(() -> join(otherServer.authenticate("pbt_" + id))))
        .isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
  }

  private static ErrorReason reasonOf(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable failure = catchThrowable(call);
    while (failure != null && !(failure instanceof KcidException) && failure.getCause() != null) {
      failure = failure.getCause();
    }
    assertThat(failure).isInstanceOf(KcidException.class);
    return ((KcidException) failure).reason();
  }

  @Test
  void destinationsAreKeptPerOwnerWithTheirSecretsAndRotationsKeepThePreviousOne() {
    RedisDestinationStore store = new RedisDestinationStore(connector.commands());
    String account = "dst-acct-" + System.nanoTime();
    String partner = "dst-partner-" + System.nanoTime();
    Destination hook = Destination.newBuilder().setDestinationId("hook").setAccountId(account)
        .setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl("https://203.0.113.10/hook").build();
    Destination pb = Destination.newBuilder().setDestinationId("pb").setPartnerId(partner)
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl("https://203.0.113.10/pb?t={txid}").build();
    assertThat(join(store.create(hook, "whsec_first"))).isTrue();
    assertThat(join(store.create(hook.toBuilder().setUrl("https://203.0.113.11/").build(), "whsec_other")))
        .as("an id is taken once per owner").isFalse();
    assertThat(join(store.create(pb, ""))).isTrue();
    assertThat(join(store.create(pb.toBuilder().setPartnerId("").setAccountId(account).build(), "")))
        .as("the same id under another owner").isTrue();

    DestinationOwner owner = DestinationOwner.account(account);
    assertThat(join(store.load(owner, "hook"))).contains(hook);
    assertThat(join(store.list(owner))).extracting(Destination::getDestinationId).containsExactly("hook", "pb");
    assertThat(join(store.list(DestinationOwner.partner(partner)))).containsExactly(pb);
    assertThat(join(store.secrets(owner)).get("hook").signingAt(Instant.now())).containsExactly("whsec_first");

    Destination paused = hook.toBuilder().setPaused(true).build();
    assertThat(join(store.update(paused))).isTrue();
    assertThat(join(store.load(owner, "hook"))).contains(paused);
    assertThat(join(store.update(hook.toBuilder().setDestinationId("missing").build()))).isFalse();
    assertThat(join(store.load(owner, "missing"))).as("an update never creates").isEmpty();

    Instant expiry = Instant.now().plus(Duration.ofMinutes(10));
    assertThat(join(store.rotateSecret(paused, "whsec_second", expiry))).isTrue();
    DestinationSecrets rotated = join(store.secrets(owner)).get("hook");
    assertThat(rotated.signingAt(Instant.now())).containsExactly("whsec_second", "whsec_first");
    assertThat(rotated.signingAt(expiry.plusMillis(1))).containsExactly("whsec_second");
    assertThat(join(store.rotateSecret(paused, "whsec_third", null))).isTrue();
    assertThat(join(store.secrets(owner)).get("hook").signingAt(Instant.now())).containsExactly("whsec_third");
    assertThat(join(store.rotateSecret(paused.toBuilder().setDestinationId("missing").build(), "whsec_x", null))).isFalse();
    assertThat(join(store.secrets(owner))).doesNotContainKey("missing");

    assertThat(join(store.delete(owner, "hook"))).isTrue();
    assertThat(join(store.delete(owner, "hook"))).isFalse();
    assertThat(join(store.load(owner, "hook"))).isEmpty();
    assertThat(join(store.secrets(owner))).as("its secrets go with it").doesNotContainKey("hook");
    assertThat(join(store.create(hook, "whsec_new"))).isTrue();
    assertThat(join(store.secrets(owner)).get("hook").signingAt(Instant.now())).containsExactly("whsec_new");

    // Deleting the owner deletes its destinations and secrets: an id used again starts with none.
    join(accounts.delete(account));
    assertThat(join(store.list(owner))).isEmpty();
    assertThat(join(store.secrets(owner))).isEmpty();
    RedisPartnerStore partners = new RedisPartnerStore(connector.commands());
    assertThat(join(partners.create(Partner.newBuilder().setPartnerId(partner).build()))).isTrue();
    assertThat(join(partners.delete(partner))).isTrue();
    assertThat(join(store.list(DestinationOwner.partner(partner)))).isEmpty();
  }
}
