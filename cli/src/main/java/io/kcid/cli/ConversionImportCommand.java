package io.kcid.cli;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kcid conversions import FILE.csv}: an advertiser's order list recorded as conversions, in
 * batches of RecordConversions with a few batches in flight, one row at a time from the file. Each
 * row's result (accepted, duplicate, rejected, unknown; dry run: valid) is written as CSV in the
 * file's order; a row that cannot be read is rejected with its line and the rest go on.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    footer = {
      "%nColumns (header row, any order): kcid (required), txid, goal, value, currency, status",
      "(approved|pending|rejected), time (ISO-8601), adv1 … adv5.",
      "%nExamples:",
      "  ./kcid conversions import orders.csv --account acme --dry-run",
      "  ./kcid conversions import orders.csv --account acme --results results.csv"},
    description = "Record an order list (CSV) as conversions, with the postbacks' rules; re-importing a row"
        + " records nothing twice. Writes one result per row (CSV).")
final class ConversionImportCommand implements Callable<Integer> {
  /** Rows per RecordConversions call (the API's maximum). */
  static final int BATCH = 100;
  /** Calls in flight at once: enough to hide the round trip, few enough not to swamp a shared server. */
  static final int IN_FLIGHT = 4;
  static final List<String> RESULT_COLUMNS =
      List.of("line", "kcid", "txid", "outcome", "reason", "message", "conversion_id");

  private static final String AGAIN = " (import the file again: rows already recorded count once)";

  @Mixin GrpcOptions grpc;

  @Parameters(index = "0", paramLabel = "FILE", description = "The order list (CSV with a header row).")
  Path file;

  @Option(names = "--account", required = true, description = "Account id: every row's click must belong to it.")
  String account;

  @Option(names = "--results", paramLabel = "FILE", description = "Write the per-row results here. Default: stdout.")
  Path results;

  @Option(names = "--dry-run", description = "Read and check the file; send nothing.")
  boolean dryRun;

  private final Map<String, Long> counts = new TreeMap<>();

  /** One batch: its rows in file order, and the call answering the ones that were sent. */
  private record Batch(List<ImportRow> rows, ListenableFuture<RecordConversionsResponse> answer) {}

  @Override
  public Integer call() {
    if (grpc.output.isJson() && results == null) {
      throw new CliException("--json prints the summary: write the rows with --results FILE");
    }
    try (OrderCsv csv = OrderCsv.open(file, new LinkedHashSet<>(ImportRow.COLUMNS), Set.of("kcid"), false);
        CsvOut out = CsvOut.open(results, RESULT_COLUMNS);
        GrpcOptions channel = grpc;
        Progress progress = Progress.start(dryRun ? "checking" : "importing", dryRun ? "checked" : "imported",
            "rows", 0, grpc.output.quiet || grpc.output.isJson())) {
      Deque<Batch> inFlight = new ArrayDeque<>();
      List<ImportRow> rows = new ArrayList<>();
      for (OrderCsv.Row row = csv.next(); row != null && !progress.stopRequested(); row = csv.next()) {
        rows.add(ImportRow.of(row, account));
        if (rows.size() == BATCH) {
          send(rows, inFlight, out, progress);
          rows = new ArrayList<>();
        }
      }
      send(rows, inFlight, out, progress);
      while (!inFlight.isEmpty()) {
        write(inFlight.removeFirst(), out, progress);
      }
      out.flush();
      progress.clear();
      summary(progress);
    }
    return exitCode();
  }

  private void send(List<ImportRow> rows, Deque<Batch> inFlight, CsvOut out, Progress progress) {
    if (rows.isEmpty()) {
      return;
    }
    RecordConversionsRequest.Builder request = RecordConversionsRequest.newBuilder();
    rows.stream().filter(r -> r.request() != null).forEach(r -> request.addItems(r.request()));
    ListenableFuture<RecordConversionsResponse> answer = dryRun || request.getItemsCount() == 0
        ? null : grpc.conversionFutures().recordConversions(request.build());
    inFlight.addLast(new Batch(rows, answer));
    while (inFlight.size() >= IN_FLIGHT) {
      write(inFlight.removeFirst(), out, progress);
    }
  }

  /** Waits for a batch's answer and writes its rows' results in file order. */
  private void write(Batch batch, CsvOut out, Progress progress) {
    List<RecordConversionResult> answered = List.of();
    StatusRuntimeException failed = null;
    if (batch.answer() != null) {
      try {
        answered = batch.answer().get().getResultsList();
      } catch (ExecutionException e) {
        failed = e.getCause() instanceof StatusRuntimeException s ? s : io.grpc.Status.fromThrowable(e).asRuntimeException();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed = io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
    }
    int sent = 0;
    for (ImportRow row : batch.rows()) {
      String[] result;
      if (row.request() == null) {
        result = result(row, "rejected", row.reason(), row.message(), "");
      } else if (batch.answer() == null) {
        result = result(row, "valid", "", "", "");
      } else if (failed != null) {
        boolean unknown = CliErrors.exitCode(failed) == CliErrors.UNAVAILABLE;
        String[] described = CliErrors.describe(failed).split(": ", 2);
        result = result(row, unknown ? "unknown" : "rejected", described[0],
            (described.length > 1 ? described[1] : "") + (unknown ? AGAIN : ""), "");
      } else {
        result = answer(row, find(answered, sent));
      }
      if (row.request() != null) {
        sent++;
      }
      out.row(result);
      counts.merge(result[3], 1L, Long::sum);
      progress.add(result[3]);
    }
    progress.show();
  }

  private static RecordConversionResult find(List<RecordConversionResult> answered, int index) {
    for (RecordConversionResult r : answered) {
      if (r.getIndex() == index) {
        return r;
      }
    }
    return RecordConversionResult.getDefaultInstance();
  }

  private static String[] answer(ImportRow row, RecordConversionResult result) {
    if (result.hasError()) {
      ErrorReason reason = result.getError().getReason();
      // The store did not answer for this row: its outcome is unknown, a re-import settles it.
      boolean unknown = ErrorReasons.isRetryable(reason);
      return result(row, unknown ? "unknown" : "rejected", ErrorReasons.shortName(reason),
          result.getError().getMessage() + (unknown ? AGAIN : ""), "");
    }
    RecordConversionResponse r = result.getResponse();
    if (r.getRepeatedRequest()) {
      return result(row, "duplicate", "ALREADY_IMPORTED", "this row was imported before; nothing new was written",
          r.getConversionId());
    }
    if (r.getOutcome() == Outcome.OUTCOME_DUPLICATE) {
      return result(row, "duplicate", r.getDuplicateReason() == ErrorReason.ERROR_REASON_UNSPECIFIED
          ? "" : ErrorReasons.shortName(r.getDuplicateReason()), "already recorded", r.getConversionId());
    }
    if (r.getOutcome() == Outcome.OUTCOME_ACCEPTED) {
      return result(row, "accepted", "", "", r.getConversionId());
    }
    return result(row, "unknown", "", "the server gave no outcome for this row", "");
  }

  private static String[] result(ImportRow row, String outcome, String reason, String message, String conversionId) {
    return new String[] {Long.toString(row.line()), row.kcid(), row.txid(), outcome, reason == null ? "" : reason,
        message == null ? "" : message, conversionId};
  }

  private void summary(Progress progress) {
    String line = progress.summary();
    if (grpc.output.isJson()) {
      var json = CliJson.MAPPER.createObjectNode();
      json.put("file", file.toString());
      json.put("dry_run", dryRun);
      json.put("results", results.toString());
      var outcomes = json.putObject("outcomes");
      for (String o : List.of("accepted", "duplicate", "rejected", "unknown", "valid")) {
        outcomes.put(o, counts.getOrDefault(o, 0L));
      }
      System.out.println(CliJson.print(json));
    } else if (!grpc.output.quiet && !progress.drawn() && !progress.stopRequested()) {
      System.err.println(line);
    }
  }

  private int exitCode() {
    if (counts.getOrDefault("unknown", 0L) > 0) {
      return CliErrors.UNAVAILABLE;
    }
    return counts.getOrDefault("rejected", 0L) > 0 ? CliErrors.REFUSED : 0;
  }
}
