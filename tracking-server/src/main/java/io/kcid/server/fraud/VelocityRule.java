package io.kcid.server.fraud;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.VelocityCounter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The per-account velocity rule: more than {@code velocity_limit} conversions within a minute
 * from clicks of one network. Postbacks come from the advertiser's server, so the network is the
 * CLICK's: a digest of its /24 (/48) kept in the click while the rule is on. The click is read
 * before the record only for accounts with the rule on; each conversion (kcid, goal, transaction)
 * counts once in a sliding minute, so retries and duplicates do not inflate the count.
 */
public final class VelocityRule {
  /** Rule off: nothing is read or counted. */
  public static final VelocityRule OFF = new VelocityRule(null, null);
  static final Duration WINDOW = Duration.ofMinutes(1);

  private final ClickStore clicks;
  private final VelocityCounter counter;

  public VelocityRule(ClickStore clicks, VelocityCounter counter) {
    this.clicks = clicks;
    this.counter = counter;
  }

  /** Whether this conversion exceeds the account's limit (false when the rule is off or the click kept no network). */
  public CompletionStage<Boolean> exceeded(Account account, DecodedKcid kcid, String goalKey, String transactionId, Instant now) {
    if (counter == null || account.getVelocityLimit() <= 0) {
      return CompletableFuture.completedFuture(false);
    }
    return clicks.find(kcid).thenCompose(found -> {
      int network = found.map(c -> c.click().getSourceNetwork()).orElse(0);
      if (network == 0) {
        return CompletableFuture.completedFuture(false);
      }
      String member = kcid.kcid() + "\u001f" + goalKey + "\u001f" + transactionId;
      return counter.count(account.getAccountId(), network, member, now, WINDOW)
          .thenApply(count -> count > account.getVelocityLimit());
    });
  }
}
