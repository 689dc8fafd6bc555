package io.kcid.server.store;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletionStage;

/**
 * The operator's exchange-rate table: per day, units of each currency per EUR (ECB reference
 * rates), as exact decimal strings.
 */
public interface ExchangeRateStore {

  /** Writes the rates of these days (a day already loaded keeps the currencies not named here). */
  CompletionStage<Void> put(SortedMap<LocalDate, Map<String, String>> days);

  /** The rates of one day; empty when the day is not loaded. */
  CompletionStage<Map<String, String>> day(LocalDate date);

  /** Up to {@code limit} loaded days on or before {@code onOrBefore}, newest first. */
  CompletionStage<List<LocalDate>> daysBefore(LocalDate onOrBefore, int limit);

  /** How many days are loaded. */
  CompletionStage<Long> dayCount();

  /** A number that changes whenever the table changes (0 before any change): cheap to poll. */
  CompletionStage<Long> version();
}
