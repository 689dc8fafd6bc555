package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.RefusalCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid postbacks --account A}: the postback log, newest first. */
@Command(name = "postbacks", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid postbacks --account acme --since 1h",
      "  ./kcid postbacks --account acme --outcome rejected --reason GOAL_PAUSED",
      "  ./kcid postbacks --unattributed"},
    description = "List the postbacks an account received (accepted, duplicate, rejected), newest first.")
final class PostbacksCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @ArgGroup(multiplicity = "1")
  Whose whose;

  static final class Whose {
    @Option(names = "--account", required = true, description = "Account id.")
    String account;

    @Option(names = "--unattributed", required = true,
        description = "Postbacks no account could be found for (bad token, unknown click).")
    boolean unattributed;
  }

  @Option(names = "--unauthenticated",
      description = "With --account: the postbacks refused for who sent them (no or bad token or signature,"
          + " IP not allowed, another account's token on its click). Anyone can send those, so"
          + " they are kept apart from the account's log: a sample (a few a second, at most about 1000) and"
          + " counts by reason.")
  boolean unauthenticated;

  @Option(names = "--since", description = "Only the last 90s, 15m, 12h, 7d … Default: the whole log.")
  String since;

  @Option(names = "--kcid", description = "Only postbacks for this kcid (also a malformed one, e.g. '{kcid}').")
  String kcid;

  @Option(names = "--outcome", description = "accepted | duplicate | rejected | unknown.")
  String outcome;

  @Option(names = "--reason", description = "Only this reason, e.g. GOAL_PAUSED.")
  String reason;

  @Option(names = "--limit", defaultValue = "50", description = "Show at most this many. Default: ${DEFAULT-VALUE}")
  int limit;

  @Override
  public void run() {
    if (limit < 1) {
      throw new CliException("--limit must be at least 1");
    }
    if (unauthenticated && whose.unattributed) {
      throw new CliException("--unauthenticated goes with --account (the unattributed log holds only such postbacks)");
    }
    ListPostbacksRequest.Builder request = ListPostbacksRequest.newBuilder().setUnauthenticated(unauthenticated);
    if (whose.unattributed) {
      request.setUnattributed(true);
    } else {
      request.setAccountId(whose.account);
    }
    if (since != null) {
      Instant start = Instant.now().minus(Durations.parse(since));
      request.setStartTime(Timestamp.newBuilder().setSeconds(start.getEpochSecond()).setNanos(start.getNano()));
    }
    if (kcid != null) {
      request.setKcid(kcid);
    }
    if (outcome != null) {
      request.setOutcome(LogFormat.parseOutcome(outcome));
    }
    if (reason != null) {
      request.setReason(LogFormat.parseReason(reason));
    }
    Output out = new Output(grpc.output, Output.items("entries"), "log_id");
    try (GrpcOptions channel = grpc;
        Progress progress = Progress.start("reading the log", "listed", "postbacks", 0, grpc.output.forScripts())) {
      List<PostbackLogEntry> entries = new ArrayList<>();
      List<RefusalCount> counts = new ArrayList<>();
      String token = "";
      do {
        ListPostbacksResponse page = grpc.diagnostics().listPostbacks(request
            .setPageSize(Math.min(1000, limit - entries.size())).setPageToken(token).build());
        entries.addAll(page.getEntriesList());
        if (token.isEmpty()) {
          counts.addAll(page.getRefusalCountsList());
        }
        token = page.getNextPageToken();
        progress.add(page.getEntriesCount());
        progress.show();
      } while (!token.isEmpty() && entries.size() < limit && !progress.stopRequested());
      progress.clear();
      String next = token;
      out.print(ListPostbacksResponse.newBuilder().addAllEntries(entries).setNextPageToken(token)
          .addAllRefusalCounts(counts), () -> table(entries, counts, next));
    }
  }

  private void table(List<PostbackLogEntry> entries, List<RefusalCount> counts, String token) {
    if (entries.isEmpty()) {
      System.out.println(unauthenticated ? "no unauthenticated refusals sampled" : "no postbacks");
    } else {
      if (unauthenticated) {
        System.out.println("unauthenticated refusals (a sample, newest first):");
      }
      LogFormat.header();
      entries.forEach(LogFormat::row);
      if (!token.isEmpty()) {
        System.out.println("… more: raise --limit or narrow with --since, --kcid, --outcome, --reason");
      }
    }
    if (!counts.isEmpty()) {
      long total = counts.stream().mapToLong(RefusalCount::getCount).sum();
      String byReason = counts.stream().map(c -> LogFormat.reason(c.getReason()) + " " + c.getCount())
          .collect(java.util.stream.Collectors.joining(", "));
      System.out.println("unauthenticated refusals in this period (counted by the hour): " + total + " (" + byReason + ")"
          + (unauthenticated || whose.unattributed ? "" : "; kept apart from this log, see --unauthenticated"));
    }
  }
}
