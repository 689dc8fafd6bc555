package io.kcid.cli;

import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid deliveries}: the delivery log of an account, newest first, with every attempt. */
@Command(name = "deliveries", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid deliveries --account acme --failed",
      "  ./kcid deliveries --account acme --destination everflow --kcid \"$KCID\""},
    description = "List an account's outbound deliveries (postbacks and webhooks), newest first, with"
        + " every attempt: time, HTTP status, latency, error.")
final class DeliveriesCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--account", required = true, description = "Account id.")
  String account;

  @Option(names = "--failed", description = "Only dead-lettered deliveries (see ./kcid redeliver).")
  boolean failed;

  @Option(names = "--destination", defaultValue = "", description = "Only this destination's deliveries.")
  String destination;

  @Option(names = "--kcid", defaultValue = "", description = "Only the deliveries of this click.")
  String kcid;

  @Option(names = "--limit", defaultValue = "100", description = "At most this many. Default: ${DEFAULT-VALUE}")
  int limit;

  @Override
  public void run() {
    if (limit < 1) {
      throw new CliException("--limit must be at least 1");
    }
    Output out = new Output(grpc.output, Output.items("deliveries"), "delivery_id");
    try (GrpcOptions channel = grpc) {
      ListDeliveriesResponse page = list(grpc, ListDeliveriesRequest.newBuilder().setAccountId(account)
          .setFailedOnly(failed).setDestinationId(destination).setKcid(kcid).build(), limit);
      out.print(page, () -> table(page.getDeliveriesList()));
    }
  }

  /** Up to {@code limit} deliveries, following the pages. */
  static ListDeliveriesResponse list(GrpcOptions grpc, ListDeliveriesRequest request, int limit) {
    ListDeliveriesResponse.Builder all = ListDeliveriesResponse.newBuilder();
    String token = "";
    do {
      ListDeliveriesResponse page = grpc.deliveries().listDeliveries(request.toBuilder()
          .setPageSize(Math.min(1000, limit - all.getDeliveriesCount())).setPageToken(token).build());
      all.addAllDeliveries(page.getDeliveriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty() && all.getDeliveriesCount() < limit);
    return all.build();
  }

  /** The lines for people: one per delivery, then one per attempt. */
  static void table(List<Delivery> deliveries) {
    if (deliveries.isEmpty()) {
      System.out.println("no deliveries");
      return;
    }
    for (Delivery d : deliveries) {
      System.out.printf("%s  %-13s %-16s %-9s %s  %s%n", d.getDeliveryId(), CliWords.enumWord(d.getState().getValueDescriptor()),
          d.getDestinationId(), CliWords.enumWord(d.getTrigger().getValueDescriptor()), d.getConversionId(),
          LogFormat.time(d.getCreateTime()));
      for (DeliveryAttempt a : d.getAttemptsList()) {
        double ms = a.getLatency().getSeconds() * 1000.0 + a.getLatency().getNanos() / 1e6;
        System.out.printf("    %s  %s  %.0f ms  %s%n", LogFormat.time(a.getAttemptTime()),
            a.getStatusCode() == 0 ? "---" : Integer.toString(a.getStatusCode()), ms,
            a.getError().isEmpty() ? "ok" : a.getError());
      }
      if (d.hasNextAttemptTime()) {
        System.out.println("    next attempt " + LogFormat.time(d.getNextAttemptTime()));
      }
    }
  }
}
