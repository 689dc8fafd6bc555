package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kcid conversions reconcile ORDERS.csv}: for every order of the advertiser's list that kcid
 * has no conversion for, why. First the account's postback log of the range is read (ListPostbacks:
 * per transaction id, whether a postback was recorded or refused and why; only the transaction ids
 * are kept, not the log); then the orders stream past: an order with a recorded postback is found, one
 * with a refused postback is "refused" with the log's reason, and for the rest the order's kcid, if
 * the file has one, is explained (ExplainClick): click unknown or expired, malformed kcid, a
 * conversion recorded before the range, or no postback received.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
    footer = {
      "%nThe file needs a txid column (or transaction_id, order_id); a kcid column makes the reasons precise;",
      "other columns are ignored. Reasons: no-postback, refused, click-unknown, click-expired, kcid-malformed.",
      "%nExamples:",
      "  ./kcid conversions reconcile orders.csv --account acme --since 30d",
      "  ./kcid conversions reconcile orders.csv --account acme -o csv > missing.csv"},
    description = "For every order (CSV) kcid has no conversion for, print why: no postback received, refused"
        + " (with the reason), click unknown or expired.")
final class ConversionReconcileCommand implements Callable<Integer> {
  private static final int PAGE = 1000;

  @Mixin GrpcOptions grpc;

  @Parameters(index = "0", paramLabel = "ORDERS", description = "The advertiser's order list (CSV with a header row).")
  Path file;

  @Option(names = "--account", required = true, description = "Account id.")
  String account;

  @Option(names = "--since", defaultValue = "30d",
      description = "Postbacks received in the last 90s, 15m, 12h, 30d … Default: ${DEFAULT-VALUE}")
  String since;

  /** What the postback log says about one transaction id: found (recorded) or its newest refusal. */
  private record Logged(boolean recorded, String reason, String message, String logId) {}

  @Override
  public Integer call() {
    Instant start = Instant.now().minus(Durations.parse(since));
    ObjectNode answer = CliJson.MAPPER.createObjectNode();
    ArrayNode missing = CliJson.MAPPER.createArrayNode();
    long orders = 0;
    try (OrderCsv csv = OrderCsv.open(file, Set.of("txid", "kcid"), Set.of("txid"), true);
        GrpcOptions channel = grpc;
        Progress progress = Progress.start("reconciling", "reconciled", "orders", 0, grpc.output.forScripts())) {
      Map<String, Logged> log = log(start, progress);
      for (OrderCsv.Row row = csv.next(); row != null && !progress.stopRequested(); row = csv.next()) {
        orders++;
        ObjectNode why = why(row, log);
        progress.add(why == null ? "found" : why.get("reason").asText());
        if (why != null) {
          missing.add(why);
        }
        progress.show();
      }
      progress.clear();
    }
    answer.put("orders", orders);
    answer.put("found", orders - missing.size());
    answer.set("missing", missing);
    Output out = new Output(grpc.output, Output.items("missing"), "txid");
    out.print(answer, () -> table(answer));
    return missing.isEmpty() ? 0 : CliErrors.REFUSED;
  }

  /** Transaction id → what the account's log (newest first) says; a recorded postback wins over refusals. */
  private Map<String, Logged> log(Instant start, Progress progress) {
    Map<String, Logged> byTxid = new HashMap<>();
    ListPostbacksRequest.Builder request = ListPostbacksRequest.newBuilder().setAccountId(account)
        .setStartTime(Timestamp.newBuilder().setSeconds(start.getEpochSecond())).setPageSize(PAGE);
    String token = "";
    do {
      ListPostbacksResponse page = grpc.diagnostics().listPostbacks(request.setPageToken(token).build());
      for (PostbackLogEntry e : page.getEntriesList()) {
        String txid = e.getRequest().getTransactionId();
        if (txid.isEmpty()) {
          continue;
        }
        boolean recorded = e.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED
            || e.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE;
        Logged before = byTxid.get(txid);
        if (before == null || (recorded && !before.recorded())) {
          byTxid.put(txid, new Logged(recorded, reason(e.getReason()), e.getMessage(), e.getLogId()));
        }
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty() && !progress.stopRequested());
    return byTxid;
  }

  /** Why kcid has no conversion for this order, or null when it has one. */
  private ObjectNode why(OrderCsv.Row row, Map<String, Logged> log) {
    if (row.problem() != null) {
      return missing(row, "", "", "unreadable", "INVALID_PARAMETER", row.problem(), "");
    }
    String txid = row.get("txid");
    String kcid = row.get("kcid");
    if (txid.isEmpty()) {
      return missing(row, txid, kcid, "unreadable", "MISSING_PARAMETER", "txid is empty", "");
    }
    Logged logged = log.get(txid);
    if (logged != null && logged.recorded()) {
      return null;
    }
    if (logged != null) {
      return missing(row, txid, kcid, "refused", logged.reason(), logged.message(), logged.logId());
    }
    if (kcid.isEmpty()) {
      return missing(row, txid, kcid, "no-postback", "", "no postback with this txid in the account's log since "
          + since + " ago", "");
    }
    ExplainClickResponse explained = grpc.diagnostics().explainClick(
        ExplainClickRequest.newBuilder().setKcid(kcid).setAccountId(account).build());
    for (Conversion c : explained.getConversionsList()) {
      if (c.getTransactionId().equals(txid)) {
        return null;
      }
    }
    if (!explained.getDiagnosis().getValid()) {
      return missing(row, txid, kcid, "kcid-malformed", reason(explained.getDiagnosis().getReason()),
          explained.getDiagnosis().getHint(), "");
    }
    ErrorReason gone = explained.getClickMissingReason();
    if (gone != ErrorReason.ERROR_REASON_UNSPECIFIED) {
      return missing(row, txid, kcid, gone == ErrorReason.ERROR_REASON_CLICK_EXPIRED ? "click-expired" : "click-unknown",
          reason(gone), explained.getClickMissingHint(), "");
    }
    for (PostbackLogEntry e : explained.getAttemptsList()) {
      if (e.getRequest().getTransactionId().equals(txid) && e.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_REJECTED) {
        return missing(row, txid, kcid, "refused", reason(e.getReason()), e.getMessage(), e.getLogId());
      }
    }
    return missing(row, txid, kcid, "no-postback", "", "the click exists; no postback with this txid was received", "");
  }

  private static ObjectNode missing(OrderCsv.Row row, String txid, String kcid, String why, String reason,
      String message, String logId) {
    ObjectNode o = CliJson.MAPPER.createObjectNode();
    o.put("line", row.line());
    o.put("txid", txid);
    o.put("kcid", kcid);
    o.put("reason", why);
    o.put("error_reason", reason);
    o.put("message", message);
    o.put("log_id", logId);
    return o;
  }

  private static String reason(ErrorReason r) {
    return r == ErrorReason.ERROR_REASON_UNSPECIFIED ? "" : ErrorReasons.shortName(r);
  }

  private static void table(ObjectNode answer) {
    for (var m : answer.get("missing")) {
      String code = m.get("error_reason").asText();
      System.out.printf("line %-6s %-20s %-14s %s%s%n", m.get("line").asText(), m.get("txid").asText(),
          Colour.word(m.get("reason").asText(), 14), code.isEmpty() ? "" : code + ": ", m.get("message").asText());
    }
    System.out.println(answer.get("orders").asLong() + " orders: " + answer.get("found").asLong() + " found, "
        + answer.get("missing").size() + " missing");
  }
}
