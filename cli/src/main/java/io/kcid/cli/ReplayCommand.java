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
    footer = {
      "%nExamples:",
      "  ./kcid replay --account acme --since 1h --reason GOAL_PAUSED --dry-run",
      "  ./kcid replay --account acme --id \"$LOG_ID\""},
    description = "Re-run rejected postbacks from the log (after fixing the account's setup). Only what an"
        + " authenticated sender sent and the account's own setup refused is replayed; the rest is listed"
        + " as skipped, with why. Try --dry-run first.")
final class ReplayCommand implements Runnable {
  /** Postbacks per call: small enough for the progress to move and for Ctrl-C to stop soon. */
  static final int PAGE = 100;

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
          .setPageSize(PAGE);
      if (reason != null) {
        request.setReason(LogFormat.parseReason(reason));
      }
    }
    List<String> ids = List.copyOf(request.getLogIdsList());
    Output out = new Output(grpc.output, Output.items("results"), "log_id");
    try (GrpcOptions channel = grpc;
        Progress progress = Progress.start(dryRun ? "checking (dry run)" : "replaying",
            dryRun ? "checked (dry run)" : "replayed", "postbacks", ids.size(), grpc.output.forScripts())) {
      List<ReplayedPostback> results = new ArrayList<>();
      if (!ids.isEmpty()) {
        // In slices, so that progress shows and Ctrl-C stops between calls; each id is replayed on its own anyway.
        for (int from = 0; from < ids.size() && !progress.stopRequested(); from += PAGE) {
          List<String> slice = ids.subList(from, Math.min(ids.size(), from + PAGE));
          ReplayPostbacksResponse page =
              grpc.diagnostics().replayPostbacks(request.clearLogIds().addAllLogIds(slice).build());
          count(progress, page, results);
        }
      } else {
        String token = "";
        do {
          ReplayPostbacksResponse page = grpc.diagnostics().replayPostbacks(request.setPageToken(token).build());
          count(progress, page, results);
          token = page.getNextPageToken();
        } while (!token.isEmpty() && !progress.stopRequested());
      }
      progress.clear();
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

  private static void count(Progress progress, ReplayPostbacksResponse page, List<ReplayedPostback> results) {
    results.addAll(page.getResultsList());
    page.getResultsList().forEach(r -> progress.add(outcome(r.getOutcome())));
    progress.show();
  }

  private static String outcome(ReplayOutcome o) {
    return CliWords.enumWord(o.getValueDescriptor());
  }
}
