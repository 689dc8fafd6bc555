package io.kcid.cli;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kcid conversions --kcid K}: the conversions recorded on a click; its subcommands move
 * conversions in and out as CSV (import, export, reconcile).
 */
@Command(name = "conversions", mixinStandardHelpOptions = true,
    footer = {"%nExamples:", "  ./kcid conversions --kcid \"$KCID\"",
      "  ./kcid conversions import orders.csv --account acme --results results.csv",
      "  ./kcid conversions export --account acme --since 7d > conversions.csv",
      "  ./kcid conversions reconcile orders.csv --account acme --since 30d"},
    subcommands = {ConversionImportCommand.class, ConversionExportCommand.class, ConversionReconcileCommand.class},
    description = "List a click's conversions (--kcid), or import, export and reconcile them as CSV.")
final class ConversionsCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  /** Not required by picocli: the subcommands do without it (picocli checks a parent's required options too). */
  @Option(names = "--kcid", description = "The click's kcid (required without a subcommand).")
  String kcid;

  static String status(io.kcid.proto.tracking.v1.ConversionStatus s) {
    return s.name().replace("CONVERSION_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  @Override
  public void run() {
    if (kcid == null || kcid.isBlank()) {
      throw new CliException("pass --kcid, or a subcommand: import, export, reconcile (./kcid conversions --help)");
    }
    Output out = new Output(grpc.output, Output.items("conversions"), "conversion_id");
    try (GrpcOptions channel = grpc) {
      var page = grpc.conversions().listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).setPageSize(1000).build());
      out.print(page, () -> {
        if (page.getConversionsCount() == 0) {
          System.out.println("no conversions");
        }
        for (Conversion c : page.getConversionsList()) {
          System.out.printf("%s  %-10s %s %s %s%s  txid=%s%s%n", c.getConversionId(), c.getGoalKey(),
              Colour.word(status(c.getStatus()), 9),
              c.getValue().getAmount().isEmpty() ? "-" : c.getValue().getAmount(), c.getValue().getCurrencyCode(),
              converted(c), c.getTransactionId(), c.getTest() ? "  (test)" : "");
        }
      });
    }
  }

  /** The value in the account's reporting currency, as " = 92.23 EUR (rate … of 2026-12-04)"; "" when none. */
  static String converted(Conversion c) {
    String currency = c.getConvertedValue().getCurrencyCode();
    return switch (c.getFxState()) {
      case FX_STATE_SAME_CURRENCY -> "";
      case FX_STATE_CONVERTED, FX_STATE_CONVERTED_AT_READ -> " = " + c.getConvertedValue().getAmount() + " " + currency
          + " (rate " + c.getFxRate() + " of " + c.getFxRateDate()
          + (c.getFxState() == io.kcid.proto.tracking.v1.FxState.FX_STATE_CONVERTED_AT_READ ? ", converted at read" : "")
          + ")";
      case FX_STATE_RATE_MISSING -> " = ? " + currency + " (rate missing: ./kcid fx load)";
      default -> "";
    };
  }
}
