package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.PostbackOutcomes;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredential;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the postback log reads on a terminal: one row per postback, UTC times, short names. */
final class LogFormat {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  /** The outcome column fits "duplicate (replay)". */
  private static final String ROW = "%-19s  %-18s  %-28s  %-32s  %-10s  %-12s  %-14s  %-12s  %-18s  %s%n";

  private LogFormat() {}

  static String time(Timestamp t) {
    return TIME.format(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
  }

  static String outcome(PostbackOutcome o) {
    return PostbackOutcomes.name(o);
  }

  /** The entry's outcome as it happened, e.g. {@code duplicate (replay)}: see {@link PostbackOutcomes#label}. */
  static String outcome(PostbackLogEntry e) {
    return PostbackOutcomes.label(e);
  }

  static String reason(ErrorReason r) {
    return r == ErrorReason.ERROR_REASON_UNSPECIFIED ? "-" : ErrorReasons.shortName(r);
  }

  static String credential(PostbackCredential c) {
    return c.name().replace("POSTBACK_CREDENTIAL_", "").replace('_', ' ').toLowerCase(Locale.ROOT);
  }

  static String value(RecordConversionRequest r) {
    return r.getValue().getAmount().isEmpty() ? "-" : r.getValue().getAmount() + " " + r.getValue().getCurrencyCode();
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }

  static void header() {
    System.out.printf(ROW, "received (UTC)", "outcome", "reason", "kcid", "goal", "value", "txid", "auth", "from", "log id");
  }

  static void row(PostbackLogEntry e) {
    RecordConversionRequest r = e.getRequest();
    System.out.printf(ROW, time(e.getReceiveTime()), outcome(e), reason(e.getReason()),
        orDash(r.getKcid()), orDash(r.getGoalKey()), value(r), orDash(r.getTransactionId()),
        credential(e.getCredential()) + (e.getReplayOf().isEmpty() ? "" : " " + e.getReplayOf()),
        orDash(e.getSourceNetwork()), e.getLogId());
  }

  /** Parses {@code rejected}, {@code accepted}, {@code duplicate} or {@code unknown}. */
  static PostbackOutcome parseOutcome(String text) {
    for (PostbackOutcome o : PostbackOutcome.values()) {
      if (o != PostbackOutcome.UNRECOGNIZED && o != PostbackOutcome.POSTBACK_OUTCOME_UNSPECIFIED
          && outcome(o).equals(text.trim().toLowerCase(Locale.ROOT))) {
        return o;
      }
    }
    throw new CliException("--outcome '" + text + "': expected accepted, duplicate, rejected or unknown");
  }

  /** Parses a reason as the API spells it ({@code GOAL_PAUSED}; any case). */
  static ErrorReason parseReason(String text) {
    ErrorReason reason = ErrorReasons.fromShortName(text.trim().toUpperCase(Locale.ROOT));
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED) {
      List<String> known = Arrays.stream(ErrorReason.values())
          .filter(r -> r != ErrorReason.UNRECOGNIZED && r != ErrorReason.ERROR_REASON_UNSPECIFIED)
          .map(ErrorReasons::shortName).toList();
      throw new CliException("--reason '" + text + "' is not a reason; known: " + known.stream().collect(Collectors.joining(", ")));
    }
    return reason;
  }
}
