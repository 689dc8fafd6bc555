package io.kcid.server.delivery;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.server.common.Identifiers;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.DeliveryQueue.LogRef;
import io.kcid.server.store.DeliveryQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The delivery log served by DeliveryService: an account's jobs newest first (filtered by state,
 * destination or click, paged by position in the account's log index) and Redeliver, which queues
 * dead-lettered (or, asked to, delivered) jobs again under their delivery ids, dry run first.
 */
public final class DeliveryLogService implements DeliveryLog {
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1000;
  /** Index entries read per round while a filtered page fills up. */
  private static final int CHUNK = 200;
  /** Index entries one ListDeliveries call reads at most; a page may then come back short. */
  private static final int MAX_SCANNED = 10_000;
  /** Jobs one Redeliver of a time range queues at most. */
  static final int MAX_REDELIVER = 10_000;

  private final DeliveryQueue queue;
  private final int partitions;
  private final Clock clock;

  public DeliveryLogService(DeliveryQueue queue, int partitions, Clock clock) {
    this.queue = queue;
    this.partitions = partitions;
    this.clock = clock;
  }

  @Override
  public CompletionStage<ListDeliveriesResponse> list(ListDeliveriesRequest request) {
    Identifiers.required("account_id", request.getAccountId());
    if (request.getPageSize() < 0 || request.getPageSize() > MAX_PAGE) {
      throw Identifiers.invalid("page_size", "page_size must be 0 (default " + DEFAULT_PAGE + ") to " + MAX_PAGE + ".");
    }
    int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
    long offset = offset(request.getPageToken());
    return page(request, offset, size, new ArrayList<>(), 0);
  }

  private static long offset(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      long offset = Long.parseLong(token);
      if (offset >= 0) {
        return offset;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw Identifiers.invalid("page_token", "page_token is not one this service returned.");
  }

  private CompletionStage<ListDeliveriesResponse> page(
      ListDeliveriesRequest request, long offset, int size, List<Delivery> found, int scanned) {
    return queue.logPage(request.getAccountId(), offset, CHUNK).thenCompose(refs -> read(refs).thenCompose(jobs -> {
      long next = offset;
      for (int i = 0; i < jobs.size(); i++) {
        next = offset + i + 1;
        Optional<Delivery> d = jobs.get(i);
        if (d.isPresent() && matches(request, d.get())) {
          found.add(d.get());
          if (found.size() == size) {
            break;
          }
        }
      }
      boolean end = refs.size() < CHUNK && next == offset + refs.size();
      int seen = scanned + (int) (next - offset);
      if (found.size() == size || end || seen >= MAX_SCANNED) {
        return CompletableFuture.completedFuture(ListDeliveriesResponse.newBuilder()
            .addAllDeliveries(found)
            .setNextPageToken(end ? "" : Long.toString(next))
            .build());
      }
      return page(request, next, size, found, seen);
    }));
  }

  private static boolean matches(ListDeliveriesRequest request, Delivery d) {
    return (!request.getFailedOnly() || d.getState() == DeliveryState.DELIVERY_STATE_DEAD_LETTERED)
        && (request.getDestinationId().isEmpty() || request.getDestinationId().equals(d.getDestinationId()))
        && (request.getKcid().isEmpty() || request.getKcid().equals(d.getKcid()));
  }

  private CompletableFuture<List<Optional<Delivery>>> read(List<LogRef> refs) {
    List<CompletableFuture<Optional<Delivery>>> reads = refs.stream()
        .map(r -> queue.find(r.partition(), r.deliveryId()).toCompletableFuture())
        .toList();
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(x -> reads.stream().map(CompletableFuture::join).toList());
  }

  @Override
  public CompletionStage<RedeliverResponse> redeliver(RedeliverRequest request) {
    String account = Identifiers.required("account_id", request.getAccountId());
    Set<DeliveryState> from = request.getIncludeDelivered()
        ? EnumSet.of(DeliveryState.DELIVERY_STATE_DEAD_LETTERED, DeliveryState.DELIVERY_STATE_DELIVERED)
        : EnumSet.of(DeliveryState.DELIVERY_STATE_DEAD_LETTERED);
    CompletionStage<List<DeliveryJob>> candidates = request.getDeliveryId().isEmpty()
        ? inRange(request)
        : byId(account, request.getDeliveryId()).thenApply(List::of);
    return candidates.thenCompose(jobs -> {
      List<DeliveryJob> chosen = jobs.stream()
          .filter(j -> from.contains(j.state()))
          .filter(j -> request.getDestinationId().isEmpty() || request.getDestinationId().equals(j.destinationId()))
          .limit(MAX_REDELIVER)
          .toList();
      RedeliverResponse.Builder answer = RedeliverResponse.newBuilder().setDryRun(request.getDryRun());
      if (request.getDryRun()) {
        chosen.forEach(j -> answer.addDeliveryIds(j.deliveryId()));
        return CompletableFuture.completedFuture(answer.build());
      }
      Instant now = clock.instant();
      List<CompletableFuture<Boolean>> queued = chosen.stream()
          .map(j -> queue.requeue(j.partition(), j.deliveryId(), from, now).toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).thenApply(x -> {
        for (int i = 0; i < chosen.size(); i++) {
          if (queued.get(i).join()) {
            answer.addDeliveryIds(chosen.get(i).deliveryId());
          }
        }
        return answer.build();
      });
    });
  }

  /** The account's job with this id, looked up in every partition (the id does not name its own). */
  private CompletionStage<DeliveryJob> byId(String account, String deliveryId) {
    List<CompletableFuture<Optional<DeliveryJob>>> lookups = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      lookups.add(queue.job(p, deliveryId).toCompletableFuture());
    }
    return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(x -> lookups.stream()
        .map(CompletableFuture::join)
        .flatMap(Optional::stream)
        .filter(j -> j.accountId().equals(account))
        .findFirst()
        .orElseThrow(() -> new KcidException(ErrorReason.ERROR_REASON_DELIVERY_NOT_FOUND,
            "No delivery '" + deliveryId + "' of account '" + account + "'.", Map.of("deliveryId", deliveryId))));
  }

  private CompletionStage<List<DeliveryJob>> inRange(RedeliverRequest request) {
    Instant start = request.hasStartTime()
        ? Instant.ofEpochSecond(request.getStartTime().getSeconds(), request.getStartTime().getNanos())
        : Instant.EPOCH;
    Instant end = request.hasEndTime()
        ? Instant.ofEpochSecond(request.getEndTime().getSeconds(), request.getEndTime().getNanos())
        : clock.instant().plusSeconds(1);
    if (!end.isAfter(start)) {
      throw Identifiers.invalid("end_time", "end_time must be after start_time.");
    }
    return queue.logRange(request.getAccountId(), start, end).thenCompose(refs -> {
      List<CompletableFuture<Optional<DeliveryJob>>> reads = refs.stream()
          .map(r -> queue.job(r.partition(), r.deliveryId()).toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
          .thenApply(x -> reads.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
    });
  }
}
