package io.kcid.cli;

import io.kcid.proto.tracking.v1.GetClickRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kcid click KCID}: show a stored click. */
@Command(name = "click", mixinStandardHelpOptions = true,
    footer = {"%nExample:", "  ./kcid click \"$KCID\""},
    description = "Show a stored click.")
final class ClickCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Parameters(index = "0", description = "The kcid.")
  String kcid;

  @Override
  public void run() {
    Output out = new Output(grpc.output, Output.itself(), "kcid");
    try (GrpcOptions channel = grpc) {
      var click = grpc.clicks().getClick(GetClickRequest.newBuilder().setKcid(kcid).build()).getClick();
      out.print(click, () -> {
        Output.line("kcid", click.getKcid());
        Output.line("account", click.getAccountId());
        Output.line("campaign", click.getCampaignId());
        Output.line("clicked", java.time.Instant.ofEpochSecond(click.getClickTime().getSeconds()));
        Output.line("expires", java.time.Instant.ofEpochSecond(click.getExpireTime().getSeconds()));
        Output.line("destination", click.getDestinationUrl());
        if (click.getFlag() != io.kcid.proto.tracking.v1.ClickFlag.CLICK_FLAG_UNSPECIFIED) {
          Output.line("flagged", click.getFlag().name().replace("CLICK_FLAG_", "").toLowerCase(java.util.Locale.ROOT));
        }
        click.getSubIdsMap().forEach((k, v) -> Output.line(k, v));
      });
    }
  }
}
