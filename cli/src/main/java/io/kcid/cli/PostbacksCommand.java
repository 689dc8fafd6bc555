package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid postbacks --account A}: the postback log, newest first. */
@Command(name = "postbacks", mixinStandardHelpOptions = true,
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
    ListPostbacksRequest.Builder request = ListPostbacksRequest.newBuilder();
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
    try (GrpcOptions channel = grpc) {
      List<PostbackLogEntry> entries = new ArrayList<>();
      String token = "";
      do {
        ListPostbacksResponse page = grpc.diagnostics().listPostbacks(request
            .setPageSize(Math.min(1000, limit - entries.size())).setPageToken(token).build());
        entries.addAll(page.getEntriesList());
        token = page.getNextPageToken();
      } while (!token.isEmpty() && entries.size() < limit);
      if (grpc.json) {
        System.out.println(Output.json(ListPostbacksResponse.newBuilder().addAllEntries(entries).setNextPageToken(token)));
        return;
      }
      if (entries.isEmpty()) {
        System.out.println("no postbacks");
        return;
      }
      LogFormat.header();
      entries.forEach(LogFormat::row);
      if (!token.isEmpty()) {
        System.out.println("… more: raise --limit or narrow with --since, --kcid, --outcome, --reason");
      }
    }
  }
}
