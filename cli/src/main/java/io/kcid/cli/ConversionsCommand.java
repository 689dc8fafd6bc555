package io.kcid.cli;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid conversions --kcid K}: the conversions recorded on a click. */
@Command(name = "conversions", mixinStandardHelpOptions = true,
    footer = {"%nExample:", "  ./kcid conversions --kcid \"$KCID\""},
    description = "List a click's conversions.")
final class ConversionsCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--kcid", required = true, description = "The click's kcid.")
  String kcid;

  static String status(io.kcid.proto.tracking.v1.ConversionStatus s) {
    return s.name().replace("CONVERSION_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  @Override
  public void run() {
    Output out = new Output(grpc.output, Output.items("conversions"), "conversion_id");
    try (GrpcOptions channel = grpc) {
      var page = grpc.conversions().listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).setPageSize(1000).build());
      out.print(page, () -> {
        if (page.getConversionsCount() == 0) {
          System.out.println("no conversions");
        }
        for (Conversion c : page.getConversionsList()) {
          System.out.printf("%s  %-10s %s %s %s  txid=%s%s%n", c.getConversionId(), c.getGoalKey(),
              Colour.word(status(c.getStatus()), 9),
              c.getValue().getAmount().isEmpty() ? "-" : c.getValue().getAmount(), c.getValue().getCurrencyCode(),
              c.getTransactionId(), c.getTest() ? "  (test)" : "");
        }
      });
    }
  }
}
