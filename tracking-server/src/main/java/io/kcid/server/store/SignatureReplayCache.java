package io.kcid.server.store;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Signatures already used, so that each is accepted once within its window. Shared by every
 * server instance (Redis), bounded by expiry: an entry lives only as long as its signature could
 * still pass the timestamp check. Entries are per account and keyed by a digest (never the
 * signature itself); the value names what the first use carried (its request id), so the very
 * same request resent after an unknown outcome can be told from a replay with other unsigned
 * extras (see {@code SignatureReplays}).
 */
public interface SignatureReplayCache {

  /**
   * Claims {@code key} for {@code value} unless it is claimed already: one cheap command when it
   * is free. Returns empty when this call claimed it, else the value of the first claim (or
   * {@code ""} when it vanished meanwhile).
   */
  CompletionStage<Optional<String>> claim(String accountId, byte[] key, String value, Duration ttl);

  /** Drops the claim if it still holds {@code value}: its postback was not recorded. */
  CompletionStage<Void> release(String accountId, byte[] key, String value);

  /** Remembers nothing: every signature is new (for tests and tools without a store). */
  SignatureReplayCache NONE =
      new SignatureReplayCache() {
        @Override
        public CompletionStage<Optional<String>> claim(String accountId, byte[] key, String value, Duration ttl) {
          return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletionStage<Void> release(String accountId, byte[] key, String value) {
          return CompletableFuture.completedFuture(null);
        }
      };
}
