package io.kcid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import org.junit.jupiter.api.Test;

class PostbackOutcomesTest {
  private static PostbackLogEntry.Builder entry(PostbackOutcome outcome) {
    return PostbackLogEntry.newBuilder().setLogId("1-0").setOutcome(outcome);
  }

  @Test
  void outcomesReadInTheClisWords() {
    assertThat(PostbackOutcomes.name(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED)).isEqualTo("accepted");
    assertThat(PostbackOutcomes.name(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE)).isEqualTo("duplicate");
    assertThat(PostbackOutcomes.name(PostbackOutcome.POSTBACK_OUTCOME_REJECTED)).isEqualTo("rejected");
    assertThat(PostbackOutcomes.name(PostbackOutcome.POSTBACK_OUTCOME_UNKNOWN)).isEqualTo("unknown");
    assertThat(PostbackOutcomes.label(entry(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).build())).isEqualTo("accepted");
    assertThat(PostbackOutcomes.label(entry(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE)
        .setReason(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION).build())).isEqualTo("duplicate");
  }

  @Test
  void aReplayThatMetADuplicateSaysSo() {
    PostbackLogEntry byAnotherPostback = entry(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE).setReplayOf("5-0")
        .setReason(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION).build();
    PostbackLogEntry replayedTwice = entry(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE).setReplayOf("5-0")
        .setRepeatedRequest(true).build();
    assertThat(PostbackOutcomes.label(byAnotherPostback)).isEqualTo("duplicate (replay)");
    assertThat(PostbackOutcomes.label(replayedTwice)).isEqualTo("duplicate (replay)");
    assertThat(PostbackOutcomes.duplicateReplay(replayedTwice)).isTrue();
    assertThat(PostbackOutcomes.duplicateRetry(replayedTwice)).isFalse();
    assertThat(PostbackOutcomes.label(entry(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).setReplayOf("5-0").build()))
        .isEqualTo("accepted");
  }

  @Test
  void aRetryWithTheSameRequestIdIsADuplicateRetry() {
    PostbackLogEntry retry = entry(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE).setRepeatedRequest(true).build();
    assertThat(PostbackOutcomes.label(retry)).isEqualTo("duplicate (retry)");
    assertThat(PostbackOutcomes.duplicateRetry(retry)).isTrue();
    // A retry of a refused postback was refused again: it stays a rejection.
    assertThat(PostbackOutcomes.label(entry(PostbackOutcome.POSTBACK_OUTCOME_REJECTED).setRepeatedRequest(true).build()))
        .isEqualTo("rejected");
  }

  @Test
  void entriesLoggedBeforeRepeatsWereDuplicatesReadAsDuplicates() {
    PostbackLogEntry oldReplay = entry(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).setReplayOf("5-0").setRepeatedRequest(true).build();
    PostbackLogEntry oldRetry = entry(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).setRepeatedRequest(true).build();
    assertThat(PostbackOutcomes.outcome(oldReplay)).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE);
    assertThat(PostbackOutcomes.label(oldReplay)).isEqualTo("duplicate (replay)");
    assertThat(PostbackOutcomes.label(oldRetry)).isEqualTo("duplicate (retry)");
  }
}
