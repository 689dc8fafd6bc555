package io.kcid.server.fx;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ECB's euro foreign exchange reference rates, as published: eurofxref.csv (one day, "Date, USD,
 * JPY, …, " with spaces, a trailing comma and dates such as "03 December 2025") and
 * eurofxref-hist.csv (every day since 1999, "2025-12-03", "N/A" where a currency had no rate that
 * day). Each rate is units of the currency per 1 EUR. Cells are read by Jackson's CSV parser one
 * line at a time, so a bad line never stops the others.
 */
public final class EcbRateCsv {
  /** A rate: a plain positive decimal, at most 12 digits on each side of the point. */
  private static final Pattern RATE = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,12})?");
  private static final Pattern CODE = Pattern.compile("[A-Z]{3}");
  private static final DateTimeFormatter ECB_DAILY = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH);
  private static final LocalDate FIRST = LocalDate.of(1990, 1, 1);
  private static final LocalDate LAST = LocalDate.of(2200, 1, 1);
  private static final int MAX_COLUMNS = 256;
  private static final int MAX_LINE = 16 * 1024;

  private static final ObjectReader CELLS = new CsvMapper()
      .readerForArrayOf(String.class)
      .with(CsvParser.Feature.WRAP_AS_ARRAY)
      .with(CsvParser.Feature.TRIM_SPACES);

  private EcbRateCsv() {}

  /** The currency of each column; null for the date column, blank and EUR columns. */
  public record Header(List<String> columns) {}

  /** One day's rates (currency → plain decimal string) and the cells that were not rates. */
  public record Row(LocalDate date, Map<String, String> rates, List<String> badCells) {}

  /** Reads the header line; FX_CSV_INVALID when it is not {@code Date, <code>, …}. */
  public static Header header(String line) {
    List<String> cells;
    try {
      cells = cells(line);
    } catch (IllegalArgumentException e) {
      throw invalid("the header is not CSV: " + e.getMessage());
    }
    if (cells.isEmpty() || !cells.get(0).equalsIgnoreCase("date")) {
      throw invalid("the first line must be the header 'Date, USD, JPY, …' (ECB's eurofxref.csv format)");
    }
    List<String> columns = new ArrayList<>();
    columns.add(null);
    Set<String> seen = new HashSet<>();
    for (String cell : cells.subList(1, cells.size())) {
      String code = cell.toUpperCase(Locale.ROOT);
      if (code.isEmpty() || code.equals("EUR")) {
        columns.add(null); // the trailing comma's empty column; EUR is the base (always 1)
        continue;
      }
      if (!CODE.matcher(code).matches()) {
        throw new KcidException(ErrorReason.ERROR_REASON_FX_CURRENCY_UNKNOWN,
            "header column '" + shown(cell) + "' is not a three-letter currency code",
            Map.of("currency", shown(cell), "field", "lines", "line", "1"));
      }
      if (!seen.add(code)) {
        throw invalid("the header names " + code + " twice");
      }
      columns.add(code);
    }
    if (seen.isEmpty()) {
      throw invalid("the header names no currency");
    }
    return new Header(java.util.Collections.unmodifiableList(columns));
  }

  /**
   * Reads one data line. A line without a date is refused as a whole (IllegalArgumentException); a
   * cell that is neither a rate nor "N/A"/empty is listed in {@link Row#badCells()} and the rest
   * of the line is kept.
   */
  public static Row row(Header header, String line) {
    List<String> cells = cells(line);
    if (cells.isEmpty() || cells.get(0).isEmpty()) {
      throw new IllegalArgumentException("the line has no date");
    }
    LocalDate date = date(cells.get(0));
    if (cells.size() > header.columns().size() && !cells.subList(header.columns().size(), cells.size()).stream().allMatch(String::isEmpty)) {
      throw new IllegalArgumentException(
          "the line has " + cells.size() + " cells, the header " + header.columns().size());
    }
    Map<String, String> rates = new LinkedHashMap<>();
    List<String> bad = new ArrayList<>();
    for (int i = 1; i < Math.min(cells.size(), header.columns().size()); i++) {
      String currency = header.columns().get(i);
      String cell = cells.get(i);
      if (currency == null || cell.isEmpty() || cell.equalsIgnoreCase("N/A")) {
        continue;
      }
      if (!RATE.matcher(cell).matches() || new BigDecimal(cell).signum() <= 0) {
        bad.add(currency + ": '" + shown(cell) + "' is not a rate (a positive decimal such as 1.0843, or N/A)");
        continue;
      }
      rates.put(currency, new BigDecimal(cell).stripTrailingZeros().toPlainString());
    }
    return new Row(date, rates, bad);
  }

  /** "2025-12-03" (eurofxref-hist.csv) or "03 December 2025" (eurofxref.csv). */
  static LocalDate date(String cell) {
    LocalDate date;
    try {
      date = Character.isDigit(cell.charAt(0)) && cell.indexOf('-') > 0
          ? LocalDate.parse(cell)
          : LocalDate.parse(cell, ECB_DAILY);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + shown(cell) + "' is not a date such as 2025-12-03 or 03 December 2025");
    }
    if (date.isBefore(FIRST) || !date.isBefore(LAST)) {
      throw new IllegalArgumentException("the date " + date + " is out of range");
    }
    return date;
  }

  private static List<String> cells(String line) {
    if (line.length() > MAX_LINE) {
      throw new IllegalArgumentException("the line is longer than " + MAX_LINE + " characters");
    }
    try (MappingIterator<String[]> rows = CELLS.readValues(line)) {
      if (!rows.hasNextValue()) {
        return List.of();
      }
      String[] cells = rows.nextValue();
      if (rows.hasNextValue()) {
        throw new IllegalArgumentException("one CSV line holds more than one row");
      }
      if (cells.length > MAX_COLUMNS) {
        throw new IllegalArgumentException("more than " + MAX_COLUMNS + " columns");
      }
      return List.of(cells);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException i) {
        throw i;
      }
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new IllegalArgumentException("not a CSV line: " + shown(message));
    }
  }

  private static KcidException invalid(String message) {
    return new KcidException(ErrorReason.ERROR_REASON_FX_CSV_INVALID, message, Map.of("field", "lines", "line", "1"));
  }

  static String shown(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
