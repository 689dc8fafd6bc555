package io.kcid.server.account;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Secrets;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accounts as the hot path sees them: cached for a short TTL so a click or postback costs no
 * extra Redis round trip for its account, while a change made through any server instance is
 * seen by all within the TTL. Which account a postback token belongs to is remembered for the
 * same TTL, keyed by the token's digest; the token is still checked against the (cached) account's
 * current token digests every time, so a rotated-out token stops working as soon as the account
 * copy that lists it expires, as any other account change.
 */
public final class AccountDirectory {
  private static final int MAX_ENTRIES = 100_000;

  private final AccountStore store;
  private final Clock clock;
  private final long ttlMillis;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  /** Token digest to account id, for tokens that authenticated: unknown tokens are never kept. */
  private final Map<String, TokenOwner> tokenOwners = new ConcurrentHashMap<>();

  private record Entry(AccountRecord record, long expiresAtMillis) {}

  private record TokenOwner(String accountId, long expiresAtMillis) {}

  public AccountDirectory(AccountStore store, Clock clock, Duration ttl) {
    this.store = store;
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
  }

  /** The account, or a failed stage with ACCOUNT_NOT_FOUND. */
  public CompletionStage<AccountRecord> get(String accountId) {
    long now = clock.millis();
    Entry cached = cache.get(accountId);
    if (cached != null && cached.expiresAtMillis > now) {
      return CompletableFuture.completedFuture(cached.record);
    }
    return store
        .load(accountId)
        .thenApply(
            found -> {
              AccountRecord record =
                  found.orElseThrow(
                      () ->
                          new KcidException(
                              ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND,
                              "No account '" + accountId + "'.",
                              Map.of("accountId", accountId)));
              if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
              }
              cache.put(accountId, new Entry(record, now + ttlMillis));
              return record;
            });
  }

  /**
   * The account read straight from the store (the cached copy is dropped first), for
   * read-modify-write changes and for reads that must see them; the id is checked first.
   */
  public CompletionStage<AccountRecord> fresh(String accountId) {
    Identifiers.key("account_id", accountId);
    invalidate(accountId);
    return get(accountId);
  }

  /** Drops the cached copy after a change made by this instance. */
  public void invalidate(String accountId) {
    cache.remove(accountId);
    tokenOwners.values().removeIf(owner -> owner.accountId().equals(accountId));
  }

  /**
   * The account a postback token belongs to; fails with POSTBACK_TOKEN_INVALID otherwise. The
   * stored digest is compared in constant time.
   */
  public CompletionStage<AccountRecord> authenticate(String postbackToken) {
    String digest = Secrets.sha256Hex(postbackToken);
    long now = clock.millis();
    TokenOwner owner = tokenOwners.get(digest);
    CompletionStage<Optional<String>> accountId =
        owner != null && owner.expiresAtMillis() > now
            ? CompletableFuture.completedFuture(Optional.of(owner.accountId()))
            : store.accountIdForTokenDigest(digest);
    return accountId
        .thenCompose(
            id ->
                id.isEmpty()
                    ? CompletableFuture.<AccountRecord>failedFuture(invalidToken())
                    : get(id.get())
                        .exceptionally(
                            failure -> {
                              Throwable cause =
                                  failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                                      ? failure.getCause()
                                      : failure;
                              // An index entry whose account is gone is just an unknown token; any
                              // other failure (the store is unreachable) stays what it is: unknown,
                              // retry — never a 401 for a valid token.
                              if (cause instanceof KcidException k
                                  && k.reason() == ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND) {
                                throw invalidToken();
                              }
                              throw cause instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(cause);
                            }))
        .thenApply(
            record -> {
              boolean valid = false;
              // Current token, or the previous one within its rotation grace period.
              for (String known : record.secrets().tokenDigestsAt(clock.instant())) {
                valid |= Secrets.constantTimeEquals(digest, known);
              }
              if (!valid) {
                tokenOwners.remove(digest);
                throw invalidToken();
              }
              if (ttlMillis > 0 && (owner == null || owner.expiresAtMillis() <= now)) {
                if (tokenOwners.size() >= MAX_ENTRIES) {
                  tokenOwners.clear();
                }
                tokenOwners.put(digest, new TokenOwner(record.account().getAccountId(), now + ttlMillis));
              }
              return record;
            });
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static KcidException invalidToken() {
    return new KcidException(
        ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID,
        "The postback token is not valid for any account. Copy the token shown when the account"
            + " was created; tokens are case-sensitive.");
  }
}
