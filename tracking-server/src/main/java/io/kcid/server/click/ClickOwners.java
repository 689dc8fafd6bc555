package io.kcid.server.click;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.server.store.ClickStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Which account a click belongs to, remembered: a click's owner never changes, so a signed postback
 * that does not name its account costs one Redis read for its click the first time and none after
 * (a flood of bad signatures on a known kcid is then decided in memory). Bounded; a deleted click
 * may stay remembered elsewhere for a while, which is harmless: recording checks the click itself.
 */
public final class ClickOwners {
  private static final int MAX_ENTRIES = 100_000;
  private static final Duration KEEP = Duration.ofMinutes(10);

  private final ClickStore clicks;
  private final Cache<String, String> owners =
      CacheBuilder.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(KEEP).build();

  public ClickOwners(ClickStore clicks) {
    this.clicks = clicks;
  }

  /** The owner's account id, or a failed stage with CLICK_NOT_FOUND / CLICK_EXPIRED. */
  public CompletionStage<String> ownerOf(DecodedKcid kcid) {
    String known = owners.getIfPresent(kcid.kcid());
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return clicks
        .find(kcid)
        .thenApply(
            click -> {
              String owner = click.orElseThrow(() -> ClickErrors.missing(kcid, null)).accountId();
              owners.put(kcid.kcid(), owner);
              return owner;
            });
  }

  /** Forgets a deleted click. */
  public void forget(String kcid) {
    owners.invalidate(kcid);
  }
}
