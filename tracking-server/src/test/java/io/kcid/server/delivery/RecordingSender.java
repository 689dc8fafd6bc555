package io.kcid.server.delivery;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A sender that records every message and answers with the HTTP status set for its destination
 * (200 unless set), optionally after a random delay of up to {@code maxDelayMs}.
 */
final class RecordingSender implements DeliverySender {
  final List<OutboundMessage> sent = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> statuses = new ConcurrentHashMap<>();
  private volatile int maxDelayMs;
  private final Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();

  void answer(String destinationId, int status) {
    statuses.put(destinationId, status);
  }

  /** Requests to the destination wait (unanswered, unrecorded) until {@link #release}. */
  void hold(String destinationId) {
    gates.put(destinationId, new CompletableFuture<>());
  }

  void release(String destinationId) {
    CompletableFuture<Void> gate = gates.remove(destinationId);
    if (gate != null) {
      gate.complete(null);
    }
  }

  void maxDelay(int ms) {
    this.maxDelayMs = ms;
  }

  List<OutboundMessage> to(String destinationId) {
    return sent.stream().filter(m -> m.destination().getDestinationId().equals(destinationId)).toList();
  }

  @Override
  public CompletionStage<AttemptResult> send(OutboundMessage message) {
    CompletableFuture<Void> gate = gates.get(message.destination().getDestinationId());
    if (gate != null) {
      return gate.thenCompose(x -> send(message));
    }
    int delay = maxDelayMs == 0 ? 0 : ThreadLocalRandom.current().nextInt(maxDelayMs);
    return CompletableFuture.supplyAsync(() -> {
      sent.add(message);
      int status = statuses.getOrDefault(message.destination().getDestinationId(), 200);
      Instant now = Instant.now();
      DeliveryAttempt.Builder attempt = DeliveryAttempt.newBuilder()
          .setAttemptTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
          .setStatusCode(status);
      if (status / 100 == 2) {
        return new AttemptResult(AttemptResult.Outcome.DELIVERED, attempt.build(), Optional.empty());
      }
      attempt.setError("HTTP " + status);
      boolean retry = status == 408 || status == 429 || status >= 500;
      return new AttemptResult(retry ? AttemptResult.Outcome.RETRY : AttemptResult.Outcome.PERMANENT,
          attempt.build(), status == 429 ? Optional.of(Duration.ofSeconds(1)) : Optional.empty());
    }, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS));
  }
}
