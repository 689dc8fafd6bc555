package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kcid conversions export}: every conversion an account recorded in a time range, as CSV
 * (or one JSON object per line), page by page. The account's postback log (ListPostbacks, accepted
 * outcome) names the conversions recorded in the range, newest first; each is then read as it is
 * now (GetConversion: current status and value) with its click's campaign (GetClick). So the range
 * reaches back at most the postback log's retention (KCID_POSTBACK_LOG_RETENTION), and a
 * conversion whose click has expired since is left out.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    footer = {
      "%nThe range reaches back at most the postback log's retention (KCID_POSTBACK_LOG_RETENTION).",
      "%nExamples:",
      "  ./kcid conversions export --account acme --since 7d > conversions.csv",
      "  ./kcid conversions export --account acme --since 30d --until 7d --json"},
    description = "Print an account's conversions recorded in a time range as CSV (newest first).")
final class ConversionExportCommand implements Runnable {
  static final List<String> COLUMNS = List.of("conversion_id", "kcid", "account_id", "goal", "status", "value",
      "currency", "original_value", "txid", "event_time", "record_time", "click_time", "campaign_id",
      "adv1", "adv2", "adv3", "adv4", "adv5", "test");
  private static final int PAGE = 1000;

  @Mixin GrpcOptions grpc;

  @Option(names = "--account", required = true, description = "Account id.")
  String account;

  @Option(names = "--since", required = true, description = "Recorded in the last 90s, 15m, 12h, 7d …")
  String since;

  @Option(names = "--until", description = "…and at least this long ago (e.g. 1d). Default: now.")
  String until;

  @Override
  public void run() {
    Instant now = Instant.now();
    Instant start = now.minus(Durations.parse(since));
    Instant end = until == null ? now : now.minus(Durations.parse(until));
    if (!end.isAfter(start)) {
      throw new CliException("--until " + until + " is not after --since " + since);
    }
    boolean json = grpc.output.isJson();
    ListPostbacksRequest.Builder request = ListPostbacksRequest.newBuilder().setAccountId(account)
        .setStartTime(timestamp(start)).setEndTime(timestamp(end))
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).setPageSize(PAGE);
    // Accepted status changes repeat a conversion id: each conversion once. Ids only, never the rows.
    Set<String> seen = new HashSet<>();
    Click campaign = new Click();
    try (GrpcOptions channel = grpc;
        CsvOut csv = json ? null : CsvOut.open(null, COLUMNS);
        Progress progress = Progress.start("exporting", "exported", "conversions", 0, grpc.output.quiet)) {
      String token = "";
      do {
        ListPostbacksResponse page = grpc.diagnostics().listPostbacks(request.setPageToken(token).build());
        for (PostbackLogEntry entry : page.getEntriesList()) {
          String id = entry.getConversionId();
          if (id.isEmpty() || !seen.add(id)) {
            continue;
          }
          Conversion c = conversion(id);
          if (c == null || !recordedIn(c, start, end)) {
            continue;
          }
          String campaignId = campaign.of(c.getKcid());
          if (json) {
            ObjectNode row = CliJson.object(c);
            row.put("campaign_id", campaignId);
            System.out.println(CliJson.print(row));
          } else {
            csv.row(row(c, campaignId));
          }
          progress.add(1);
        }
        progress.show();
        token = page.getNextPageToken();
      } while (!token.isEmpty() && !progress.stopRequested());
      if (csv != null) {
        csv.flush();
      }
      System.out.flush();
      progress.clear();
    }
  }

  private Conversion conversion(String id) {
    try {
      return grpc.conversions().getConversion(GetConversionRequest.newBuilder().setConversionId(id).build())
          .getConversion();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null; // its click expired since: kcid no longer has it
      }
      throw e;
    }
  }

  private static boolean recordedIn(Conversion c, Instant start, Instant end) {
    Instant recorded = Instant.ofEpochSecond(c.getRecordTime().getSeconds(), c.getRecordTime().getNanos());
    return !recorded.isBefore(start) && recorded.isBefore(end);
  }

  static String[] row(Conversion c, String campaignId) {
    List<String> cells = new ArrayList<>(List.of(c.getConversionId(), c.getKcid(), c.getAccountId(), c.getGoalKey(),
        ConversionsCommand.status(c.getStatus()), c.getValue().getAmount(), c.getValue().getCurrencyCode(),
        c.getOriginalValue().getAmount(), c.getTransactionId(), time(c.hasEventTime(), c.getEventTime()),
        time(c.hasRecordTime(), c.getRecordTime()), time(c.hasClickTime(), c.getClickTime()), campaignId));
    for (String adv : ImportRow.ADV_COLUMNS) {
      cells.add(c.getAdvSubIdsOrDefault(adv, ""));
    }
    cells.add(Boolean.toString(c.getTest()));
    return cells.toArray(String[]::new);
  }

  private static String time(boolean set, Timestamp t) {
    return set ? CliWords.time(t) : "";
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  /** The campaign of the last click asked about: a click's conversions usually come one after another. */
  private final class Click {
    private String kcid = "";
    private String campaignId = "";

    String of(String kcid) {
      if (!kcid.equals(this.kcid)) {
        try {
          campaignId = grpc.clicks().getClick(GetClickRequest.newBuilder().setKcid(kcid).build()).getClick()
              .getCampaignId();
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
            throw e;
          }
          campaignId = "";
        }
        this.kcid = kcid;
      }
      return campaignId;
    }
  }
}
