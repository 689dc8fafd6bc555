package io.kcid.cli;

import io.kcid.edge.EdgeMain;
import io.kcid.server.ServerMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./kcid}: the one entry point for running kcid and talking to it. */
@Command(
    name = "kcid",
    mixinStandardHelpOptions = true,
    version = "kcid 0.1.0",
    description = "Server-to-server conversion tracking: click ids, postbacks, exactly-once conversions.",
    // Run by the ./kcid launcher script itself, not by this jar: listed so that --help shows every command.
    footer = {
      "%nAlso: ./kcid test (every test) and ./kcid bench (the benchmarks; its own jar, bench/).",
      "%nExamples:",
      "  ./kcid up",
      "  ./kcid account create --name \"Acme Shoes\" --id acme",
      "  ./kcid doctor",
      "  ./kcid help account"},
    subcommands = {
      UpCommand.class,
      ServerMain.class,
      EdgeMain.class,
      DeliverCommand.class,
      PartnerCommand.class,
      AccountCommand.class,
      GoalCommand.class,
      ClickUrlCommand.class,
      PostbackCommand.class,
      InspectCommand.class,
      ClickCommand.class,
      ConversionsCommand.class,
      ConversionStatusCommand.class,
      ApiKeyCommand.class,
      BotsCommand.class,
      FxCommand.class,
      CapCommand.class,
      PostbacksCommand.class,
      ExplainCommand.class,
      ReplayCommand.class,
      DeliveriesCommand.class,
      RedeliverCommand.class,
      StatsCommand.class,
      StreamCommand.class,
      DestinationCommand.class,
      DoctorCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class KcidCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new KcidCli());
    cli.setExecutionExceptionHandler(new CliErrors());
    ForeignCommandExamples.addTo(cli);
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
