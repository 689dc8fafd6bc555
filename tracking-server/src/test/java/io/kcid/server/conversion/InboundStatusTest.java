package io.kcid.server.conversion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.StoredSecrets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a postback's status word becomes a status: the account's map, kcid's words, ignore-status. */
class InboundStatusTest {
  private static final Account MAPPED = Account.newBuilder().setAccountId("acc")
      .putStatusMap("sale", ConversionStatus.CONVERSION_STATUS_APPROVED)
      .putStatusMap("1", ConversionStatus.CONVERSION_STATUS_PENDING)
      .putStatusMap("pending", ConversionStatus.CONVERSION_STATUS_APPROVED)
      .build();

  private static ConversionStatus requested(Account account, RecordConversionRequest.Builder request) {
    return InboundStatus.requested(account, request.build());
  }

  private static RecordConversionRequest.Builder word(String word) {
    return RecordConversionRequest.newBuilder().setStatusWord(word);
  }

  @Test
  void aWordIsLookedUpTrimmedAndInLowerCaseMapFirst() {
    assertThat(requested(MAPPED, word(" SALE "))).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(requested(MAPPED, word("1"))).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    // The map overrides kcid's own word; the others keep working.
    assertThat(requested(MAPPED, word("Pending"))).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(requested(MAPPED, word("rejected"))).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    // The word decides over the enum a gRPC sender set beside it.
    assertThat(requested(MAPPED, word("sale").setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED)))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(requested(MAPPED, word("   "))).isEqualTo(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED);
  }

  @Test
  void withoutAWordTheEnumAsSentApplies() {
    assertThat(requested(MAPPED, RecordConversionRequest.newBuilder().setStatus(ConversionStatus.CONVERSION_STATUS_PENDING)))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
  }

  @Test
  void anUnmappedWordNamesTheWordAndTheMap() {
    assertThatThrownBy(() -> requested(MAPPED, word("Billed")))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_STATUS_NOT_MAPPED);
          assertThat(e.metadata()).containsEntry("statusWord", "billed").containsEntry("statusMap", "1,pending,sale");
          assertThat(e.getMessage()).contains("'billed'", "[1,pending,sale]");
        });
    Account none = Account.newBuilder().setAccountId("plain").build();
    assertThatThrownBy(() -> requested(none, word("sale")))
        .isInstanceOfSatisfying(KcidException.class, e -> assertThat(e.getMessage()).contains("no words"));
  }

  @Test
  void aWordNoMapCouldHoldIsInvalid() {
    for (String bad : new String[] {"x".repeat(65), "sa\u0000le"}) {
      assertThatThrownBy(() -> requested(MAPPED, word(bad)))
          .isInstanceOfSatisfying(KcidException.class,
              e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_STATUS));
    }
  }

  @Test
  void anAccountThatIgnoresStatusesTakesTheDefault() {
    Account ignoring = MAPPED.toBuilder().setIgnoreStatus(true).build();
    assertThat(requested(ignoring, word("billed"))).isEqualTo(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED);
    assertThat(requested(ignoring, RecordConversionRequest.newBuilder().setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED)))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED);
  }

  @Test
  void aRequestIdFingerprintsAWordOnlyWhenItSaysMoreThanTheEnum() {
    Instant click = Instant.parse("2026-01-10T12:00:00Z");
    DecodedKcid kcid = new DecodedKcid("k".repeat(32), 1, click, 3, 0, 42L);
    Goal goal = Goal.newBuilder().setAccountId("acc").setGoalKey("default").setState(GoalState.GOAL_STATE_ACTIVE).build();
    AccountRecord account = new AccountRecord(
        MAPPED.toBuilder().setDefaultGoalKey("default").build(),
        new StoredSecrets("", "", null, "", "", null, "", "", null), Map.of("default", goal));
    java.util.function.Function<RecordConversionRequest.Builder, String> fingerprint = r -> ConversionRules.plan(
        account, kcid, r.setKcid(kcid.kcid()).setRequestId("r-1").build(), "r-1", click.plus(Duration.ofHours(1)))
        .command().fingerprint();
    String enumOnly = fingerprint.apply(RecordConversionRequest.newBuilder().setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED));
    assertThat(fingerprint.apply(word("Rejected").setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED))).isEqualTo(enumOnly);
    assertThat(fingerprint.apply(word("sale"))).isNotEqualTo(fingerprint.apply(word("1")));
  }
}
