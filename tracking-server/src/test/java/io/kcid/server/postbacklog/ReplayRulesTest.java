package io.kcid.server.postbacklog;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.server.postback.SenderRefusals;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The replay table: what a replay may re-run, and why not otherwise. */
class ReplayRulesTest {
  private static PostbackLogEntry entry(ErrorReason reason, boolean authenticated) {
    return PostbackLogEntry.newBuilder().setOutcome(PostbackOutcome.POSTBACK_OUTCOME_REJECTED).setReason(reason)
        .setAuthenticated(authenticated).build();
  }

  @Test
  void aRefusalAboutTheSenderIsNeverReplayedEvenWhenLoggedAsAuthenticated() {
    for (ErrorReason reason : SenderRefusals.reasons()) {
      assertThat(ReplayRules.notReplayable(entry(reason, true))).as("%s", reason).get().asString().contains("who sent it");
      assertThat(ReplayRules.notReplayable(entry(reason, false))).as("%s", reason).isPresent();
    }
    assertThat(ReplayRules.REPLAYABLE).doesNotContainAnyElementsOf(SenderRefusals.reasons());
  }

  @Test
  void onlyTheAccountsSetupReasonsOfAnAuthenticatedSenderAreReplayed() {
    for (ErrorReason reason : ReplayRules.REPLAYABLE) {
      assertThat(ReplayRules.notReplayable(entry(reason, true))).as("%s", reason).isEmpty();
      assertThat(ReplayRules.notReplayable(entry(reason, false))).as("%s", reason).get().asString()
          .contains("never authenticated");
    }
    EnumSet<ErrorReason> rest = EnumSet.allOf(ErrorReason.class);
    rest.remove(ErrorReason.UNRECOGNIZED);
    rest.removeAll(ReplayRules.REPLAYABLE);
    for (ErrorReason reason : rest) {
      assertThat(ReplayRules.notReplayable(entry(reason, true))).as("%s", reason).isPresent();
    }
  }
}
