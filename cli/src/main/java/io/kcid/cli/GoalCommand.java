package io.kcid.cli;

import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid goal create|list|pause|resume}. */
@Command(
    name = "goal",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid goal create --account acme --key purchase --window 7d",
      "  ./kcid goal list --account acme"},
    description = "Manage an account's conversion goals.",
    subcommands = {GoalCommand.Create.class, GoalCommand.ListGoals.class, GoalCommand.Pause.class, GoalCommand.Resume.class})
final class GoalCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      footer = {
        "%nExamples:",
        "  ./kcid goal create --account acme --key purchase --window 7d",
        "  ./kcid goal create --account acme --key signup \\",
        "      --counting every-postback --min-time 10s"},
      description = "Create a goal.")
  static final class Create implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--account", required = true, description = "Account id.")
    String account;

    @Option(names = "--key", required = true, description = "Goal key used in postbacks (goal=…).")
    String key;

    @Option(names = "--name", defaultValue = "", description = "Display name.")
    String name;

    @Option(names = "--window", defaultValue = "30d", description = "Attribution window (90s, 15m, 12h, 30d). Default: ${DEFAULT-VALUE}")
    String window;

    @Option(names = "--counting", defaultValue = "once-per-click",
        description = "once-per-click | every-postback | unique-transaction | unique-transaction-per-account. Default: ${DEFAULT-VALUE}")
    String counting;

    @Option(names = "--min-time", description = "Refuse conversions sooner than this after the click (e.g. 10s, 5m).")
    String minTime;

    @Option(names = "--campaign", description = "Count only clicks of this campaign (repeatable).")
    java.util.List<String> campaigns = new java.util.ArrayList<>();

    @Option(names = "--allow-negative", description = "Accept negative values (corrections).")
    boolean allowNegative;

    @Option(names = "--value", defaultValue = "", description = "Default value when a postback has none.")
    String value;

    @Option(names = "--currency", defaultValue = "USD", description = "Currency of --value. Default: ${DEFAULT-VALUE}")
    String currency;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "goal_key");
      try (GrpcOptions channel = grpc) {
        CreateGoalRequest.Builder request = CreateGoalRequest.newBuilder()
            .setAccountId(account)
            .setGoalKey(key)
            .setDisplayName(name)
            .setAttributionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(window).getSeconds()))
            .setCountingMode(counting(counting))
            .addAllCampaignIds(campaigns)
            .setAllowNegativeValue(allowNegative);
        if (minTime != null) {
          request.setMinTimeToConvert(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(minTime).getSeconds()));
        }
        if (!value.isEmpty()) {
          request.setDefaultValue(Money.newBuilder().setAmount(value).setCurrencyCode(currency));
        }
        Goal goal = grpc.admin().createGoal(request.build()).getGoal();
        out.print(goal, () -> print(goal));
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid goal list --account acme"},
      description = "List an account's goals.")
  static final class ListGoals implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--account", required = true, description = "Account id.")
    String account;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("goals"), "goal_key");
      try (GrpcOptions channel = grpc) {
        var goals = grpc.admin().listGoals(ListGoalsRequest.newBuilder().setAccountId(account).build());
        out.print(goals, () -> {
          for (Goal g : goals.getGoalsList()) {
            System.out.printf("%-20s %-8s %-32s window %s%n", g.getGoalKey(), state(g.getState()),
                CliWords.enumWord(g.getCountingMode().getValueDescriptor()), CliWords.duration(g.getAttributionWindow()));
          }
        });
      }
    }
  }

  /** Pause and resume differ only in the state they set. */
  abstract static class SetState implements Runnable {
    @Mixin GrpcOptions grpc;
    @Option(names = "--account", required = true, description = "Account id.") String account;
    @Option(names = "--key", required = true, description = "Goal key.") String key;

    abstract GoalState state();

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "goal_key");
      try (GrpcOptions channel = grpc) {
        Goal goal = grpc.admin().updateGoal(UpdateGoalRequest.newBuilder().setAccountId(account).setGoalKey(key)
            .setState(state()).build()).getGoal();
        out.print(goal, () -> print(goal));
      }
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid goal pause --account acme --key purchase"},
      description = "Stop counting a goal's postbacks.")
  static final class Pause extends SetState {
    @Override
    GoalState state() {
      return GoalState.GOAL_STATE_PAUSED;
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid goal resume --account acme --key purchase"},
      description = "Count a paused goal's postbacks again.")
  static final class Resume extends SetState {
    @Override
    GoalState state() {
      return GoalState.GOAL_STATE_ACTIVE;
    }
  }

  static CountingMode counting(String text) {
    return switch (text) {
      case "once-per-click" -> CountingMode.COUNTING_MODE_ONCE_PER_CLICK;
      case "every-postback" -> CountingMode.COUNTING_MODE_EVERY_POSTBACK;
      case "unique-transaction" -> CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK;
      case "unique-transaction-per-account" -> CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT;
      default -> throw new CliException("--counting '" + text
          + "': expected once-per-click, every-postback, unique-transaction or unique-transaction-per-account");
    };
  }

  private static String state(GoalState s) {
    return s == GoalState.GOAL_STATE_PAUSED ? "paused" : "active";
  }

  private static void print(Goal goal) {
    Output.line("goal", goal.getGoalKey());
    Output.line("account", goal.getAccountId());
    Output.line("state", state(goal.getState()));
    Output.line("counting", CliWords.enumWord(goal.getCountingMode().getValueDescriptor()));
    Output.line("window", CliWords.duration(goal.getAttributionWindow()));
    if (!goal.getDefaultValue().getAmount().isEmpty()) {
      Output.line("default value", goal.getDefaultValue().getAmount() + " " + goal.getDefaultValue().getCurrencyCode());
    }
  }
}
