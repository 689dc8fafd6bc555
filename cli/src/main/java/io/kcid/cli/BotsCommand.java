package io.kcid.cli;

import io.kcid.proto.tracking.v1.BadRangeLine;
import io.kcid.proto.tracking.v1.BotRange;
import io.kcid.proto.tracking.v1.BotRangeKind;
import io.kcid.proto.tracking.v1.ClearBotRangesRequest;
import io.kcid.proto.tracking.v1.ListBotRangesRequest;
import io.kcid.proto.tracking.v1.LoadBotRangesRequest;
import io.kcid.proto.tracking.v1.LoadBotRangesResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kcid bots load|list|clear}: the operator's IP lists that flag clicks (needs a platform admin key). */
@Command(
    name = "bots",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid bots load --kind datacenter ranges.txt",
      "  ./kcid bots list --kind bot",
      "  ./kcid bots clear --kind datacenter"},
    description = "Operator IP lists: clicks from a bot range are flagged as bots, from a data-centre range as"
        + " data-centre traffic (they still redirect). Servers apply a change within the account cache TTL.",
    subcommands = {BotsCommand.Load.class, BotsCommand.ListAll.class, BotsCommand.Clear.class})
final class BotsCommand {
  /** Lines per call (the server takes at most 10000). */
  static final int CHUNK = 5_000;

  @Command(name = "load", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid bots load --kind datacenter ranges.txt"},
      description = "Add the ranges of a file: one IPv4/IPv6 address or CIDR range a line, '#' starts a comment."
          + " A bad line is reported with its number and the rest is loaded (exit code 1 when any was bad).")
  static final class Load implements Callable<Integer> {
    @Mixin GrpcOptions grpc;

    @Option(names = "--kind", required = true, description = "bot | datacenter")
    String kind;

    @Parameters(index = "0", description = "The range file.")
    Path file;

    @Override
    public Integer call() {
      BotRangeKind k = kind(kind, false);
      Output out = new Output(grpc.output, Output.itself(), null);
      LoadBotRangesResponse.Builder total = LoadBotRangesResponse.newBuilder();
      try (GrpcOptions channel = grpc; BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        LineParts.send(reader, 1, CHUNK, (lines, first) -> {
          var loaded = grpc.admin().loadBotRanges(LoadBotRangesRequest.newBuilder()
              .setKind(k).addAllLines(lines).setFirstLineNumber(first).build());
          total.setLoaded(total.getLoaded() + loaded.getLoaded()).addAllBadLines(loaded.getBadLinesList());
        });
      } catch (NoSuchFileException e) {
        throw new CliException("no such file: " + file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      LoadBotRangesResponse result = total.build();
      out.print(result, () -> {
        for (BadRangeLine bad : result.getBadLinesList()) {
          System.err.println(file + ":" + bad.getLineNumber() + ": " + bad.getMessage() + " (" + bad.getText() + ")");
        }
        System.out.println("loaded " + result.getLoaded() + " new " + kind + " ranges"
            + (result.getBadLinesCount() > 0 ? "; " + result.getBadLinesCount() + " bad lines skipped" : ""));
      });
      return result.getBadLinesCount() > 0 ? CliErrors.REFUSED : 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid bots list --kind bot"},
      description = "List the ranges of one list, or of both.")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--kind", description = "bot | datacenter (default: both)")
    String kind;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("ranges"), "cidr");
      try (GrpcOptions channel = grpc) {
        var listed = grpc.admin().listBotRanges(ListBotRangesRequest.newBuilder().setKind(kind(kind, true)).build());
        out.print(listed, () -> {
          for (BotRange range : listed.getRangesList()) {
            System.out.println(name(range.getKind()) + "  " + range.getCidr());
          }
        });
      }
    }
  }

  @Command(name = "clear", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid bots clear --kind datacenter"},
      description = "Empty one list, or both.")
  static final class Clear implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--kind", description = "bot | datacenter (default: both)")
    String kind;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), null);
      try (GrpcOptions channel = grpc) {
        var cleared = grpc.admin().clearBotRanges(ClearBotRangesRequest.newBuilder().setKind(kind(kind, true)).build());
        out.print(cleared, () -> System.out.println("removed " + cleared.getRemoved() + " ranges"));
      }
    }
  }

  static BotRangeKind kind(String name, boolean optional) {
    if (name == null && optional) {
      return BotRangeKind.BOT_RANGE_KIND_UNSPECIFIED;
    }
    return switch (name == null ? "" : name.trim().toLowerCase(Locale.ROOT)) {
      case "bot" -> BotRangeKind.BOT_RANGE_KIND_BOT;
      case "datacenter" -> BotRangeKind.BOT_RANGE_KIND_DATACENTER;
      default -> throw new CliException("--kind " + name + ": expected bot or datacenter");
    };
  }

  static String name(BotRangeKind kind) {
    return kind == BotRangeKind.BOT_RANGE_KIND_BOT ? "bot" : "datacenter";
  }
}
