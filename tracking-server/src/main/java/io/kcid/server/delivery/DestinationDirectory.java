package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The destinations that apply to an account, read by the conversion recorder (whether to write
 * an outbox entry at all) and by the delivery workers (where to send it). Served from a cache
 * refreshed like the account cache (KCID_ACCOUNT_CACHE_MS), so a destination created now receives
 * the conversions recorded from at most that long afterwards.
 */
public interface DestinationDirectory {
  /** The account's own destinations and its partner's, paused ones included, none deleted. */
  CompletionStage<List<ActiveDestination>> forAccount(String accountId);

  /** Whether any destination applies to the account (completes at once when cached). */
  CompletionStage<Boolean> hasDestinations(String accountId);

  /** Records that the circuit breaker opened ({@code open}) or closed for a destination. */
  CompletionStage<Void> markCircuit(Destination destination, boolean open, String reason);
}
