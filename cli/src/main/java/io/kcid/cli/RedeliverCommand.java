package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid redeliver}: queue dead-lettered (or delivered) jobs again, under their delivery ids. */
@Command(name = "redeliver", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid redeliver --account acme --from 6h",
      "  ./kcid redeliver --account acme --from 6h --yes",
      "  ./kcid redeliver --account acme --delivery \"$DELIVERY_ID\" --yes"},
    description = "Queue dead-lettered deliveries again, keeping their delivery ids (a receiver that"
        + " deduplicates sees one event). Without --yes it only lists what would be queued.")
final class RedeliverCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--account", required = true, description = "Account id.")
  String account;

  @ArgGroup(multiplicity = "1")
  Selection selection;

  static final class Selection {
    @Option(names = "--delivery", required = true, description = "One delivery id (from ./kcid deliveries).")
    String delivery;

    @Option(names = "--from", required = true,
        description = "Deliveries created since: 90s, 15m, 12h, 7d … or an RFC 3339 time.")
    String from;
  }

  @Option(names = "--to", description = "With --from: created before (same forms). Default: now.")
  String to;

  @Option(names = "--destination", defaultValue = "", description = "Only this destination's deliveries.")
  String destination;

  @Option(names = "--include-delivered", description = "Also queue delivered ones (a receiver lost them).")
  boolean includeDelivered;

  @Option(names = "--dry-run", description = "Only list what would be queued (the default without --yes).")
  boolean dryRun;

  @Option(names = "--yes", description = "Queue them.")
  boolean yes;

  @Override
  public void run() {
    boolean preview = dryRun || !yes;
    RedeliverRequest.Builder request = RedeliverRequest.newBuilder().setAccountId(account)
        .setDestinationId(destination).setIncludeDelivered(includeDelivered).setDryRun(preview);
    if (selection.delivery != null) {
      if (to != null) {
        throw new CliException("--to goes with --from, not with --delivery");
      }
      request.setDeliveryId(selection.delivery);
    } else {
      request.setStartTime(timestamp(time("--from", selection.from)));
      if (to != null) {
        request.setEndTime(timestamp(time("--to", to)));
      }
    }
    Output out = new Output(grpc.output, Output.items("delivery_ids"), null);
    try (GrpcOptions channel = grpc) {
      RedeliverResponse r = grpc.deliveries().redeliver(request.build());
      out.print(r, () -> {
        r.getDeliveryIdsList().forEach(System.out::println);
        System.out.println(preview
            ? r.getDeliveryIdsCount() + " would be queued (dry run, nothing changed; add --yes to queue them)"
            : r.getDeliveryIdsCount() + " queued");
      });
    }
  }

  /** A duration back from now, or an RFC 3339 instant. */
  private static Instant time(String option, String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException notAnInstant) {
      try {
        return Instant.now().minus(Durations.parse(value));
      } catch (RuntimeException e) {
        throw new CliException(option + " " + value + ": expected 90s, 15m, 12h, 7d … or an RFC 3339 time");
      }
    }
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
