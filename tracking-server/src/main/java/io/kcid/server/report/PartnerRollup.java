package io.kcid.server.report;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.StatsCounter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A partner's accounts and their counters: the accounts are listed page by page and their counters
 * read at most {@code parallelism} accounts at a time, so a partner with hundreds of accounts
 * neither floods Redis nor waits for one account after another.
 */
final class PartnerRollup {
  private static final int PAGE = 500;

  private final AccountStore accounts;
  private final int parallelism;

  PartnerRollup(AccountStore accounts, int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
    this.accounts = accounts;
    this.parallelism = parallelism;
  }

  /** The ids of the partner's accounts, in id order. */
  CompletionStage<List<String>> accountIds(String partnerId) {
    return page(partnerId, "", new ArrayList<>());
  }

  private CompletionStage<List<String>> page(String partnerId, String afterId, List<String> found) {
    return accounts
        .list(afterId, PAGE, partnerId)
        .thenCompose(
            page -> {
              for (Account account : page) {
                found.add(account.getAccountId());
              }
              return page.size() < PAGE
                  ? CompletableFuture.completedFuture(found)
                  : page(partnerId, page.get(page.size() - 1).getAccountId(), found);
            });
  }

  /** The counters of every account, in the order of {@code accountIds}. */
  CompletionStage<List<StatsReport.AccountCounters>> read(
      List<String> accountIds, Function<String, CompletionStage<List<StatsCounter>>> queryOf) {
    StatsReport.AccountCounters[] results = new StatsReport.AccountCounters[accountIds.size()];
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<?>[] workers = new CompletableFuture<?>[Math.min(parallelism, accountIds.size())];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = readNext(accountIds, queryOf, next, results);
    }
    return CompletableFuture.allOf(workers).thenApply(x -> Arrays.asList(results));
  }

  /** One worker: reads the next unread account, then the one after, until none is left. */
  private CompletableFuture<Void> readNext(
      List<String> accountIds, Function<String, CompletionStage<List<StatsCounter>>> queryOf, AtomicInteger next,
      StatsReport.AccountCounters[] results) {
    int i = next.getAndIncrement();
    if (i >= accountIds.size()) {
      return CompletableFuture.completedFuture(null);
    }
    String accountId = accountIds.get(i);
    return queryOf.apply(accountId)
        .toCompletableFuture()
        .thenCompose(
            counters -> {
              results[i] = new StatsReport.AccountCounters(accountId, counters);
              return readNext(accountIds, queryOf, next, results);
            });
  }
}
