package io.kcid.cli;

import io.kcid.proto.tracking.v1.AckConversionEventsRequest;
import io.kcid.proto.tracking.v1.ConversionEvent;
import io.kcid.proto.tracking.v1.ConversionEventType;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid stream}: prints conversion events as they happen. */
@Command(name = "stream", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid stream --account acme --from-start --count 1",
      "  ./kcid stream --cursor-file billing.cursor",
      "  ./kcid stream --group billing --name worker-1"},
    description = "Print new conversions and status changes as they happen, until Ctrl-C (or --count)."
        + " Resumable with --cursor-file; --group shares the events among consumers and acknowledges"
        + " each one once printed.")
final class StreamCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--account", defaultValue = "", description = "Only this account's events (default: every account).")
  String account;

  @Option(names = "--from-start", description = "Start with the oldest retained event instead of the next new one.")
  boolean fromStart;

  @Option(names = "--group", defaultValue = "", description = "Consumer group: share the events with its other consumers.")
  String group;

  @Option(names = "--name", defaultValue = "", description = "This consumer's name in the group. Default: the host name.")
  String name;

  @Option(names = "--claim-idle", defaultValue = "60s",
      description = "With --group: take over events other consumers left unacknowledged this long. Default: ${DEFAULT-VALUE}")
  String claimIdle;

  @Option(names = "--cursor-file", description = "Resume from the cursor in this file and keep it up to date (not with --group).")
  Path cursorFile;

  @Option(names = "--count", defaultValue = "0", description = "Stop after this many events (0: never).")
  long count;

  @Override
  public void run() {
    if (!group.isEmpty() && cursorFile != null) {
      throw new CliException("--cursor-file and --group exclude each other: a group keeps its own position");
    }
    StreamConversionsRequest.Builder request = StreamConversionsRequest.newBuilder()
        .setAccountId(account)
        .setFromStart(fromStart);
    if (!group.isEmpty()) {
      request.setConsumerGroup(group).setConsumerName(name.isEmpty() ? hostName() : name)
          .setClaimIdle(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(claimIdle).getSeconds()));
    }
    if (cursorFile != null && Files.exists(cursorFile)) {
      request.setCursor(read(cursorFile));
    }
    Output out = new Output(grpc.output, Output.itself(), "event.event_id");
    try (GrpcOptions channel = grpc) {
      Iterator<StreamConversionsResponse> responses = grpc.conversionStream().streamConversions(request.build());
      long printed = 0;
      while ((count == 0 || printed < count) && responses.hasNext()) {
        StreamConversionsResponse r = responses.next();
        if (r.hasEvent()) {
          out.print(r, () -> System.out.println(line(r.getEvent())));
          printed++;
          if (!group.isEmpty()) {
            grpc.conversions().ackConversionEvents(AckConversionEventsRequest.newBuilder()
                .setConsumerGroup(group).setAccountId(account).addAllEventIds(List.of(r.getEvent().getEventId())).build());
          }
        } else if (printed == 0 && !grpc.output.forScripts()) {
          System.err.println("streaming " + (account.isEmpty() ? "every account" : account)
              + (group.isEmpty() ? "" : " as " + request.getConsumerName() + " of group " + group) + " (Ctrl-C to stop)");
        }
        if (cursorFile != null && !r.getCursor().isEmpty()) {
          write(cursorFile, r.getCursor());
        }
      }
    }
  }

  static String line(ConversionEvent e) {
    String when = Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos()).toString();
    String change = e.getType() == ConversionEventType.CONVERSION_EVENT_TYPE_STATUS_CHANGED
        ? "status     " + ConversionsCommand.status(e.getPreviousStatus()) + " -> " + ConversionsCommand.status(e.getStatus())
        : "recorded   " + ConversionsCommand.status(e.getStatus());
    String value = e.hasValue() ? e.getValue().getAmount() + " " + e.getValue().getCurrencyCode() : "-";
    return String.format("%s  %s  %s  %s  %s  %s%s", when, change, e.getConversionId(), e.getAccountId(),
        e.getGoalKey(), value, e.getTest() ? "  (test)" : "");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.:-]", "-");
    } catch (IOException e) {
      return "cli";
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces the file at once, so a crash never leaves half a cursor. */
  private static void write(Path file, String cursor) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, cursor + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
