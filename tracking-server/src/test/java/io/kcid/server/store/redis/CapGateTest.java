package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.conversion.CapGate;
import io.kcid.server.conversion.RecordPlan;
import io.kcid.server.store.CapMark;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cap gate around the real record script, standalone and Cluster: the retry of a conversion
 * whose first answer was lost settles the first reservation (found by the token kept on the
 * conversion), a duplicate of a conversion recorded before the cap gives its place back, and so
 * does a refusal.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class CapGateTest {
  private static final KcidCodec CODEC = new KcidCodec(KcidKeyRing.generate(1), 16);
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();

  @Parameter Topology topology;

  private static TestRedis redis;
  private static RedisConnector connector;
  private static RedisClickStore clicks;
  private static RedisConversionStore conversions;
  private static RedisCapCounters counters;
  private static CapGate gate;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 1000);
    clicks = new RedisClickStore(connector.commands());
    conversions = new RedisConversionStore(connector.commands(), 10_000);
    counters = new RedisCapCounters(connector.commands());
    gate = new CapGate(clicks, counters, conversions);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    connector.close();
    redis.close();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static Account account(long max) {
    return Account.newBuilder().setAccountId("gate" + ACCOUNTS.incrementAndGet()).setTimeZone("UTC")
        .addConversionCaps(ConversionCap.newBuilder().setCapId("c").setGoalKey("purchase")
            .setPeriod(CapPeriod.CAP_PERIOD_LIFETIME).setMaxConversions(max)
            .setEffectiveFrom(Timestamp.newBuilder().setSeconds(1)))
        .build();
  }

  private static DecodedKcid click(Account account, boolean stored) {
    DecodedKcid kcid = CODEC.decode(CODEC.mintRandomPartition(Instant.now()));
    if (stored) {
      join(clicks.insert(kcid, account.getAccountId(),
          Click.newBuilder().setCampaignId("spring").setDestinationUrl("https://a.example/").build(), Duration.ofHours(1)));
    }
    return kcid;
  }

  private static RecordPlan plan(Account account, DecodedKcid kcid) {
    Instant now = Instant.now();
    RecordCommand command = new RecordCommand(kcid, account.getAccountId(), "purchase",
        CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "fp",
        Conversion.newBuilder().setAccountId(account.getAccountId()).setGoalKey("purchase").build().toByteArray(),
        Money.newBuilder().setAmount("1").setCurrencyCode("USD").build(),
        ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, ConversionStatus.CONVERSION_STATUS_APPROVED, Set.of(),
        List.of(), false, now, Duration.ofHours(1), Duration.ofHours(2), now, 0);
    return new RecordPlan(Goal.newBuilder().setGoalKey("purchase").build(), CountingMode.COUNTING_MODE_ONCE_PER_CLICK,
        command, Conversion.getDefaultInstance(), Duration.ofHours(1), now);
  }

  /** Reserve, record, finish: what the recorder does. */
  private static RecordResult attempt(Account account, RecordPlan plan) {
    CapGate.Ticket ticket = join(gate.reserve(account, plan));
    RecordResult result = join(conversions.record(CapGate.capped(plan, ticket).command(), ticket.mark()));
    return join(gate.finish(ticket, result));
  }

  private static long used(Account account) {
    return join(counters.used(account.getAccountId(), Map.of("c", "l"))).get("c");
  }

  @Test
  void aRetryAfterALostAnswerSettlesTheFirstReservation() {
    Account account = account(2);
    RecordPlan plan = plan(account, click(account, true));
    // The first attempt is recorded but its answer is lost: nobody settles.
    CapGate.Ticket first = join(gate.reserve(account, plan));
    assertThat(join(conversions.record(plan.command(), first.mark())).code()).isEqualTo(RecordResult.Code.ACCEPTED);
    assertThat(used(account)).isEqualTo(1);
    // Its retry finds the conversion recorded with its token: settled, counted once.
    assertThat(attempt(account, plan).code()).isEqualTo(RecordResult.Code.DUPLICATE_GOAL);
    assertThat(attempt(account, plan).code()).isEqualTo(RecordResult.Code.DUPLICATE_GOAL);
    assertThat(used(account)).isEqualTo(1);
    assertThat(attempt(account, plan(account, click(account, true))).code()).isEqualTo(RecordResult.Code.ACCEPTED);
    assertThat(used(account)).isEqualTo(2);
    RecordResult over = attempt(account, plan(account, click(account, true)));
    assertThat(over.code()).isEqualTo(RecordResult.Code.ACCEPTED);
    assertThat(used(account)).isEqualTo(2);
  }

  @Test
  void aDuplicateOfAConversionRecordedBeforeTheCapAndARefusalGiveThePlaceBack() {
    Account account = account(5);
    RecordPlan early = plan(account, click(account, true));
    assertThat(join(conversions.record(early.command(), CapMark.NONE)).code()).isEqualTo(RecordResult.Code.ACCEPTED);
    assertThat(attempt(account, early).code()).isEqualTo(RecordResult.Code.DUPLICATE_GOAL);
    assertThat(used(account)).isZero();
    // No click: the record refuses it, the place is released.
    assertThat(attempt(account, plan(account, click(account, false))).code())
        .isEqualTo(RecordResult.Code.CLICK_NOT_FOUND);
    assertThat(used(account)).isZero();
    assertThat(attempt(account, plan(account, click(account, true))).code()).isEqualTo(RecordResult.Code.ACCEPTED);
    assertThat(used(account)).isEqualTo(1);
  }
}
