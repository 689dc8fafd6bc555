package io.kcid.server.config;

import java.time.Duration;

/**
 * The in-memory cache of account settings in front of Redis.
 *
 * @param ttl how long settings are cached; an update elsewhere takes this long to apply, zero
 *     turns the cache off (KCID_ACCOUNT_CACHE_MS)
 */
public record AccountCacheConfig(Duration ttl) {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(1);

  public AccountCacheConfig {
    Settings.requireNonNegative("KCID_ACCOUNT_CACHE_MS", ttl);
  }

  public static AccountCacheConfig defaults() {
    return new AccountCacheConfig(DEFAULT_TTL);
  }
}
