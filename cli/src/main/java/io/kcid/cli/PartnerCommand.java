package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.GetPartnerRequest;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kcid partner create|list|show|update|delete}: the agencies and resellers that own accounts. */
@Command(
    name = "partner",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid partner create --name \"Agency One\" --id agency-one",
      "  ./kcid partner update agency-one --s2s off",
      "  ./kcid partner list",
      "  ./kcid partner delete agency-one --cascade"},
    description = "Create, read, change and delete partners, and switch their accounts' S2S tracking on or off.",
    subcommands = {PartnerCommand.Create.class, PartnerCommand.ListAll.class, PartnerCommand.Show.class,
        PartnerCommand.Update.class, PartnerCommand.Delete.class})
final class PartnerCommand {

  /** The defaults a partner's new accounts start from; each flag names one. */
  static final class DefaultsOptions {
    @Option(names = "--window", description = "Attribution window of new accounts' first goal (90s, 15m, 12h, 30d).")
    String window;

    @Option(names = "--counting",
        description = "Counting mode of new accounts' first goal: once-per-click, every-postback, unique-transaction,"
            + " unique-transaction-per-account.")
    String counting;

    @Option(names = "--auth", split = ",", description = "Postback credentials new accounts accept: token, signature.")
    List<String> auth;

    @Option(names = "--time-zone", description = "IANA time zone of new accounts' stats, e.g. Europe/Berlin.")
    String timeZone;

    @Option(names = "--currency", description = "ISO 4217 code of new accounts' postback values that name none, e.g. EUR.")
    String currency;

    /** New accounts' status map, ignore-status and response format. */
    @Mixin StatusMapOptions statuses;

    /** Whether any default is named on the command line. */
    boolean named() {
      return window != null || counting != null || auth != null || timeZone != null || currency != null
          || statuses.named();
    }

    PartnerDefaults build() {
      var defaults = PartnerDefaults.newBuilder();
      if (window != null) {
        defaults.setAttributionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(window).getSeconds()));
      }
      if (counting != null) {
        defaults.setCountingMode(GoalCommand.counting(counting));
      }
      if (auth != null) {
        defaults.addAllPostbackAuthMethods(AccountCommand.methods(auth));
      }
      if (timeZone != null) {
        defaults.setTimeZone(timeZone);
      }
      if (currency != null) {
        defaults.setCurrencyCode(currency.toUpperCase(Locale.ROOT));
      }
      defaults.putAllStatusMap(statuses.map()).setPostbackResponseFormat(statuses.format());
      if (statuses.ignoreStatus != null) {
        defaults.setIgnoreStatus(statuses.ignoreStatus);
      }
      return defaults.build();
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid partner create --name \"Agency One\" --window 7d"},
      description = "Create a partner, S2S on unless --s2s off.")
  static final class Create implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--name", required = true, description = "Display name.")
    String name;

    @Option(names = "--id", defaultValue = "", description = "Partner id [a-z0-9_-]{1,64}; derived from --name when omitted.")
    String id;

    @Option(names = "--s2s", description = "on | off. Default: on")
    String s2s;

    @Mixin DefaultsOptions defaults;

    @Override
    public void run() {
      var request = CreatePartnerRequest.newBuilder().setPartnerId(id).setDisplayName(name)
          .setDefaults(defaults.build());
      if (s2s != null) {
        request.setS2SActive(onOff(s2s));
      }
      Output out = new Output(grpc.output, Output.itself(), "partner_id");
      try (GrpcOptions channel = grpc) {
        Partner p = grpc.partners().createPartner(request.build()).getPartner();
        out.print(p, () -> print(p));
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid partner list"},
      description = "List partners.")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("partners"), "partner_id");
      try (GrpcOptions channel = grpc) {
        var page = grpc.partners().listPartners(ListPartnersRequest.newBuilder().setPageSize(1000).build());
        out.print(page, () -> page.getPartnersList().forEach(p ->
            System.out.println(p.getPartnerId() + "\t" + (p.getS2SActive() ? "s2s on" : "s2s off") + "\t" + p.getDisplayName())));
      }
    }
  }

  @Command(name = "show", aliases = "get", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid partner show agency-one"},
      description = "Show one partner.")
  static final class Show implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "Partner id.")
    String id;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "partner_id");
      try (GrpcOptions channel = grpc) {
        Partner p = grpc.partners().getPartner(GetPartnerRequest.newBuilder().setPartnerId(id).build()).getPartner();
        out.print(p, () -> print(p));
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      footer = {
        "%nExamples:",
        "  ./kcid partner update agency-one --s2s off",
        "  ./kcid partner update agency-one --name \"Agency 1\" --window 14d"},
      description = "Change a partner; --s2s off stops clicks and postbacks of all its accounts (reads go on).")
  static final class Update implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "Partner id.")
    String id;

    @Option(names = "--name", description = "Display name.")
    String name;

    @Option(names = "--s2s", description = "on | off: S2S tracking of every account of the partner.")
    String s2s;

    @Mixin DefaultsOptions defaults;

    @Override
    public void run() {
      var request = UpdatePartnerRequest.newBuilder().setPartnerId(id);
      if (name != null) {
        request.setDisplayName(name);
      }
      if (s2s != null) {
        request.setS2SActive(onOff(s2s));
      }
      Output out = new Output(grpc.output, Output.itself(), "partner_id");
      try (GrpcOptions channel = grpc) {
        if (defaults.named()) {
          // The server replaces the defaults as a whole: start from the stored ones, change what the flags name.
          var stored = grpc.partners().getPartner(GetPartnerRequest.newBuilder().setPartnerId(id).build())
              .getPartner().getDefaults();
          request.setDefaults(merged(stored, defaults.build(), defaults));
        }
        Partner p = grpc.partners().updatePartner(request.build()).getPartner();
        out.print(p, () -> print(p));
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      footer = {
        "%nExamples:",
        "  ./kcid partner delete agency-one",
        "  ./kcid partner delete agency-one --cascade"},
      description = "Delete a partner. Refused (PARTNER_HAS_ACCOUNTS) while it owns accounts unless --cascade, which"
          + " deletes them too; run it again to finish a cascade that was cut off.")
  static final class Delete implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "Partner id.")
    String id;

    @Option(names = "--cascade", description = "Delete the partner's accounts (settings, goals, secrets) with it.")
    boolean cascade;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "partner_id");
      try (GrpcOptions channel = grpc) {
        var deleted = grpc.partners().deletePartner(
            DeletePartnerRequest.newBuilder().setPartnerId(id).setCascade(cascade).build());
        ObjectNode json = CliJson.MAPPER.createObjectNode().put("partner_id", id).put("deleted", true);
        var accountIds = json.putArray("deleted_account_ids");
        deleted.getDeletedAccountIdsList().forEach(accountIds::add);
        out.print(json, () -> {
          System.out.println("deleted partner " + id);
          deleted.getDeletedAccountIdsList().forEach(a -> System.out.println("deleted account " + a));
        });
      }
    }
  }

  private static PartnerDefaults merged(PartnerDefaults stored, PartnerDefaults named, DefaultsOptions flags) {
    var result = stored.toBuilder();
    if (named.hasAttributionWindow()) {
      result.setAttributionWindow(named.getAttributionWindow());
    }
    if (named.getCountingModeValue() != 0) {
      result.setCountingMode(named.getCountingMode());
    }
    if (flags.auth != null) {
      result.clearPostbackAuthMethods().addAllPostbackAuthMethods(named.getPostbackAuthMethodsList());
    }
    if (!named.getTimeZone().isEmpty()) {
      result.setTimeZone(named.getTimeZone());
    }
    if (!named.getCurrencyCode().isEmpty()) {
      result.setCurrencyCode(named.getCurrencyCode());
    }
    if (flags.statuses.statusMap != null) {
      result.clearStatusMap().putAllStatusMap(named.getStatusMapMap());
    }
    if (flags.statuses.ignoreStatus != null) {
      result.setIgnoreStatus(named.getIgnoreStatus());
    }
    if (named.getPostbackResponseFormatValue() != 0) {
      result.setPostbackResponseFormat(named.getPostbackResponseFormat());
    }
    return result.build();
  }

  static boolean onOff(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "on", "true" -> true;
      case "off", "false" -> false;
      default -> throw new CliException("--s2s '" + value + "': expected on or off");
    };
  }

  static void print(Partner p) {
    Output.line("partner", p.getPartnerId());
    Output.line("name", p.getDisplayName());
    Output.line("s2s", p.getS2SActive() ? "on" : "off");
    var d = p.getDefaults();
    if (d.hasAttributionWindow()) {
      Output.line("window", CliWords.duration(d.getAttributionWindow()));
    }
    if (d.getCountingModeValue() != 0) {
      Output.line("counting", d.getCountingMode().name().replace("COUNTING_MODE_", "").toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    if (d.getPostbackAuthMethodsCount() > 0) {
      Output.line("postback auth", d.getPostbackAuthMethodsList().stream()
          .map(m -> m.name().replace("POSTBACK_AUTH_METHOD_", "").toLowerCase(Locale.ROOT)).toList());
    }
    if (!d.getTimeZone().isEmpty()) {
      Output.line("time zone", d.getTimeZone());
    }
    if (!d.getCurrencyCode().isEmpty()) {
      Output.line("currency", d.getCurrencyCode());
    }
    if (d.getStatusMapCount() > 0) {
      Output.line("status map", StatusMapOptions.text(d.getStatusMapMap()));
    }
    if (d.getIgnoreStatus()) {
      Output.line("ignore status", true);
    }
    if (d.getPostbackResponseFormatValue() != 0) {
      Output.line("response format", StatusMapOptions.text(d.getPostbackResponseFormat()));
    }
  }
}
