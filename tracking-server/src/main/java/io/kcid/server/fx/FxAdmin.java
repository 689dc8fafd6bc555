package io.kcid.server.fx;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.BadRateLine;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExchangeRateDay;
import io.kcid.proto.tracking.v1.ListExchangeRatesRequest;
import io.kcid.proto.tracking.v1.ListExchangeRatesResponse;
import io.kcid.proto.tracking.v1.LoadExchangeRatesRequest;
import io.kcid.proto.tracking.v1.LoadExchangeRatesResponse;
import io.kcid.server.common.Identifiers;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * LoadExchangeRates and ListExchangeRates: reads ECB CSV lines ({@link EcbRateCsv}), reports bad
 * rows by line number and writes the rest {@link #DAYS_PER_WRITE} days at a time, one batch after
 * the other, so a whole history (≈ 6,700 days × 40 currencies, sent by the CLI in parts of
 * {@link #MAX_LINES} lines) never becomes one huge Redis command.
 */
public final class FxAdmin {
  /** Lines per call, the header included: a large file is sent in parts. */
  public static final int MAX_LINES = 2_000;
  /** Days per pipelined write. */
  static final int DAYS_PER_WRITE = 200;
  static final int MAX_LISTED = 400;
  private static final int MAX_BAD_SHOWN = 1_000;

  private final ExchangeRates rates;

  public FxAdmin(ExchangeRates rates) {
    this.rates = rates;
  }

  public CompletionStage<LoadExchangeRatesResponse> load(LoadExchangeRatesRequest request) {
    if (request.getLinesCount() == 0) {
      throw new KcidException(ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "lines is empty: send the CSV, its header 'Date, USD, JPY, …' first", Map.of("field", "lines"));
    }
    if (request.getLinesCount() > MAX_LINES) {
      throw new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "At most " + MAX_LINES + " lines a call; send a large file in parts, each with the header (first_line_number).",
          Map.of("field", "lines"));
    }
    EcbRateCsv.Header header = EcbRateCsv.header(request.getLines(0));
    int number = request.getFirstLineNumber() <= 0 ? 2 : request.getFirstLineNumber();
    TreeMap<LocalDate, Map<String, String>> days = new TreeMap<>();
    List<BadRateLine> bad = new ArrayList<>();
    for (String line : request.getLinesList().subList(1, request.getLinesCount())) {
      if (!line.isBlank()) {
        try {
          EcbRateCsv.Row row = EcbRateCsv.row(header, line);
          days.computeIfAbsent(row.date(), d -> new LinkedHashMap<>()).putAll(row.rates());
          for (String cell : row.badCells()) {
            addBad(bad, number, line, cell);
          }
        } catch (IllegalArgumentException e) {
          addBad(bad, number, line, e.getMessage());
        }
      }
      number++;
    }
    days.values().removeIf(Map::isEmpty);
    int count = days.values().stream().mapToInt(Map::size).sum();
    LoadExchangeRatesResponse.Builder out = LoadExchangeRatesResponse.newBuilder()
        .setDays(days.size()).setRates(count).addAllBadLines(bad);
    if (!days.isEmpty()) {
      out.setFirstDate(days.firstKey().toString()).setLastDate(days.lastKey().toString());
    }
    return writeInBatches(new ArrayList<>(days.keySet()), days, 0).thenApply(x -> {
      rates.invalidate();
      return out.build();
    });
  }

  private CompletionStage<Void> writeInBatches(List<LocalDate> dates, TreeMap<LocalDate, Map<String, String>> days, int from) {
    if (from >= dates.size()) {
      return CompletableFuture.completedFuture(null);
    }
    int to = Math.min(dates.size(), from + DAYS_PER_WRITE);
    TreeMap<LocalDate, Map<String, String>> batch = new TreeMap<>(days.subMap(dates.get(from), true, dates.get(to - 1), true));
    return rates.store().put(batch).thenCompose(x -> writeInBatches(dates, days, to));
  }

  private static void addBad(List<BadRateLine> bad, int number, String line, String message) {
    if (bad.size() < MAX_BAD_SHOWN) {
      bad.add(BadRateLine.newBuilder().setLineNumber(number).setText(EcbRateCsv.shown(line)).setMessage(message).build());
    }
  }

  public CompletionStage<ListExchangeRatesResponse> list(ListExchangeRatesRequest request) {
    int limit = request.getLimit() == 0 ? 10 : request.getLimit();
    if (limit < 0 || limit > MAX_LISTED) {
      throw Identifiers.invalid("limit", "limit must be between 1 and " + MAX_LISTED);
    }
    LocalDate before;
    try {
      before = request.getBeforeDate().isEmpty() ? LocalDate.MAX.minusDays(1) : LocalDate.parse(request.getBeforeDate());
    } catch (DateTimeParseException e) {
      throw Identifiers.invalid("before_date", "before_date must be a date such as 2025-12-03");
    }
    return rates.store().daysBefore(before, limit).thenCompose(dates -> {
      List<CompletableFuture<ExchangeRateDay>> reads = new ArrayList<>();
      for (LocalDate date : dates) {
        reads.add(rates.store().day(date).toCompletableFuture().thenApply(
            day -> ExchangeRateDay.newBuilder().setDate(date.toString()).putAllRatesPerEur(new TreeMap<>(day)).build()));
      }
      return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
          .thenCompose(x -> rates.store().dayCount())
          .thenApply(total -> ListExchangeRatesResponse.newBuilder()
              .addAllDays(reads.stream().map(CompletableFuture::join).toList())
              .setTotalDays(total)
              .build());
    });
  }
}
