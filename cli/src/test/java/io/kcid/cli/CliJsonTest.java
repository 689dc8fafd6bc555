package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RefusalCount;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.proto.tracking.v1.StatsDimension;
import org.junit.jupiter.api.Test;

/** The CLI's JSON vocabulary (issue #19): the same words as its flags and tables. */
class CliJsonTest {
  @Test
  void enumsReadAsTheFlagsSpellThem() {
    assertThat(CliWords.enumWord(CountingMode.COUNTING_MODE_EVERY_POSTBACK.getValueDescriptor())).isEqualTo("every-postback");
    assertThat(CliWords.enumWord(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK.getValueDescriptor()))
        .isEqualTo("unique-transaction");
    assertThat(CliWords.enumWord(SecretKind.SECRET_KIND_POSTBACK_SIGNING_SECRET.getValueDescriptor())).isEqualTo("signing-secret");
    assertThat(CliWords.enumWord(StatsDimension.STATS_DIMENSION_SUB_ID_1.getValueDescriptor())).isEqualTo("sub1");
    assertThat(CliWords.enumWord(ErrorReason.ERROR_REASON_GOAL_PAUSED.getValueDescriptor())).isEqualTo("GOAL_PAUSED");
    assertThat(CliWords.enumWord(CountingMode.COUNTING_MODE_UNSPECIFIED.getValueDescriptor())).isNull();
    // Every value the flags accept reads back as itself.
    for (String flag : java.util.List.of("once-per-click", "every-postback", "unique-transaction", "unique-transaction-per-account")) {
      assertThat(CliWords.enumWord(GoalCommand.counting(flag).getValueDescriptor())).isEqualTo(flag);
    }
  }

  @Test
  void durationsAndTimesReadAsTheFlagsTakeThem() {
    assertThat(CliWords.duration(seconds(30 * 86_400))).isEqualTo("30d");
    assertThat(CliWords.duration(seconds(12 * 3600))).isEqualTo("12h");
    assertThat(CliWords.duration(seconds(45 * 60))).isEqualTo("45m");
    assertThat(CliWords.duration(seconds(90))).isEqualTo("90s");
    assertThat(CliWords.duration(seconds(0))).isEqualTo("0s");
    assertThat(CliWords.duration(Duration.newBuilder().setSeconds(1).setNanos(500_000_000).build())).isEqualTo("1.5s");
    for (String flag : java.util.List.of("30d", "12h", "45m", "90s")) {
      assertThat(CliWords.duration(seconds(Durations.parse(flag).getSeconds()))).isEqualTo(flag);
    }
    assertThat(CliWords.time(Timestamp.newBuilder().setSeconds(1_796_313_600L).build())).isEqualTo("2026-12-03T16:00:00Z");
  }

  @Test
  void messagesUseSnakeCaseKeysAndNumbers() {
    JsonNode goal = CliJson.object(Goal.newBuilder().setGoalKey("sale")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK)
        .setAttributionWindow(seconds(30 * 86_400))
        .setDefaultValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("EUR")).build());
    assertThat(goal.get("goal_key").asText()).isEqualTo("sale");
    assertThat(goal.get("counting_mode").asText()).isEqualTo("every-postback");
    assertThat(goal.get("attribution_window").asText()).isEqualTo("30d");
    assertThat(goal.at("/default_value/amount").asText()).isEqualTo("12.50");
    assertThat(goal.at("/default_value/currency_code").asText()).isEqualTo("EUR");
    assertThat(goal.get("state").isNull()).isTrue();
    assertThat(goal.get("allow_negative_value").asBoolean()).isFalse();
    assertThat(goal.has("create_time")).as("an unset message is left out").isFalse();
    JsonNode count = CliJson.object(RefusalCount.newBuilder().setCount(5).build());
    assertThat(count.get("count").isIntegralNumber()).isTrue();
    assertThat(CliJson.print(count)).contains("\"count\":5");
  }

  @Test
  void aRetryOrReplayThatMetADuplicateSaysSo() {
    // A retry logged by an older server as its first answer (accepted) wrote nothing: a duplicate (retry).
    PostbackLogEntry retry = PostbackLogEntry.newBuilder()
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).setRepeatedRequest(true).build();
    assertThat(CliJson.object(retry).get("outcome").asText()).isEqualTo("duplicate");
    assertThat(CliJson.object(retry).get("retry").asBoolean()).isTrue();
    assertThat(CliJson.object(retry).get("replay").asBoolean()).isFalse();
    PostbackLogEntry replay = PostbackLogEntry.newBuilder().setOutcome(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE)
        .setReason(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION).setReplayOf("1-0").build();
    assertThat(CliJson.object(replay).get("outcome").asText()).isEqualTo("duplicate");
    assertThat(CliJson.object(replay).get("replay").asBoolean()).isTrue();
    assertThat(CliJson.object(replay).get("retry").asBoolean()).isFalse();
    assertThat(CliJson.object(replay).get("reason").asText()).isEqualTo("DUPLICATE_CONVERSION");
    // A retry of a refused postback stays rejected, as in the table.
    PostbackLogEntry refusedRetry = PostbackLogEntry.newBuilder().setOutcome(PostbackOutcome.POSTBACK_OUTCOME_REJECTED)
        .setRepeatedRequest(true).build();
    assertThat(CliJson.object(refusedRetry).get("outcome").asText()).isEqualTo("rejected");
    assertThat(CliJson.object(refusedRetry).get("retry").asBoolean()).isFalse();
    PostbackLogEntry plain = PostbackLogEntry.newBuilder().setOutcome(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE).build();
    assertThat(CliJson.object(plain).get("replay").asBoolean()).isFalse();
    assertThat(CliJson.object(plain).get("retry").asBoolean()).isFalse();
  }

  @Test
  void rowsFlattenToDottedColumns() {
    JsonNode entry = CliJson.object(PostbackLogEntry.newBuilder().setLogId("1-0")
        .setRequest(io.kcid.proto.tracking.v1.RecordConversionRequest.newBuilder().setKcid("k")
            .setValue(Money.newBuilder().setAmount("1,5").setCurrencyCode("EUR"))).build());
    assertThat(Output.flatten(entry)).containsEntry("log_id", "1-0").containsEntry("request.kcid", "k")
        .containsEntry("request.value.amount", "1,5");
    assertThat(Output.text(Output.at(entry, "request.value"))).isEqualTo("{\"amount\":\"1,5\",\"currency_code\":\"EUR\"}");
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  void colourOnlyOnATerminalWithoutNoColor() {
    assertThat(Colour.enabled(null, true)).isTrue();
    assertThat(Colour.enabled("", true)).isTrue();
    assertThat(Colour.enabled("1", true)).isFalse();
    assertThat(Colour.enabled(null, false)).isFalse();
    // Tests print to a pipe: plain words, padded.
    assertThat(Colour.word("accepted", 9)).isEqualTo("accepted ");
  }
}
