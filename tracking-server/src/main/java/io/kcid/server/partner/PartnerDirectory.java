package io.kcid.server.partner;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.PartnerStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Partners as the hot path sees them, cached for the same TTL as accounts: a click or postback
 * finds its account's partner (named on the account, so no extra lookup to find it) without a
 * Redis round trip, and a partner switched off through any server is refused by all within the
 * TTL. The default partner is created on first use, so an installation upgraded from a version
 * without partners needs no migration step.
 */
public final class PartnerDirectory {
  private static final int MAX_ENTRIES = 10_000;

  private final PartnerStore store;
  private final Clock clock;
  private final long ttlMillis;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();

  private record Entry(Partner partner, long expiresAtMillis) {}

  public PartnerDirectory(PartnerStore store, Clock clock, Duration ttl) {
    this.store = store;
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
  }

  /** The partner, or a failed stage with PARTNER_NOT_FOUND. */
  public CompletionStage<Partner> get(String partnerId) {
    long now = clock.millis();
    Entry cached = cache.get(partnerId);
    if (cached != null && cached.expiresAtMillis > now) {
      return CompletableFuture.completedFuture(cached.partner);
    }
    return load(partnerId)
        .thenApply(
            found -> {
              Partner partner = found.orElseThrow(() -> notFound(partnerId));
              if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
              }
              cache.put(partnerId, new Entry(partner, now + ttlMillis));
              return partner;
            });
  }

  /** The partner read straight from the store, for read-modify-write changes. */
  public CompletionStage<Partner> fresh(String partnerId) {
    invalidate(partnerId);
    return get(partnerId);
  }

  /** Drops the cached copy after a change made by this instance. */
  public void invalidate(String partnerId) {
    cache.remove(partnerId);
  }

  /** Makes sure the default partner is stored (listing shows it from the first call on). */
  public CompletionStage<Partner> ensureDefault() {
    return get(Partners.DEFAULT_ID);
  }

  /**
   * The account when its partner has S2S tracking on; PARTNER_INACTIVE otherwise. For minting
   * clicks and recording postbacks only: reads never ask.
   */
  public CompletionStage<AccountRecord> requireActive(AccountRecord account) {
    String partnerId = Partners.partnerOf(account.account());
    return get(partnerId)
        .thenApply(
            partner -> {
              if (!partner.getS2SActive()) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_PARTNER_INACTIVE,
                    "S2S tracking is switched off for partner '" + partnerId + "' of account '"
                        + account.account().getAccountId() + "'; an operator switches it on with"
                        + " `kcid partner update " + partnerId + " --s2s on`.",
                    Map.of("partnerId", partnerId));
              }
              return account;
            });
  }

  private CompletionStage<Optional<Partner>> load(String partnerId) {
    return store
        .load(partnerId)
        .thenCompose(
            found -> {
              if (found.isPresent() || !partnerId.equals(Partners.DEFAULT_ID)) {
                return CompletableFuture.completedFuture(found);
              }
              // First use after an upgrade: create it (SET NX, so concurrent servers agree) and read
              // back whichever copy won.
              return store
                  .create(Partners.defaultPartner(clock.instant()))
                  .thenCompose(created -> store.load(partnerId));
            });
  }

  /** PARTNER_NOT_FOUND naming the id. */
  public static KcidException notFound(String partnerId) {
    return new KcidException(
        ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND,
        "No partner '" + partnerId + "'. List partners with `kcid partner list`.",
        Map.of("partnerId", partnerId));
  }
}
