package io.kcid.cli;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid conversion-status}: approve, reject or adjust a recorded conversion. */
@Command(name = "conversion-status", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid conversion-status --kcid \"$KCID\" --txid order-1001 \\",
      "      --status approved --reason \"paid in full\"",
      "  ./kcid conversion-status --id \"$KCID-1\" --status rejected --reason fraud"},
    description = "Approve, reject or adjust a conversion (by --id, or --kcid with --txid); kept in its history.")
final class ConversionStatusCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--id", defaultValue = "", description = "Conversion id.")
  String id;

  @Option(names = "--kcid", defaultValue = "", description = "The click's kcid (with --txid).")
  String kcid;

  @Option(names = "--txid", defaultValue = "", description = "Transaction id (with --kcid).")
  String txid;

  @Option(names = "--status", required = true, description = "approved | rejected | pending")
  String status;

  @Option(names = "--reason", required = true, description = "Why (kept in the audit history).")
  String reason;

  @Option(names = "--value", defaultValue = "", description = "New value.")
  String value;

  @Option(names = "--currency", defaultValue = "", description = "Currency of --value.")
  String currency;

  @Override
  public void run() {
    ConversionStatus target = switch (status.toLowerCase(Locale.ROOT)) {
      case "approved" -> ConversionStatus.CONVERSION_STATUS_APPROVED;
      case "rejected" -> ConversionStatus.CONVERSION_STATUS_REJECTED;
      case "pending" -> ConversionStatus.CONVERSION_STATUS_PENDING;
      default -> throw new CliException("--status " + status + ": expected approved, rejected or pending");
    };
    var request = UpdateConversionStatusRequest.newBuilder()
        .setConversionId(id).setKcid(kcid).setTransactionId(txid).setStatus(target).setReason(reason);
    if (!value.isEmpty()) {
      request.setValue(Money.newBuilder().setAmount(value).setCurrencyCode(currency));
    }
    Output out = new Output(grpc.output, Output.itself(), "conversion_id");
    try (GrpcOptions channel = grpc) {
      Conversion c = grpc.conversions().updateConversionStatus(request.build()).getConversion();
      out.print(c, () -> {
        Output.line("conversion", c.getConversionId());
        Output.line("status", ConversionsCommand.status(c.getStatus()));
        Output.line("value", c.getValue().getAmount() + " " + c.getValue().getCurrencyCode());
        for (var h : c.getHistoryList()) {
          System.out.printf("  %s %s -> %s (%s: %s)%n", java.time.Instant.ofEpochSecond(h.getChangeTime().getSeconds()),
              ConversionsCommand.status(h.getFromStatus()), ConversionsCommand.status(h.getToStatus()), h.getSource(), h.getReason());
        }
      });
    }
  }
}
