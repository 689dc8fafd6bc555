package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.CapAction;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapChange;
import io.kcid.proto.tracking.v1.ConversionCapUsage;
import io.kcid.proto.tracking.v1.DeleteConversionCapRequest;
import io.kcid.proto.tracking.v1.ListConversionCapsRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.SetConversionCapRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kcid cap set|list|delete}: an account's conversion caps (docs/caps.md). */
@Command(
    name = "cap",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid cap set acc_123 daily-sales --goal sale --period daily --max 100",
      "  ./kcid cap set acc_123 spring-budget --campaign spring --period monthly \\",
      "      --max-value 5000 --currency EUR --action pending",
      "  ./kcid cap list acc_123",
      "  ./kcid cap delete acc_123 daily-sales"},
    description = "Conversion caps: a conversion over a cap is recorded rejected (or pending) with reason"
        + " CAP_REACHED and does not count. Periods follow the account's time zone; every change is audited.",
    subcommands = {CapCommand.Set.class, CapCommand.ListAll.class, CapCommand.Delete.class})
final class CapCommand {

  @Command(name = "set", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid cap set acc_123 daily-sales --goal sale --period daily --max 100"},
      description = "Create or replace a cap. It counts conversions of --goal, of clicks of --campaign, or of the"
          + " goal in the campaign; in conversions (--max) or in value (--max-value, --currency).")
  static final class Set implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "The account id.")
    String accountId;

    @Parameters(index = "1", description = "The cap's id: [a-z0-9_-]{1,64}.")
    String capId;

    @Option(names = "--goal", description = "Goal key the cap counts (default: any goal).")
    String goal = "";

    @Option(names = "--campaign", description = "Campaign id the cap counts (default: any campaign).")
    String campaign = "";

    @Option(names = "--period", required = true, description = "daily | monthly | lifetime")
    String period;

    @Option(names = "--max", description = "At most this many conversions in the period.")
    Long max;

    @Option(names = "--max-value", description = "At most this value in the period (decimal).")
    String maxValue;

    @Option(names = "--currency", description = "Currency of --max-value (ISO 4217, e.g. EUR).")
    String currency = "";

    @Option(names = "--action", description = "reject (default) | pending: what a conversion over the cap becomes.")
    String action = "reject";

    @Option(names = "--from", description = "When the cap starts applying (ISO-8601 instant; default now).")
    String from;

    @Override
    public void run() {
      ConversionCap.Builder cap = ConversionCap.newBuilder().setCapId(capId).setGoalKey(goal).setCampaignId(campaign)
          .setPeriod(period(period)).setAction(action(action));
      if (max != null) {
        cap.setMaxConversions(max);
      }
      if (maxValue != null) {
        cap.setMaxValue(Money.newBuilder().setAmount(maxValue).setCurrencyCode(currency));
      }
      if (from != null) {
        try {
          Instant t = Instant.parse(from);
          cap.setEffectiveFrom(Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()));
        } catch (DateTimeParseException e) {
          throw new CliException("--from " + from + ": expected an ISO-8601 instant such as 2026-12-05T00:00:00Z");
        }
      }
      Output out = new Output(grpc.output, Output.itself(), "cap.cap_id");
      try (GrpcOptions channel = grpc) {
        var stored = grpc.admin().setConversionCap(
            SetConversionCapRequest.newBuilder().setAccountId(accountId).setCap(cap).build());
        out.print(stored, () -> System.out.println("cap " + describe(stored.getCap())));
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid cap list acc_123"},
      description = "List the account's caps, what each counted in its current period, and the latest changes.")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "The account id.")
    String accountId;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("caps"), "cap.cap_id");
      try (GrpcOptions channel = grpc) {
        var listed = grpc.admin().listConversionCaps(
            ListConversionCapsRequest.newBuilder().setAccountId(accountId).build());
        out.print(listed, () -> {
          if (listed.getCapsCount() == 0) {
            System.out.println("no caps");
          }
          for (ConversionCapUsage u : listed.getCapsList()) {
            String used = u.getCap().hasMaxValue()
                ? u.getUsedValue().getAmount() + " " + u.getUsedValue().getCurrencyCode()
                : Long.toString(u.getUsedConversions());
            System.out.println(describe(u.getCap()) + "  used " + used + " in " + u.getPeriod());
          }
          if (listed.getChangesCount() > 0) {
            System.out.println();
            System.out.println("latest changes:");
            for (ConversionCapChange c : listed.getChangesList()) {
              String what = !c.hasBefore() ? "created" : !c.hasAfter() ? "deleted" : "changed";
              System.out.println("  " + Instant.ofEpochSecond(c.getChangeTime().getSeconds()) + "  " + c.getCapId()
                  + " " + what + (c.getActor().isEmpty() ? "" : " by " + c.getActor()));
            }
          }
        });
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid cap delete acc_123 daily-sales"},
      description = "Delete a cap (audited); its counts go with it.")
  static final class Delete implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "The account id.")
    String accountId;

    @Parameters(index = "1", description = "The cap's id.")
    String capId;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), null);
      try (GrpcOptions channel = grpc) {
        var deleted = grpc.admin().deleteConversionCap(
            DeleteConversionCapRequest.newBuilder().setAccountId(accountId).setCapId(capId).build());
        out.print(deleted, () -> System.out.println("deleted cap " + capId));
      }
    }
  }

  static CapPeriod period(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "daily" -> CapPeriod.CAP_PERIOD_DAILY;
      case "monthly" -> CapPeriod.CAP_PERIOD_MONTHLY;
      case "lifetime" -> CapPeriod.CAP_PERIOD_LIFETIME;
      default -> throw new CliException("--period " + name + ": expected daily, monthly or lifetime");
    };
  }

  static CapAction action(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "reject" -> CapAction.CAP_ACTION_REJECT;
      case "pending" -> CapAction.CAP_ACTION_PENDING;
      default -> throw new CliException("--action " + name + ": expected reject or pending");
    };
  }

  static String describe(ConversionCap c) {
    String scope = (c.getGoalKey().isEmpty() ? "" : "goal " + c.getGoalKey())
        + (c.getGoalKey().isEmpty() || c.getCampaignId().isEmpty() ? "" : " in ")
        + (c.getCampaignId().isEmpty() ? "" : "campaign " + c.getCampaignId());
    String limit = c.hasMaxValue()
        ? c.getMaxValue().getAmount() + " " + c.getMaxValue().getCurrencyCode()
        : c.getMaxConversions() + " conversions";
    return c.getCapId() + ": " + scope + ", at most " + limit + " "
        + c.getPeriod().name().replace("CAP_PERIOD_", "").toLowerCase(Locale.ROOT)
        + ", then " + (c.getAction() == CapAction.CAP_ACTION_PENDING ? "pending" : "rejected");
  }
}
