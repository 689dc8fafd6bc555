package io.kcid.server.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsQuery;
import io.kcid.server.store.StatsStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A partner's accounts are read concurrently but never more than the bound at once, and every
 * account's counters come back under its own id, in the order asked.
 */
class PartnerRollupTest {

  /** Answers each read a little later on another thread, and remembers the most reads open at once. */
  private static final class SlowStats implements StatsStore {
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger mostOpen = new AtomicInteger();
    final Executor later;

    SlowStats(ExecutorService threads) {
      this.later = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, threads);
    }

    @Override
    public CompletionStage<List<StatsCounter>> read(StatsQuery query) {
      mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      return CompletableFuture.supplyAsync(() -> {
        open.decrementAndGet();
        long clicks = Long.parseLong(query.accountId().substring(1));
        return List.of(new StatsCounter(null, StatsCounter.Metric.CLICKS, "", "", "",
            ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, "", -1, clicks));
      }, later);
    }
  }

  @Test
  void readsAtMostTheBoundAtOnceAndKeepsEachAccountsCounters() {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      SlowStats stats = new SlowStats(threads);
      PartnerRollup rollup = new PartnerRollup(null, 4);
      List<String> ids = new ArrayList<>();
      for (int i = 1; i <= 60; i++) {
        ids.add("a" + i);
      }
      List<StatsReport.AccountCounters> read = rollup.read(ids,
          id -> stats.read(new StatsQuery(id, Instant.EPOCH, Instant.EPOCH.plusSeconds(3600), hour -> null, false, false, false)))
          .toCompletableFuture().join();

      assertThat(read).extracting(StatsReport.AccountCounters::accountId).containsExactlyElementsOf(ids);
      assertThat(read).allSatisfy(a -> assertThat(a.counters()).singleElement()
          .satisfies(c -> assertThat(c.value()).isEqualTo(Long.parseLong(a.accountId().substring(1)))));
      assertThat(stats.mostOpen.get()).as("reads open at once: concurrent, within the bound").isBetween(2, 4);
      assertThat(rollup.read(List.of(), id -> null).toCompletableFuture().join()).as("no accounts").isEmpty();
    } finally {
      threads.shutdownNow();
    }
  }
}
