package io.kcid.cli;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.StatusChange;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kcid explain KCID}: everything about one kcid, for "my conversion is not showing up". */
@Command(name = "explain", mixinStandardHelpOptions = true,
    footer = {"%nExamples:", "  ./kcid explain \"$KCID\"", "  ./kcid explain '{kcid}' --account acme"},
    description = "Explain a kcid: its diagnosis, the click, its conversions and every postback attempt.")
final class ExplainCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Parameters(index = "0", description = "The kcid, as the postback sent it (any case; '{kcid}' too).")
  String kcid;

  @Option(names = "--account", defaultValue = "",
      description = "Account whose log to search when the kcid is malformed.")
  String account;

  @Override
  public void run() {
    Output out = new Output(grpc.output, Output.itself(), null);
    try (GrpcOptions channel = grpc) {
      ExplainClickResponse r = grpc.diagnostics().explainClick(
          ExplainClickRequest.newBuilder().setKcid(kcid).setAccountId(account).build());
      out.print(r, () -> {
        table(r);
        deliveries(r);
      });
    }
  }

  /** The click's outbound deliveries (the delivery log filtered by kcid), when the server has them. */
  private void deliveries(ExplainClickResponse r) {
    String owner = r.hasClick() ? r.getClick().getAccountId() : account;
    if (owner.isEmpty() || r.getDiagnosis().getNormalizedKcid().isEmpty()) {
      return;
    }
    System.out.println();
    try {
      var found = DeliveriesCommand.list(grpc, ListDeliveriesRequest.newBuilder().setAccountId(owner)
          .setKcid(r.getDiagnosis().getNormalizedKcid()).build(), 100);
      System.out.println("deliveries (" + found.getDeliveriesCount() + ", newest first):");
      if (found.getDeliveriesCount() > 0) {
        DeliveriesCommand.table(found.getDeliveriesList());
      }
    } catch (io.grpc.StatusRuntimeException e) {
      System.out.println("deliveries: not available (" + e.getStatus().getCode() + ")");
    }
  }

  private void table(ExplainClickResponse r) {
    var d = r.getDiagnosis();
    Output.line("kcid", d.getNormalizedKcid().isEmpty() ? kcid : d.getNormalizedKcid());
    Output.line("valid", d.getValid());
    if (!d.getValid()) {
      Output.line("reason", ErrorReasons.shortName(d.getReason()));
      Output.line("hint", d.getHint());
    }
    if (!d.getNormalizedKcid().isEmpty()) {
      Output.line("issued", Instant.ofEpochSecond(d.getIssueTime().getSeconds()));
    }
    if (r.hasClick()) {
      var c = r.getClick();
      Output.line("click", "stored: account " + c.getAccountId() + ", campaign " + c.getCampaignId()
          + ", expires " + Instant.ofEpochSecond(c.getExpireTime().getSeconds()));
    } else if (r.getClickMissingReason() != ErrorReason.ERROR_REASON_UNSPECIFIED) {
      Output.line("click", "missing: " + ErrorReasons.shortName(r.getClickMissingReason()));
      Output.line("", r.getClickMissingHint());
    }
    System.out.println();
    System.out.println("conversions (" + r.getConversionsCount() + "):");
    for (Conversion c : r.getConversionsList()) {
      System.out.printf("  %s  %-10s %-9s %s  txid=%s  recorded %s%s%n", c.getConversionId(), c.getGoalKey(),
          ConversionsCommand.status(c.getStatus()),
          c.getValue().getAmount().isEmpty() ? "-"
              : c.getValue().getAmount() + " " + c.getValue().getCurrencyCode() + ConversionsCommand.converted(c),
          c.getTransactionId().isEmpty() ? "-" : c.getTransactionId(), LogFormat.time(c.getRecordTime()),
          c.getTest() ? "  (test)" : "");
      for (StatusChange h : c.getHistoryList()) {
        System.out.printf("      %s  %s -> %s  (%s: %s)%n", LogFormat.time(h.getChangeTime()),
            ConversionsCommand.status(h.getFromStatus()), ConversionsCommand.status(h.getToStatus()),
            h.getSource(), h.getReason());
      }
    }
    System.out.println();
    System.out.println("postback attempts (" + r.getAttemptsCount() + ", newest first):");
    if (r.getAttemptsCount() > 0) {
      LogFormat.header();
    }
    for (PostbackLogEntry e : r.getAttemptsList()) {
      LogFormat.row(e);
      if (!e.getMessage().isEmpty()) {
        System.out.println("    " + e.getMessage());
      }
    }
    if (r.getUnauthenticatedAttemptsCount() > 0) {
      System.out.println();
      System.out.println("refused for their credentials (" + r.getUnauthenticatedAttemptsCount()
          + ", a sample, newest first; kept apart from the log):");
      LogFormat.header();
      for (PostbackLogEntry e : r.getUnauthenticatedAttemptsList()) {
        LogFormat.row(e);
        if (!e.getMessage().isEmpty()) {
          System.out.println("    " + e.getMessage());
        }
      }
    }
  }
}
