package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.PostbackLog;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The postback log's Redis layout and its trimming, against a real redis-server. */
class RedisPostbackLogTest {
  private static final Duration RETENTION = Duration.ofDays(7);
  private static final KcidCodec codec = new KcidCodec(KcidKeyRing.generate(1), 16);

  private static LocalRedis redisServer;
  private static RedisConnector connector;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<byte[], byte[]> raw;
  private static RedisCommands<byte[], byte[]> redis;
  private static RedisPostbackLog log;

  @BeforeAll
  static void start() {
    redisServer = LocalRedis.startTemporary();
    connector = RedisConnector.connect(redisServer.url(), Duration.ofSeconds(2), 1000);
    log = new RedisPostbackLog(connector.commands(), RETENTION, 1000);
    rawClient = RedisClient.create(redisServer.url());
    raw = rawClient.connect(ByteArrayCodec.INSTANCE);
    redis = raw.sync();
  }

  @AfterAll
  static void stop() {
    raw.close();
    rawClient.shutdown();
    connector.close();
    redisServer.close();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static PostbackLogEntry entry(String account, String kcid, Instant received) {
    return PostbackLogEntry.newBuilder()
        .setAccountId(account)
        .setReceiveTime(Timestamp.newBuilder().setSeconds(received.getEpochSecond()))
        .setRequest(RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey("sale"))
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_REJECTED)
        .build();
  }

  @Test
  void appendsToTheAccountsStreamAndTheClicksAttemptsUnderTheirHashTags() {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    String id = join(log.append("acme", Optional.of(kcid), entry("acme", kcid.kcid(), Instant.now()), Instant.now()));
    assertThat(id).matches("[0-9]+-[0-9]+");

    assertThat(redis.xlen(bytes("kc:{a:acme}:log"))).isEqualTo(1);
    long ttl = redis.pttl(bytes("kc:{a:acme}:log"));
    assertThat(ttl).isPositive().isLessThanOrEqualTo(RETENTION.toMillis());
    // The attempts are a field of the click's state hash, not a key of their own.
    byte[] state = stateKey(kcid);
    assertThat(new String(redis.hget(state, bytes("l")), StandardCharsets.UTF_8)).isEqualTo("acme|" + id);
    assertThat(redis.pttl(state)).isPositive().isLessThanOrEqualTo(RETENTION.toMillis());
    assertThat(redis.exists(legacyKey(kcid))).isZero();

    List<PostbackLogEntry> attempts = join(log.attempts(kcid));
    assertThat(attempts).singleElement().satisfies(a -> {
      assertThat(a.getLogId()).isEqualTo(id);
      assertThat(a.getRequest().getKcid()).isEqualTo(kcid.kcid());
    });
    assertThat(join(log.get("acme", List.of(id, "1-0", "not-an-id"))))
        .satisfiesExactly(
            e -> assertThat(e).hasValueSatisfying(x -> assertThat(x.getLogId()).isEqualTo(id)),
            e -> assertThat(e).isEmpty(),
            e -> assertThat(e).isEmpty());
  }

  @Test
  void aConversionIdIsStoredWithoutTheKcidTheRequestHoldsAndReadWhole() {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    PostbackLogEntry accepted = entry("short-ids", kcid.kcid(), Instant.now()).toBuilder()
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).setConversionId(kcid.kcid() + "-12").build();
    String id = join(log.append("short-ids", Optional.of(kcid), accepted, Instant.now()));
    byte[] stored = redis.xrange(bytes("kc:{a:short-ids}:log"), Range.create(id, id)).get(0).getBody().values().iterator().next();
    assertThat(stored).isNotNull();
    // The stored payload names the sequence only; the kcid is the request's.
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).containsOnlyOnce(kcid.kcid()).contains("-12");
    assertThat(stored).hasSize(accepted.toByteArray().length - kcid.kcid().length());
    assertThat(join(log.get("short-ids", List.of(id)))).singleElement()
        .isEqualTo(Optional.of(accepted.toBuilder().setLogId(id).build()));

    // An id of another shape, and one an older server stored whole, are read as they are.
    PostbackLogEntry other = accepted.toBuilder().setConversionId("other-kcid-3").build();
    String otherId = join(log.append("short-ids", Optional.empty(), other, Instant.now()));
    String olderId = redis.xadd(bytes("kc:{a:short-ids}:log"), Map.of(bytes("e"), accepted.toByteArray()));
    assertThat(join(log.get("short-ids", List.of(otherId, olderId)))).containsExactly(
        Optional.of(other.toBuilder().setLogId(otherId).build()),
        Optional.of(accepted.toBuilder().setLogId(olderId).build()));
  }

  @Test
  void unattributedPostbacksGoToTheirOwnLog() {
    String id = join(log.append(PostbackLog.UNATTRIBUTED, Optional.empty(), entry("", "{kcid}", Instant.now()), Instant.now()));
    assertThat(join(log.get(PostbackLog.UNATTRIBUTED, List.of(id)))).singleElement()
        .satisfies(e -> assertThat(e).hasValueSatisfying(x -> assertThat(x.getRequest().getKcid()).isEqualTo("{kcid}")));
    assertThat(redis.exists(bytes("kc:log:unattributed"))).isEqualTo(1);
  }

  @Test
  void appendingTrimsEntriesOlderThanTheRetentionByTime() {
    byte[] key = bytes("kc:{a:trimmed}:log");
    Instant now = Instant.now();
    long old = now.minus(RETENTION).minus(Duration.ofDays(1)).toEpochMilli();
    // 300 entries received eight days ago (explicit ids = their receive times): several stream nodes.
    for (int i = 0; i < 300; i++) {
      redis.xadd(key, new XAddArgs().id(old + i + "-0"),
          Map.of(bytes("e"), entry("trimmed", "k" + i, Instant.ofEpochMilli(old + i)).toByteArray()));
    }
    assertThat(redis.xlen(key)).isEqualTo(300);

    join(log.append("trimmed", Optional.empty(), entry("trimmed", "fresh", now), now));

    // Whole nodes older than the retention are dropped (MINID ~); at most the last one survives.
    assertThat(redis.xlen(key)).isLessThan(150);
    assertThat(redis.xrange(key, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1)).get(0).getId())
        .isNotEqualTo(old + "-0");
    // Reading by time never returns what is past the retention, trimmed or not.
    var scan = join(log.scanBackward("trimmed", now.minus(RETENTION), Instant.ofEpochMilli(Long.MAX_VALUE / 2), Optional.empty(), 1000));
    assertThat(scan.entries()).singleElement().satisfies(e -> assertThat(e.getRequest().getKcid()).isEqualTo("fresh"));
  }

  @Test
  void aLengthCapBoundsALogWhateverTheAgeOfItsEntries() {
    RedisPostbackLog capped = new RedisPostbackLog(connector.commands(), RETENTION, 1000);
    for (int i = 0; i < 1500; i++) {
      var appended = capped.append("busy", Optional.empty(), entry("busy", "k" + i, Instant.now()), Instant.now());
      if (i % 200 == 0) {
        join(appended); // stay within the connection's request queue
      }
    }
    join(capped.append("busy", Optional.empty(), entry("busy", "last", Instant.now()), Instant.now()));
    // Approximate (whole nodes): a little above the cap at most, far below what was written.
    assertThat(redis.xlen(bytes("kc:{a:busy}:log"))).isBetween(1000L, 1200L);
  }

  @Test
  void aClickKeepsItsLatestAttemptsOnly() {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    for (int i = 0; i < RedisPostbackLog.ATTEMPTS_PER_CLICK + 20; i++) {
      log.append("looping", Optional.of(kcid), entry("looping", kcid.kcid(), Instant.now()).toBuilder()
          .setMessage("attempt " + i).build(), Instant.now());
    }
    join(log.append("looping", Optional.of(kcid), entry("looping", kcid.kcid(), Instant.now()).toBuilder()
        .setMessage("latest").build(), Instant.now()));
    List<PostbackLogEntry> attempts = join(log.attempts(kcid));
    assertThat(attempts).hasSize(RedisPostbackLog.ATTEMPTS_PER_CLICK);
    assertThat(attempts.get(0).getMessage()).isEqualTo("latest");
    assertThat(attempts.get(1).getMessage()).isEqualTo("attempt " + (RedisPostbackLog.ATTEMPTS_PER_CLICK + 19));
    assertThat(attempts.get(RedisPostbackLog.ATTEMPTS_PER_CLICK - 1).getMessage()).isEqualTo("attempt 21");
  }

  @Test
  void attemptsAnOlderServerListedAreReadAfterTheNewOnes() {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    // Before attempts became the state hash's field l, they were a list kc:{p}:pl:<kcid>.
    String older = join(log.append("legacy", Optional.empty(), entry("legacy", kcid.kcid(), Instant.now()).toBuilder()
        .setMessage("older").build(), Instant.now()));
    String oldest = join(log.append("legacy", Optional.empty(), entry("legacy", kcid.kcid(), Instant.now()).toBuilder()
        .setMessage("oldest").build(), Instant.now()));
    redis.rpush(legacyKey(kcid), bytes("legacy|" + older), bytes("legacy|" + oldest));
    redis.pexpire(legacyKey(kcid), RETENTION.toMillis());
    join(log.append("legacy", Optional.of(kcid), entry("legacy", kcid.kcid(), Instant.now()).toBuilder()
        .setMessage("newer").build(), Instant.now()));

    assertThat(join(log.attempts(kcid))).extracting(PostbackLogEntry::getMessage).containsExactly("newer", "older", "oldest");
    assertThat(redis.llen(legacyKey(kcid))).as("no longer written").isEqualTo(2);
  }

  @Test
  void anAttemptNeverShortensTheLifeOfTheClicksState() {
    DecodedKcid kcid = codec.decode(codec.mintRandomPartition(Instant.now()));
    // A converted click's dedupe state may be kept longer than the postback log.
    long longer = RETENTION.multipliedBy(3).toMillis();
    redis.hset(stateKey(kcid), bytes("n"), bytes("1"));
    redis.pexpire(stateKey(kcid), longer);

    join(log.append("legacy", Optional.of(kcid), entry("legacy", kcid.kcid(), Instant.now()), Instant.now()));

    assertThat(redis.pttl(stateKey(kcid))).isGreaterThan(RETENTION.toMillis()).isLessThanOrEqualTo(longer);
    assertThat(redis.hget(stateKey(kcid), bytes("n"))).isEqualTo(bytes("1"));
    assertThat(join(log.attempts(kcid))).hasSize(1);
  }

  @Test
  void appendsThatArriveTogetherGoInFewCallsAndKeepTheirOrderPerLogAndPerClick() {
    List<DecodedKcid> kcids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      kcids.add(codec.decode(codec.mintRandomPartition(Instant.now())));
    }
    List<String> accounts = List.of("batch-a", "batch-b", "batch-c");
    long calls = evalshaCalls();
    List<CompletionStage<String>> appended = new ArrayList<>();
    int n = 300;
    for (int i = 0; i < n; i++) {
      // A click's attempts are in its owner's log (only the owner's credentials log attempts on it).
      DecodedKcid kcid = kcids.get(i % kcids.size());
      String account = accounts.get(i % kcids.size() % accounts.size());
      appended.add(log.append(account, Optional.of(kcid), entry(account, kcid.kcid(), Instant.now()).toBuilder()
          .setMessage(Integer.toString(i)).build(), Instant.now()));
    }
    appended.forEach(RedisPostbackLogTest::join);
    // Unbatched, each append is two script calls (its log's, its click's): 600 here.
    assertThat(evalshaCalls() - calls).isLessThan(n);

    for (String account : accounts) {
      var entries = join(log.scanForward(account, Instant.now().minusSeconds(60), Instant.now().plusSeconds(60),
          Optional.empty(), 1000)).entries();
      assertThat(entries).hasSizeGreaterThanOrEqualTo(n / kcids.size());
      List<Integer> order = entries.stream().map(e -> Integer.parseInt(e.getMessage())).toList();
      assertThat(order).as(account).isSorted();
    }
    for (DecodedKcid kcid : kcids) {
      List<Integer> attempts = join(log.attempts(kcid)).stream().map(e -> Integer.parseInt(e.getMessage())).toList();
      assertThat(attempts).hasSize(n / kcids.size());
      List<Integer> oldestFirst = new ArrayList<>(attempts);
      java.util.Collections.reverse(oldestFirst);
      assertThat(oldestFirst).as("newest first").isSorted();
    }
  }

  @Test
  void aLogThatCannotBeWrittenFailsItsOwnAppendsOnlyNotTheOthersOfItsBatch() {
    // Two logs in the same lane, so their appends share calls: one of them is not a stream.
    String broken = "lane-broken";
    String fine = "lane-fine-0";
    for (int i = 1; Math.floorMod(fine.hashCode(), RedisPostbackLog.APPEND_LANES)
        != Math.floorMod(broken.hashCode(), RedisPostbackLog.APPEND_LANES); i++) {
      fine = "lane-fine-" + i;
    }
    redis.set(bytes("kc:{a:" + broken + "}:log"), bytes("not a stream"));
    List<CompletionStage<String>> good = new ArrayList<>();
    List<CompletionStage<String>> bad = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      bad.add(log.append(broken, Optional.empty(), entry(broken, "k", Instant.now()), Instant.now()));
      good.add(log.append(fine, Optional.empty(), entry(fine, "k", Instant.now()), Instant.now()));
    }
    for (var stage : bad) {
      assertThat(stage.toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
          .withThrowableThat().withMessageContaining("WRONGTYPE");
    }
    good.forEach(RedisPostbackLogTest::join);
    assertThat(redis.xlen(bytes("kc:{a:" + fine + "}:log"))).isEqualTo(50);
  }

  private static long evalshaCalls() {
    String stats = redis.info("commandstats");
    var m = java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static byte[] stateKey(DecodedKcid kcid) {
    return bytes("kc:{" + kcid.partition() + "}:x:" + kcid.kcid());
  }

  private static byte[] legacyKey(DecodedKcid kcid) {
    return bytes("kc:{" + kcid.partition() + "}:pl:" + kcid.kcid());
  }

  @Test
  void scansPageThroughARangeInBothDirectionsWithoutOverlap() {
    Instant start = Instant.now();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(join(log.append("pager", Optional.empty(), entry("pager", "k" + i, Instant.now()), Instant.now())));
    }
    Instant end = Instant.ofEpochMilli(Long.MAX_VALUE / 2);
    List<String> backward = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    PostbackLog.Scan scan;
    do {
      scan = join(log.scanBackward("pager", start.minusSeconds(1), end, cursor, 10));
      scan.entries().forEach(e -> backward.add(e.getLogId()));
      cursor = scan.entries().isEmpty() ? cursor : Optional.of(scan.entries().get(scan.entries().size() - 1).getLogId());
    } while (!scan.exhausted());
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertThat(backward).containsExactlyElementsOf(newestFirst);

    List<String> forward = new ArrayList<>();
    cursor = Optional.empty();
    do {
      scan = join(log.scanForward("pager", start.minusSeconds(1), end, cursor, 7));
      scan.entries().forEach(e -> forward.add(e.getLogId()));
      cursor = scan.entries().isEmpty() ? cursor : Optional.of(scan.entries().get(scan.entries().size() - 1).getLogId());
    } while (!scan.exhausted());
    assertThat(forward).containsExactlyElementsOf(ids);

    // The end of a range is exclusive, its start inclusive.
    long firstMs = StreamIds.millis(ids.get(0));
    assertThat(join(log.scanForward("pager", Instant.ofEpochMilli(firstMs), Instant.ofEpochMilli(firstMs), Optional.empty(), 100))
        .entries()).isEmpty();
    assertThat(join(log.scanForward("pager", Instant.ofEpochMilli(firstMs), Instant.ofEpochMilli(firstMs + 1), Optional.empty(), 100))
        .entries()).extracting(PostbackLogEntry::getLogId).contains(ids.get(0));
  }
}
