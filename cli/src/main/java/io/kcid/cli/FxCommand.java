package io.kcid.cli;

import io.kcid.proto.tracking.v1.BadRateLine;
import io.kcid.proto.tracking.v1.ExchangeRateDay;
import io.kcid.proto.tracking.v1.ListExchangeRatesRequest;
import io.kcid.proto.tracking.v1.LoadExchangeRatesRequest;
import io.kcid.proto.tracking.v1.LoadExchangeRatesResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kcid fx load|list}: the exchange-rate table accounts report in (needs a platform admin key). */
@Command(
    name = "fx",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid fx load eurofxref-hist.csv",
      "  ./kcid fx load eurofxref.zip",
      "  ./kcid fx list --limit 5 --currency USD"},
    description = "Exchange rates for reporting currencies: ECB's daily reference rates (units per EUR), as"
        + " published. A conversion is converted at the rate of its day (see docs/reporting-currency.md).",
    subcommands = {FxCommand.Load.class, FxCommand.ListDays.class})
final class FxCommand {
  /** Data lines per call, the header added to each (the server takes at most 2000 lines). */
  static final int CHUNK = 1_999;

  @Command(name = "load", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid fx load eurofxref-hist.csv"},
      description = "Load a rate file in ECB's CSV format (eurofxref.csv, eurofxref-hist.csv, or the .zip they come"
          + " in): the header 'Date, USD, JPY, …' first, one day a line, \"N/A\" for no rate. The file is streamed in"
          + " parts; a bad line is reported with its number and the rest is loaded (exit code 1 when any was bad).")
  static final class Load implements Callable<Integer> {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "The rate file (.csv, or a .zip holding one).")
    Path file;

    @Override
    public Integer call() {
      Output out = new Output(grpc.output, Output.itself(), null);
      LoadExchangeRatesResponse.Builder total = LoadExchangeRatesResponse.newBuilder();
      try (GrpcOptions channel = grpc; BufferedReader reader = open(file)) {
        String header = reader.readLine();
        if (header == null) {
          throw new CliException(file + " is empty: expected the header 'Date, USD, JPY, …' first");
        }
        String csvHeader = header.startsWith("\uFEFF") ? header.substring(1) : header;
        LineParts.send(reader, 2, CHUNK, (lines, first) -> merge(total, grpc.admin().loadExchangeRates(
            LoadExchangeRatesRequest.newBuilder().addLines(csvHeader).addAllLines(lines).setFirstLineNumber(first).build())));
      } catch (NoSuchFileException e) {
        throw new CliException("no such file: " + file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      LoadExchangeRatesResponse result = total.build();
      out.print(result, () -> {
        for (BadRateLine bad : result.getBadLinesList()) {
          System.err.println(file + ":" + bad.getLineNumber() + ": " + bad.getMessage() + " (" + bad.getText() + ")");
        }
        System.out.println("loaded " + result.getRates() + " rates of " + result.getDays() + " days"
            + (result.getDays() > 0 ? " (" + result.getFirstDate() + " to " + result.getLastDate() + ")" : "")
            + (result.getBadLinesCount() > 0 ? "; " + result.getBadLinesCount() + " bad lines or cells skipped" : ""));
      });
      return result.getBadLinesCount() > 0 ? CliErrors.REFUSED : 0;
    }

    private static void merge(LoadExchangeRatesResponse.Builder total, LoadExchangeRatesResponse part) {
      total.setDays(total.getDays() + part.getDays()).setRates(total.getRates() + part.getRates())
          .addAllBadLines(part.getBadLinesList());
      if (part.getDays() > 0) {
        if (total.getFirstDate().isEmpty() || part.getFirstDate().compareTo(total.getFirstDate()) < 0) {
          total.setFirstDate(part.getFirstDate());
        }
        if (part.getLastDate().compareTo(total.getLastDate()) > 0) {
          total.setLastDate(part.getLastDate());
        }
      }
    }

    /** The CSV itself, or the first .csv entry of a .zip (ECB publishes both files zipped). */
    static BufferedReader open(Path file) throws IOException {
      InputStream in = Files.newInputStream(file);
      if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
        ZipInputStream zip = new ZipInputStream(in);
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
          if (entry.getName().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return new BufferedReader(new InputStreamReader(zip, StandardCharsets.UTF_8));
          }
        }
        zip.close();
        throw new CliException(file + " holds no .csv file");
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid fx list --limit 5 --currency USD"},
      description = "The loaded days, newest first, with their rates per EUR.")
  static final class ListDays implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--limit", description = "Days to show (1-400, default 10).")
    int limit;

    @Option(names = "--before", description = "Only days on or before this one (yyyy-MM-dd).")
    String before;

    @Option(names = "--currency", split = ",", description = "Show only these currencies (e.g. USD,GBP).")
    List<String> currencies;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("days"), "date");
      try (GrpcOptions channel = grpc) {
        var request = ListExchangeRatesRequest.newBuilder().setLimit(limit);
        if (before != null) {
          request.setBeforeDate(before);
        }
        var listed = grpc.admin().listExchangeRates(request.build());
        out.print(listed, () -> {
          for (ExchangeRateDay day : listed.getDaysList()) {
            StringBuilder line = new StringBuilder(day.getDate());
            for (Map.Entry<String, String> rate : new java.util.TreeMap<>(day.getRatesPerEurMap()).entrySet()) {
              if (currencies == null || currencies.stream().anyMatch(c -> c.equalsIgnoreCase(rate.getKey()))) {
                line.append("  ").append(rate.getKey()).append('=').append(rate.getValue());
              }
            }
            System.out.println(line);
          }
          System.out.println(listed.getTotalDays() + " days loaded in all (rates are units per 1 EUR)");
        });
      }
    }
  }
}
