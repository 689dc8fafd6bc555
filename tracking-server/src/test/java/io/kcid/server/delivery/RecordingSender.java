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

  void answer(String destinationId, int status) {
    statuses.put(destinationId, status);
  }

  void maxDelay(int ms) {
    this.maxDelayMs = ms;
  }

  List<OutboundMessage> to(String destinationId) {
    return sent.stream().filter(m -> m.destination().getDestinationId().equals(destinationId)).toList();
  }

  @Override
  public CompletionStage<AttemptResult> send(OutboundMessage message) {
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
