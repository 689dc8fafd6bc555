package io.kcid.server.destination;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.delivery.ActiveDestination;
import io.kcid.server.delivery.DestinationDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.DestinationSecrets;
import io.kcid.server.store.DestinationStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DestinationDirectory} served from a per-owner cache with the account cache's TTL: an
 * account's destinations are its own plus its partner's (the account's partner comes from the
 * cached account), so a warm lookup costs no Redis round trip and completes at once. A change made
 * through this server is visible here at once ({@link #invalidate}); other servers see it when
 * their copy expires.
 */
public final class CachedDestinationDirectory implements DestinationDirectory {
  private static final int MAX_ENTRIES = 100_000;

  private final DestinationStore store;
  private final AccountDirectory accounts;
  private final Clock clock;
  private final long ttlMillis;
  private final Map<DestinationOwner, Entry> cache = new ConcurrentHashMap<>();

  /** An owner's destinations and their signing secrets, as read together. */
  private record Entry(List<Destination> destinations, Map<String, DestinationSecrets> secrets, long expiresAtMillis) {}

  public CachedDestinationDirectory(DestinationStore store, AccountDirectory accounts, Clock clock, Duration ttl) {
    this.store = store;
    this.accounts = accounts;
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
  }

  @Override
  public CompletionStage<List<ActiveDestination>> forAccount(String accountId) {
    return accounts
        .get(accountId)
        .thenCompose(record -> {
          String partnerId = Partners.partnerOf(record.account());
          return owned(DestinationOwner.account(accountId))
              .thenCombine(owned(DestinationOwner.partner(partnerId)), (own, partners) -> {
                Instant now = clock.instant();
                List<ActiveDestination> active = new ArrayList<>();
                add(active, own, now);
                add(active, partners, now);
                return List.copyOf(active);
              });
        })
        .exceptionally(CachedDestinationDirectory::noneForADeletedAccount);
  }

  @Override
  public CompletionStage<Boolean> hasDestinations(String accountId) {
    return forAccount(accountId).thenApply(list -> !list.isEmpty());
  }

  @Override
  public CompletionStage<Void> markCircuit(Destination destination, boolean open, String reason) {
    DestinationOwner owner = DestinationOwner.of(destination);
    return store
        .load(owner, destination.getDestinationId())
        .thenCompose(found -> {
          if (found.isEmpty() || (found.get().getCircuitOpen() == open && found.get().getCircuitReason().equals(open ? reason : ""))) {
            // Deleted meanwhile, or already so: nothing to write.
            return CompletableFuture.completedFuture(false);
          }
          return store.update(found.get().toBuilder().setCircuitOpen(open).setCircuitReason(open ? reason : "").build());
        })
        .thenAccept(written -> invalidate(owner));
  }

  /** Drops the cached copy of an owner's destinations after a change made by this server. */
  public void invalidate(DestinationOwner owner) {
    cache.remove(owner);
  }

  private CompletionStage<Entry> owned(DestinationOwner owner) {
    long now = clock.millis();
    Entry cached = cache.get(owner);
    if (cached != null && cached.expiresAtMillis > now) {
      return CompletableFuture.completedFuture(cached);
    }
    return store
        .list(owner)
        .thenCombine(store.secrets(owner), (destinations, secrets) -> {
          Entry entry = new Entry(destinations, secrets, now + ttlMillis);
          if (ttlMillis > 0) {
            if (cache.size() >= MAX_ENTRIES) {
              cache.clear();
            }
            cache.put(owner, entry);
          }
          return entry;
        });
  }

  private static void add(List<ActiveDestination> active, Entry entry, Instant now) {
    for (Destination d : entry.destinations()) {
      active.add(new ActiveDestination(d, entry.secrets().getOrDefault(d.getDestinationId(), DestinationSecrets.NONE).signingAt(now)));
    }
  }

  /** An account deleted meanwhile has no destinations; any other failure stays one. */
  private static List<ActiveDestination> noneForADeletedAccount(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof KcidException k && k.reason() == ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND) {
      return List.of();
    }
    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
  }
}
