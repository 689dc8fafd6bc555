package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretRequest;
import io.kcid.proto.tracking.v1.TestDestinationRequest;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kcid destination create|list|show|update|pause|resume|delete|test|rotate-secret}: where an
 * account's (or a partner's) conversions are sent onward, as partner postbacks or signed webhooks.
 */
@Command(
    name = "destination",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid destination create --account acme --kind postback \\",
      "      --url 'https://tracker.example/pb?cid={s1}&payout={value}&txid={txid}'",
      "  ./kcid destination create --partner agency-one --kind webhook \\",
      "      --url https://hooks.example/kcid",
      "  ./kcid destination list --account acme",
      "  ./kcid destination test tracker --account acme"},
    description = "Send conversions onward: partner postbacks (URL templates) and signed webhooks (docs/deliveries.md).",
    subcommands = {DestinationCommand.Create.class, DestinationCommand.ListAll.class, DestinationCommand.Show.class,
        DestinationCommand.Update.class, DestinationCommand.Pause.class, DestinationCommand.Resume.class,
        DestinationCommand.Delete.class, DestinationCommand.Test.class, DestinationCommand.RotateSecret.class})
final class DestinationCommand {
  private static final String SECRET_WARNING =
      "Store this signing secret now: it is not shown again (rotate-secret makes a new one).";

  /** Whose destination: exactly one of --account / --partner. */
  static final class OwnerOptions {
    @Option(names = "--account", defaultValue = "", description = "The account that owns the destination.")
    String account;

    @Option(names = "--partner", defaultValue = "",
        description = "The partner that owns the destination (it applies to all the partner's accounts).")
    String partner;

    /** Checked here, so a missing owner is a usage error before any call. */
    OwnerOptions checked() {
      if (account.isEmpty() == partner.isEmpty()) {
        throw new CliException("name the destination's owner: exactly one of --account and --partner");
      }
      return this;
    }
  }

  /** What create and update may set; null: not named. */
  static final class SettingsOptions {
    @Option(names = "--goal", description = "Only conversions of this goal (repeatable). Default: every goal.")
    List<String> goals;

    @Option(names = "--on", split = ",", paramLabel = "EVENT",
        description = "Events sent: accepted, pending, approved, rejected. Default: all.")
    List<String> on;

    @Option(names = "--status-map", split = ",", paramLabel = "STATUS=WORD",
        description = "The receiver's word per status, e.g. approved=1,rejected=2 ({status}).")
    List<String> statusMap;

    @Option(names = "--concurrency", description = "Requests in flight at most (0: server default).")
    Integer concurrency;

    @Option(names = "--rate", description = "Requests per second at most (0: unlimited).")
    Integer rate;

    List<DeliveryTrigger> triggers() {
      return on.stream().map(DestinationCommand::trigger).toList();
    }

    Map<String, String> statusWords() {
      Map<String, String> words = new LinkedHashMap<>();
      for (String pair : statusMap) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new CliException("--status-map '" + pair + "': expected STATUS=WORD, e.g. approved=1");
        }
        words.put(pair.substring(0, eq).trim().toLowerCase(Locale.ROOT), pair.substring(eq + 1).trim());
      }
      return words;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination create --account acme --kind webhook \\",
          "      --url https://hooks.example/kcid --on accepted,approved"},
      description = "Create a destination. A webhook's signing secret is printed once: store it.")
  static final class Create implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Option(names = "--kind", required = true, description = "postback (GET of the URL template) or webhook (signed POST).")
    String kind;

    @Option(names = "--url", required = true,
        description = "http(s) URL; postbacks take {macros} such as {kcid} {s1} {value} {txid} {status}.")
    String url;

    @Option(names = "--id", defaultValue = "", description = "Destination id [a-z0-9_-]{1,64}; generated when omitted.")
    String id;

    @Mixin SettingsOptions settings;

    @Override
    public void run() {
      owner.checked();
      var request = CreateDestinationRequest.newBuilder().setAccountId(owner.account).setPartnerId(owner.partner)
          .setDestinationId(id).setKind(kind(kind)).setUrl(url);
      if (settings.goals != null) {
        request.addAllGoalKeys(settings.goals);
      }
      if (settings.on != null) {
        request.addAllTriggers(settings.triggers());
      }
      if (settings.statusMap != null) {
        request.putAllStatusMap(settings.statusWords());
      }
      if (settings.concurrency != null) {
        request.setMaxConcurrency(settings.concurrency);
      }
      if (settings.rate != null) {
        request.setMaxRequestsPerSecond(settings.rate);
      }
      Output out = new Output(grpc.output, Output.itself(), "destination.destination_id");
      try (GrpcOptions channel = grpc) {
        var created = grpc.deliveries().createDestination(request.build());
        if (!created.getSigningSecret().isEmpty()) {
          System.err.println(SECRET_WARNING);
        }
        out.print(created, () -> {
          print(created.getDestination());
          if (!created.getSigningSecret().isEmpty()) {
            Output.line("signing secret", created.getSigningSecret());
          }
        });
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination list --account acme"},
      description = "List an account's destinations (its own and its partner's) or a partner's.")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Override
    public void run() {
      owner.checked();
      Output out = new Output(grpc.output, Output.items("destinations"), "destination_id");
      try (GrpcOptions channel = grpc) {
        var page = grpc.deliveries().listDestinations(ListDestinationsRequest.newBuilder()
            .setAccountId(owner.account).setPartnerId(owner.partner).build());
        out.print(page, () -> page.getDestinationsList().forEach(d -> System.out.println(String.join("\t",
            d.getDestinationId(), CliWords.enumWord(d.getKind().getValueDescriptor()), ownerOf(d), state(d), d.getUrl()))));
      }
    }
  }

  @Command(name = "show", aliases = "get", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination show tracker --account acme"},
      description = "Show one destination (never its secret).")
  static final class Show implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Override
    public void run() {
      owner.checked();
      Output out = new Output(grpc.output, Output.itself(), "destination_id");
      try (GrpcOptions channel = grpc) {
        Destination d = grpc.deliveries().getDestination(GetDestinationRequest.newBuilder()
            .setAccountId(owner.account).setPartnerId(owner.partner).setDestinationId(id).build()).getDestination();
        out.print(d, () -> print(d));
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination update tracker --account acme --status-map approved=1"},
      description = "Change what the flags name; --goal, --on and --status-map replace the whole list.")
  static final class Update implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Option(names = "--url", description = "New URL (checked as on create).")
    String url;

    @Option(names = "--all-goals", description = "Send every goal again (clears --goal).")
    boolean allGoals;

    @Mixin SettingsOptions settings;

    @Override
    public void run() {
      owner.checked();
      var request = base(owner, id);
      if (url != null) {
        request.setUrl(url);
      }
      if (settings.goals != null || allGoals) {
        request.setReplaceGoalKeys(true).addAllGoalKeys(allGoals ? List.of() : settings.goals);
      }
      if (settings.on != null) {
        request.setReplaceTriggers(true).addAllTriggers(settings.triggers());
      }
      if (settings.statusMap != null) {
        request.setReplaceStatusMap(true).putAllStatusMap(settings.statusWords());
      }
      if (settings.concurrency != null) {
        request.setMaxConcurrency(settings.concurrency);
      }
      if (settings.rate != null) {
        request.setMaxRequestsPerSecond(settings.rate);
      }
      update(grpc, request);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination pause tracker --account acme"},
      description = "Pause a destination: its deliveries wait (none is dropped) until resume.")
  static final class Pause implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Override
    public void run() {
      update(grpc, base(owner.checked(), id).setPaused(true));
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination resume tracker --account acme"},
      description = "Resume a paused destination; also closes a circuit the breaker opened.")
  static final class Resume implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Override
    public void run() {
      update(grpc, base(owner.checked(), id).setPaused(false));
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination delete tracker --account acme"},
      description = "Delete a destination; its waiting deliveries are cancelled.")
  static final class Delete implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Override
    public void run() {
      owner.checked();
      Output out = new Output(grpc.output, Output.itself(), "destination_id");
      try (GrpcOptions channel = grpc) {
        grpc.deliveries().deleteDestination(DeleteDestinationRequest.newBuilder()
            .setAccountId(owner.account).setPartnerId(owner.partner).setDestinationId(id).build());
        ObjectNode json = CliJson.MAPPER.createObjectNode().put("destination_id", id).put("deleted", true);
        out.print(json, () -> System.out.println("deleted destination " + id));
      }
    }
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination test tracker --account acme"},
      description = "Send one test conversion (test = true) now and show the receiver's answer; nothing is queued.")
  static final class Test implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Override
    public void run() {
      owner.checked();
      Output out = new Output(grpc.output, Output.itself(), null);
      try (GrpcOptions channel = grpc) {
        var tested = grpc.deliveries().testDestination(TestDestinationRequest.newBuilder()
            .setAccountId(owner.account).setPartnerId(owner.partner).setDestinationId(id).build());
        var a = tested.getAttempt();
        out.print(tested, () -> {
          Output.line("request", tested.getRequestUrl());
          Output.line("status", a.getStatusCode() == 0 ? "no answer" : Integer.toString(a.getStatusCode()));
          Output.line("latency", CliWords.duration(a.getLatency()));
          if (!a.getError().isEmpty()) {
            Output.line("error", a.getError());
          }
          if (!a.getResponseExcerpt().isEmpty()) {
            Output.line("response", a.getResponseExcerpt());
          }
        });
      }
    }
  }

  @Command(name = "rotate-secret", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid destination rotate-secret hook --account acme --grace 24h"},
      description = "Give a webhook a new signing secret; the previous one also signs for --grace.")
  static final class RotateSecret implements Runnable {
    @Mixin GrpcOptions grpc;

    @Mixin OwnerOptions owner;

    @Parameters(index = "0", description = "Destination id.")
    String id;

    @Option(names = "--grace", defaultValue = "24h",
        description = "How long the previous secret keeps signing (0s: not at all; at most 30d). Default: ${DEFAULT-VALUE}")
    String grace;

    @Override
    public void run() {
      owner.checked();
      Output out = new Output(grpc.output, Output.itself(), null);
      try (GrpcOptions channel = grpc) {
        var rotated = grpc.deliveries().rotateDestinationSecret(RotateDestinationSecretRequest.newBuilder()
            .setAccountId(owner.account).setPartnerId(owner.partner).setDestinationId(id)
            .setGracePeriod(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(grace).getSeconds()))
            .build());
        System.err.println(SECRET_WARNING);
        out.print(rotated, () -> {
          Output.line("signing secret", rotated.getSigningSecret());
          Output.line("previous until", rotated.hasPreviousSecretExpireTime()
              ? CliWords.time(rotated.getPreviousSecretExpireTime()) : "dropped now");
        });
      }
    }
  }

  private static UpdateDestinationRequest.Builder base(OwnerOptions owner, String id) {
    return UpdateDestinationRequest.newBuilder().setAccountId(owner.account).setPartnerId(owner.partner).setDestinationId(id);
  }

  private static void update(GrpcOptions grpc, UpdateDestinationRequest.Builder request) {
    Output out = new Output(grpc.output, Output.itself(), "destination_id");
    try (GrpcOptions channel = grpc) {
      Destination d = grpc.deliveries().updateDestination(request.build()).getDestination();
      out.print(d, () -> print(d));
    }
  }

  static DestinationKind kind(String word) {
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "postback" -> DestinationKind.DESTINATION_KIND_POSTBACK;
      case "webhook" -> DestinationKind.DESTINATION_KIND_WEBHOOK;
      default -> throw new CliException("--kind '" + word + "': expected postback or webhook");
    };
  }

  static DeliveryTrigger trigger(String word) {
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "accepted", "recorded" -> DeliveryTrigger.DELIVERY_TRIGGER_RECORDED;
      case "pending" -> DeliveryTrigger.DELIVERY_TRIGGER_PENDING;
      case "approved" -> DeliveryTrigger.DELIVERY_TRIGGER_APPROVED;
      case "rejected" -> DeliveryTrigger.DELIVERY_TRIGGER_REJECTED;
      default -> throw new CliException("--on '" + word + "': expected accepted, pending, approved or rejected");
    };
  }

  private static String ownerOf(Destination d) {
    return d.getAccountId().isEmpty() ? "partner:" + d.getPartnerId() : "account:" + d.getAccountId();
  }

  private static String state(Destination d) {
    return d.getCircuitOpen() ? "circuit open" : d.getPaused() ? "paused" : "active";
  }

  static void print(Destination d) {
    Output.line("destination", d.getDestinationId());
    Output.line("owner", ownerOf(d));
    Output.line("kind", CliWords.enumWord(d.getKind().getValueDescriptor()));
    Output.line("url", d.getUrl());
    Output.line("state", state(d));
    if (d.getCircuitOpen()) {
      Output.line("circuit", d.getCircuitReason());
    }
    Output.line("goals", d.getGoalKeysCount() == 0 ? "every goal" : String.join(", ", d.getGoalKeysList()));
    List<String> on = new ArrayList<>();
    d.getTriggersList().forEach(t -> on.add(CliWords.enumWord(t.getValueDescriptor())));
    Output.line("on", on.isEmpty() ? "every event" : String.join(", ", on));
    if (d.getStatusMapCount() > 0) {
      Output.line("status map", new java.util.TreeMap<>(d.getStatusMapMap()));
    }
    Output.line("concurrency", d.getMaxConcurrency() == 0 ? "server default" : Integer.toString(d.getMaxConcurrency()));
    Output.line("rate", d.getMaxRequestsPerSecond() == 0 ? "unlimited" : d.getMaxRequestsPerSecond() + "/s");
    if (d.hasSecretRotateTime()) {
      Output.line("secret rotated", CliWords.time(d.getSecretRotateTime()));
    }
  }
}
