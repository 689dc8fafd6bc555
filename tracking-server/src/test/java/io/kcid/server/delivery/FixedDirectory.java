package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** A destination directory held in memory, changed by the test as it goes. */
final class FixedDirectory implements DestinationDirectory {
  private final Map<String, List<ActiveDestination>> byAccount = new ConcurrentHashMap<>();
  final Map<String, Boolean> circuits = new ConcurrentHashMap<>();

  void put(String account, Destination... destinations) {
    byAccount.put(account, java.util.Arrays.stream(destinations)
        .map(d -> new ActiveDestination(d, List.of()))
        .toList());
  }

  @Override
  public CompletionStage<List<ActiveDestination>> forAccount(String accountId) {
    return CompletableFuture.completedFuture(byAccount.getOrDefault(accountId, List.of()));
  }

  @Override
  public CompletionStage<Boolean> hasDestinations(String accountId) {
    return CompletableFuture.completedFuture(!byAccount.getOrDefault(accountId, List.of()).isEmpty());
  }

  @Override
  public CompletionStage<Void> markCircuit(Destination destination, boolean open, String reason) {
    circuits.put(destination.getDestinationId(), open);
    return CompletableFuture.completedFuture(null);
  }
}
