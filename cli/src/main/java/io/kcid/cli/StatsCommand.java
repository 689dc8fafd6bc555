package io.kcid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.CurrencyValue;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.StatsFilter;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.TimeToConvertBucket;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid stats}: an account's or a partner's report as a table. */
@Command(name = "stats", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid stats --account acme",
      "  ./kcid stats --account acme --since 30d --by campaign,day --tz Europe/Berlin",
      "  ./kcid stats --partner agency-one --by account",
      "  ./kcid stats --account acme --by creative --filter campaign=spring",
      "  ./kcid stats --account acme --by s2,day --filter s2=newsletter"},
    description = "Clicks, conversions by status, approved value, conversion and approval rates, and the"
        + " time-to-convert distribution of an account, or of every account of a partner (test conversions excluded).")
final class StatsCommand implements Runnable {
  @Mixin GrpcOptions grpc;

  @Option(names = "--account", description = "Account id (give --account or --partner).")
  String account;

  @Option(names = "--partner", description = "Partner id: the sum of all its accounts (give --account or --partner).")
  String partner;

  @Option(names = "--since", defaultValue = "7d",
      description = "How far back: 12h, or 7d = the last 7 days of the time zone, today included. Default: ${DEFAULT-VALUE}")
  String since;

  @Option(names = "--by", split = ",", defaultValue = "",
      description = "Group by any of account, partner, campaign, goal, hour or day, and at most one of creative,"
          + " placement, sub1 ... sub10 (comma-separated).")
  List<String> by;

  @Option(names = "--filter", paramLabel = "DIMENSION=VALUE",
      description = "Keep only this value of a dimension (repeatable; any dimension of --by; hour: 00 to 23,"
          + " day: 2025-11-25). A creative, placement or sub id filter counts as that report's one detail dimension.")
  List<String> filters = new ArrayList<>();

  @Option(names = "--tz", defaultValue = "UTC", description = "IANA time zone of days and hours. Default: ${DEFAULT-VALUE}")
  String timeZone;

  @Option(names = "--currency", defaultValue = "",
      description = "Show values converted to this ISO 4217 currency. Default: the account's reporting currency")
  String reportingCurrency;

  @Override
  public void run() {
    if ((account == null) == (partner == null)) {
      throw new CliException("give --account <id> or --partner <id> (one of them)");
    }
    GetStatsRequest.Builder request = GetStatsRequest.newBuilder()
        .setAccountId(account == null ? "" : account)
        .setPartnerId(partner == null ? "" : partner)
        .setTimeZone(timeZone)
        .setReportingCurrency(reportingCurrency.trim().toUpperCase(Locale.ROOT))
        .setStartTime(timestamp(start(Durations.parse(since), zone(timeZone), Instant.now())));
    for (StatsDimensionNames d : groupBy()) {
      request.addGroupBy(d.dimension);
    }
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq < 0) {
        throw new CliException("--filter " + f + ": expected DIMENSION=VALUE, e.g. sub2=foo");
      }
      request.addFilters(StatsFilter.newBuilder()
          .setDimension(StatsDimensionNames.of("--filter", f.substring(0, eq)).dimension)
          .setValue(f.substring(eq + 1)));
    }
    Output out = new Output(grpc.output, StatsCommand::rows, null);
    try (GrpcOptions channel = grpc) {
      GetStatsResponse report = grpc.reports().getStats(request.build());
      out.print(report, () -> print(report));
    }
  }

  /** The rows of csv and --fields: each group's row, then the total (period "total"). */
  private static List<JsonNode> rows(JsonNode report) {
    List<JsonNode> rows = new ArrayList<>();
    report.path("rows").forEach(rows::add);
    if (report.has("total")) {
      rows.add(report.get("total").deepCopy());
      ((ObjectNode) rows.get(rows.size() - 1)).put("period", "total");
    }
    return rows;
  }

  /** Whole days start at a local midnight (today counts as one); other spans end now. */
  static Instant start(Duration since, ZoneId zone, Instant now) {
    if (since.toHours() % 24 == 0 && !since.isZero()) {
      return LocalDate.ofInstant(now, zone).minusDays(since.toDays() - 1).atStartOfDay(zone).toInstant();
    }
    return now.minus(since);
  }

  private static ZoneId zone(String id) {
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw new CliException("--tz " + id + ": not an IANA time zone such as Europe/Berlin");
    }
  }

  private List<StatsDimensionNames> groupBy() {
    return by.stream().filter(d -> !d.isBlank()).map(d -> StatsDimensionNames.of("--by", d)).toList();
  }

  private void print(GetStatsResponse report) {
    boolean period = report.getRowsList().stream().anyMatch(r -> !r.getPeriod().isEmpty());
    List<StatsDimensionNames> columns = StatsDimensionNames.columns(groupBy());
    List<String> header = new ArrayList<>();
    if (period) {
      header.add("period");
    }
    columns.forEach(c -> header.add(c.header));
    boolean grouped = !header.isEmpty();
    if (!grouped) {
      header.add("");
    }
    int textColumns = header.size();
    // Shown only when there is something to show: a report without flagged clicks keeps its columns.
    boolean flagged = report.getTotal().getFlaggedClicks() > 0;
    header.add("clicks");
    if (flagged) {
      header.add("flagged");
    }
    header.addAll(List.of("conv", "pending", "approved", "rejected"));
    // Likewise: conversions over a cap (CAP_REACHED, docs/caps.md) only when there are some.
    boolean capped = report.getTotal().getCappedConversions() > 0;
    if (capped) {
      header.add("capped");
    }
    header.addAll(List.of("cvr", "approval", "approved value"));
    boolean reporting = report.getTotal().hasReportingValue();
    if (reporting) {
      header.add("approved in " + report.getTotal().getReportingValue().getCurrencyCode());
    }
    Table table = new Table(header, textColumns);
    if (grouped) {
      for (StatsRow row : report.getRowsList()) {
        List<String> cells = new ArrayList<>();
        if (period) {
          cells.add(row.getPeriod());
        }
        for (StatsDimensionNames c : columns) {
          cells.add(orDash(c.value.apply(row)));
        }
        table.add(numbers(cells, row, flagged, capped));
      }
      table.separator();
    }
    List<String> total = new ArrayList<>();
    for (int i = 0; i < textColumns; i++) {
      total.add(i == 0 ? "total" : "");
    }
    table.add(numbers(total, report.getTotal(), flagged, capped));
    System.out.printf("%s, %s to %s (%s)%n", account != null ? account : "partner " + partner, local(report.getStartTime(), report.getTimeZone()),
        local(report.getEndTime(), report.getTimeZone()), report.getTimeZone());
    table.print(System.out);
    System.out.println("time to convert: " + report.getTotal().getTimeToConvertList().stream()
        .map(b -> label(b) + " " + b.getConversions()).collect(Collectors.joining(" | ")));
    if (reporting && report.getTotal().getMissingRatesCount() > 0) {
      // Never a guess: what has no rate is left out of the converted column, and said so.
      System.out.println("not converted (* above), no rate for: " + String.join(", ", report.getTotal().getMissingRatesList())
          + "; load it with ./kcid fx load");
    }
    if (report.getDayBoundariesApproximate()) {
      System.out.println("note: " + report.getTimeZone() + " is not a whole number of hours from UTC; stats are"
          + " hourly, so each hour counts in the day it starts in.");
    }
  }

  private static List<String> numbers(List<String> cells, StatsRow row, boolean flagged, boolean capped) {
    cells.add(Long.toString(row.getClicks()));
    if (flagged) {
      cells.add(Long.toString(row.getFlaggedClicks()));
    }
    cells.add(Long.toString(row.getConversions()));
    cells.add(Long.toString(row.getPendingConversions()));
    cells.add(Long.toString(row.getApprovedConversions()));
    cells.add(Long.toString(row.getRejectedConversions()));
    if (capped) {
      cells.add(Long.toString(row.getCappedConversions()));
    }
    cells.add(row.getClicks() == 0 ? "-" : percent(row.getConversionRate()));
    cells.add(row.getApprovedConversions() + row.getRejectedConversions() == 0 ? "-" : percent(row.getApprovalRate()));
    List<String> values = new ArrayList<>();
    for (CurrencyValue v : row.getValuesList()) {
      values.add(v.getApprovedAmount() + " " + v.getCurrencyCode());
    }
    cells.add(values.isEmpty() ? "-" : String.join(", ", values));
    if (row.hasReportingValue()) {
      cells.add(row.getReportingValue().getApprovedAmount() + (row.getMissingRatesCount() > 0 ? " *" : ""));
    }
    return cells;
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.2f%%", rate * 100);
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }

  private static String label(TimeToConvertBucket b) {
    return b.hasMaxDuration() ? "<" + human(b.getMaxDuration().getSeconds()) : ">=" + human(b.getMinDuration().getSeconds());
  }

  private static String human(long seconds) {
    if (seconds % 86_400 == 0) {
      return seconds / 86_400 + "d";
    }
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    return seconds / 60 + "m";
  }

  private static String local(Timestamp t, String zone) {
    return Instant.ofEpochSecond(t.getSeconds()).atZone(ZoneId.of(zone)).toLocalDateTime().toString().replace('T', ' ');
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  /** A plain text table: text columns left-aligned, numbers right-aligned. */
  private static final class Table {
    private final List<String> header;
    private final int textColumns;
    private final List<List<String>> rows = new ArrayList<>();

    Table(List<String> header, int textColumns) {
      this.header = header;
      this.textColumns = textColumns;
    }

    void add(List<String> row) {
      rows.add(row);
    }

    void separator() {
      rows.add(null);
    }

    void print(java.io.PrintStream out) {
      int[] width = new int[header.size()];
      for (int i = 0; i < width.length; i++) {
        width[i] = header.get(i).length();
        for (List<String> row : rows) {
          if (row != null) {
            width[i] = Math.max(width[i], row.get(i).length());
          }
        }
      }
      out.println(line(header, width));
      for (List<String> row : rows) {
        out.println(row == null ? "-".repeat(line(header, width).length()) : line(row, width));
      }
    }

    private String line(List<String> cells, int[] width) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cells.size(); i++) {
        String cell = cells.get(i);
        String pad = " ".repeat(width[i] - cell.length());
        b.append(i < textColumns || i == cells.size() - 1 ? cell + pad : pad + cell);
        if (i < cells.size() - 1) {
          b.append("  ");
        }
      }
      return b.toString().stripTrailing();
    }
  }
}
