package io.kcid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.CurrencyValue;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.StatsDimension;
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
      "  ./kcid stats --partner agency-one --by account"},
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
      description = "Group by any of account, campaign, goal, sub1, hour, day (comma-separated).")
  List<String> by;

  @Option(names = "--tz", defaultValue = "UTC", description = "IANA time zone of days and hours. Default: ${DEFAULT-VALUE}")
  String timeZone;

  @Override
  public void run() {
    if ((account == null) == (partner == null)) {
      throw new CliException("give --account <id> or --partner <id> (one of them)");
    }
    GetStatsRequest.Builder request = GetStatsRequest.newBuilder()
        .setAccountId(account == null ? "" : account)
        .setPartnerId(partner == null ? "" : partner)
        .setTimeZone(timeZone)
        .setStartTime(timestamp(start(Durations.parse(since), zone(timeZone), Instant.now())));
    for (String d : by) {
      if (!d.isBlank()) {
        request.addGroupBy(dimension(d.trim()));
      }
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

  private static StatsDimension dimension(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "account" -> StatsDimension.STATS_DIMENSION_ACCOUNT;
      case "campaign" -> StatsDimension.STATS_DIMENSION_CAMPAIGN;
      case "goal" -> StatsDimension.STATS_DIMENSION_GOAL;
      case "sub1", "s1", "sub_id_1" -> StatsDimension.STATS_DIMENSION_SUB_ID_1;
      case "hour" -> StatsDimension.STATS_DIMENSION_HOUR;
      case "day" -> StatsDimension.STATS_DIMENSION_DAY;
      default -> throw new CliException("--by " + name + ": expected account, campaign, goal, sub1, hour or day");
    };
  }

  private void print(GetStatsResponse report) {
    boolean period = report.getRowsList().stream().anyMatch(r -> !r.getPeriod().isEmpty());
    boolean byAccount = grouped("account");
    boolean campaign = grouped("campaign");
    boolean goal = grouped("goal");
    boolean sub1 = grouped("sub1", "s1", "sub_id_1");
    List<String> header = new ArrayList<>();
    if (period) {
      header.add("period");
    }
    if (byAccount) {
      header.add("account");
    }
    if (campaign) {
      header.add("campaign");
    }
    if (goal) {
      header.add("goal");
    }
    if (sub1) {
      header.add("sub1");
    }
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
    Table table = new Table(header, textColumns);
    if (grouped) {
      for (StatsRow row : report.getRowsList()) {
        List<String> cells = new ArrayList<>();
        if (period) {
          cells.add(row.getPeriod());
        }
        if (byAccount) {
          cells.add(row.getAccountId());
        }
        if (campaign) {
          cells.add(orDash(row.getCampaignId()));
        }
        if (goal) {
          cells.add(orDash(row.getGoalKey()));
        }
        if (sub1) {
          cells.add(orDash(row.getSubId1()));
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
    if (report.getDayBoundariesApproximate()) {
      System.out.println("note: " + report.getTimeZone() + " is not a whole number of hours from UTC; stats are"
          + " hourly, so each hour counts in the day it starts in.");
    }
  }

  private boolean grouped(String... names) {
    return by.stream().map(d -> d.trim().toLowerCase(Locale.ROOT)).anyMatch(List.of(names)::contains);
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
