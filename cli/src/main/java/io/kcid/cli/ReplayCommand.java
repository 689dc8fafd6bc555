package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid replay}: re-run rejected postbacks once the account's configuration is fixed. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Re-run rejected postbacks from the log (after fixing the account's setup). Only what an"
        + " authenticated sender sent and the account's own setup refused is replayed; the rest is listed"
        + " as skipped, with why. Try --dry-run first.")
final class ReplayCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--account", required = true, description = "Account id.")
  String account;

  @ArgGroup(multiplicity = "1")
  Selection selection;

  static final class Selection {
    @Option(names = "--id", arity = "1..*", required = true, description = "Log ids (from ./kcid postbacks).")
    List<String> ids;

    @Option(names = "--since", required = true,
        description = "Every rejected postback of the last 90s, 15m, 12h, 7d …")
    String since;
  }

  @Option(names = "--reason", description = "With --since: only postbacks rejected for this reason, e.g. GOAL_PAUSED.")
  String reason;

  @Option(names = "--dry-run", description = "Say what would happen; write nothing.")
  boolean dryRun;

  @Override
  public void run() {
    ReplayPostbacksRequest.Builder request = ReplayPostbacksRequest.newBuilder().setAccountId(account).setDryRun(dryRun);
    if (selection.ids != null) {
      if (reason != null) {
        throw new CliException("--reason goes with --since, not with --id");
      }
      request.addAllLogIds(selection.ids);
    } else {
      Instant start = Instant.now().minus(Durations.parse(selection.since));
      request.setStartTime(Timestamp.newBuilder().setSeconds(start.getEpochSecond()).setNanos(start.getNano()))
          .setPageSize(1000);
      if (reason != null) {
        request.setReason(LogFormat.parseReason(reason));
      }
    }
    Output out = new Output(grpc.output, Output.items("results"), "log_id");
    try (GrpcOptions channel = grpc) {
      List<ReplayedPostback> results = new ArrayList<>();
      String token = "";
      do {
        ReplayPostbacksResponse page = grpc.diagnostics().replayPostbacks(request.setPageToken(token).build());
        results.addAll(page.getResultsList());
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      out.print(ReplayPostbacksResponse.newBuilder().addAllResults(results).setDryRun(dryRun), () -> table(results));
    }
  }

  /** The lines for people: one per replayed postback, then the counts by outcome. */
  private void table(List<ReplayedPostback> results) {
    if (results.isEmpty()) {
      System.out.println("no rejected postbacks to replay");
      return;
    }
    Map<String, Integer> counts = new TreeMap<>();
    for (ReplayedPostback r : results) {
      String outcome = outcome(r.getOutcome());
      counts.merge(outcome, 1, Integer::sum);
      System.out.printf("%-18s  %-32s  %-28s -> %s %s%n", r.getLogId(), r.getKcid().isEmpty() ? "-" : r.getKcid(),
          LogFormat.reason(r.getOriginalReason()), Colour.word(outcome, 9),
          (r.getReason() == ErrorReason.ERROR_REASON_UNSPECIFIED ? "" : ErrorReasons.shortName(r.getReason()) + ": ")
              + r.getMessage());
    }
    System.out.println((dryRun ? "dry run, nothing written: " : "") + counts.entrySet().stream()
        .map(e -> e.getValue() + " " + (dryRun && e.getKey().equals("accepted") ? "would be accepted" : e.getKey()))
        .reduce((a, b) -> a + ", " + b).orElse(""));
  }

  private static String outcome(ReplayOutcome o) {
    return CliWords.enumWord(o.getValueDescriptor());
  }
}
