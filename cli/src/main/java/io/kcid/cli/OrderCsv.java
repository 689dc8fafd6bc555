package io.kcid.cli;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An advertiser's order list (CSV with a header row), read one row at a time with Jackson's
 * streaming CSV parser, so a file of a million rows never sits in memory. Header names are matched
 * ignoring case, with a few common spellings (transaction_id for txid, event_time for time). A row
 * with the wrong number of fields comes back with a problem instead of cells; the rows after it
 * are read on.
 */
final class OrderCsv implements Closeable {
  private static final Map<String, String> ALIASES = Map.of(
      "transaction_id", "txid", "order_id", "txid", "event_time", "time", "goal_key", "goal");
  private static final CsvMapper CSV = new CsvMapper();

  /**
   * One data row.
   *
   * @param line the file's line the row starts on (the header is line 1)
   * @param cells the row's values by column name (trimmed); empty when {@code problem} is set
   * @param problem why the row could not be read as a row of this file, or null
   */
  record Row(long line, Map<String, String> cells, String problem) {
    String get(String column) {
      return cells.getOrDefault(column, "");
    }
  }

  private final InputStream in;
  private final MappingIterator<String[]> rows;
  private final List<String> columns;

  private OrderCsv(InputStream in, MappingIterator<String[]> rows, List<String> columns) {
    this.in = in;
    this.rows = rows;
    this.columns = columns;
  }

  /**
   * Opens the file and reads its header.
   *
   * @param known the columns this command reads; others are refused unless {@code ignoreOthers}
   * @param required columns the header must name
   */
  static OrderCsv open(Path file, Set<String> known, Set<String> required, boolean ignoreOthers) {
    InputStream in;
    try {
      in = Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new CliException(file + ": no such file");
    } catch (IOException e) {
      throw new CliException(file + ": " + e.getMessage());
    }
    try {
      MappingIterator<String[]> rows = CSV.readerFor(String[].class)
          .with(CsvParser.Feature.WRAP_AS_ARRAY)
          .with(CsvParser.Feature.SKIP_EMPTY_LINES)
          .readValues(in);
      if (!rows.hasNextValue()) {
        throw new CliException(file + ": empty; the first line must name the columns");
      }
      List<String> columns = new ArrayList<>();
      for (String name : rows.nextValue()) {
        String column = name.strip().replace("\uFEFF", "").toLowerCase(Locale.ROOT);
        column = ALIASES.getOrDefault(column, column);
        if (!known.contains(column) && !ignoreOthers) {
          throw new CliException(file + ": unknown column '" + name + "' in the header; known: "
              + String.join(", ", known));
        }
        if (columns.contains(column)) {
          throw new CliException(file + ": column '" + column + "' appears twice in the header");
        }
        columns.add(column);
      }
      for (String column : required) {
        if (!columns.contains(column)) {
          throw new CliException(file + ": the header has no '" + column + "' column (header: "
              + String.join(",", columns) + ")");
        }
      }
      return new OrderCsv(in, rows, List.copyOf(columns));
    } catch (IOException e) {
      closeQuietly(in);
      throw new CliException(file + ": not a CSV file: " + e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(in);
      throw e;
    }
  }

  List<String> columns() {
    return columns;
  }

  /** The next data row, or null at the end of the file. */
  Row next() {
    try {
      long line = rows.getParser().currentLocation().getLineNr();
      if (!rows.hasNextValue()) {
        return null;
      }
      String[] fields = rows.nextValue();
      if (fields.length != columns.size()) {
        return new Row(line, Map.of(), "expected " + columns.size() + " fields (" + String.join(",", columns)
            + "), found " + fields.length);
      }
      Map<String, String> cells = new LinkedHashMap<>();
      for (int i = 0; i < fields.length; i++) {
        cells.put(columns.get(i), fields[i] == null ? "" : fields[i].strip());
      }
      return new Row(line, cells, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    closeQuietly(in);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing left to read
    }
  }
}
