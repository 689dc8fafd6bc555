package io.kcid.cli;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kcid inspect KCID}: decode and diagnose a kcid without touching the store. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    footer = {"%nExample:", "  ./kcid inspect \"$KCID\""},
    description = "Decode and diagnose a kcid.")
final class InspectCommand implements java.util.concurrent.Callable<Integer> {
  @Mixin GrpcOptions grpc;

  @Parameters(index = "0", description = "The kcid (any case), or whatever a postback sent.")
  String kcid;

  @Override
  public Integer call() {
    Output out = new Output(grpc.output, Output.itself(), "normalized_kcid");
    try (GrpcOptions channel = grpc) {
      var r = grpc.clicks().inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build());
      out.print(r, () -> {
        Output.line("valid", r.getValid());
        if (!r.getValid()) {
          Output.line("reason", ErrorReasons.shortName(r.getReason()));
          Output.line("hint", r.getHint());
        }
        if (!r.getNormalizedKcid().isEmpty()) {
          Output.line("kcid", r.getNormalizedKcid());
          Output.line("issued", Instant.ofEpochSecond(r.getIssueTime().getSeconds()));
          Output.line("partition", r.getPartition());
          Output.line("key id", r.getKeyId());
        }
      });
      // An invalid kcid is a refusal with a reason: exit 1, as for an API error.
      return r.getValid() ? 0 : 1;
    }
  }
}
