package io.kcid.server.delivery;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.DeliveryQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends due jobs: claims them for a lease (another worker takes a job over only once its lease
 * expired: at least once, under the same delivery id), lets paused destinations' and open
 * circuits' jobs wait (re-scored, never dropped), takes a permit of the destination's own limits
 * (a slow receiver holds only its own permits), sends, and records the attempt and the job's next
 * state in one step: delivered, retried later, dead-lettered (a permanent failure, or past
 * KCID_DELIVERY_MAX_AGE) or cancelled (destination deleted, conversion erased). A job the
 * dispatcher started straight from its outbox entry ({@link DeliveryJob#direct}) goes the same
 * way; that step stores it.
 */
public final class DeliveryWorker {
  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
  /** How often a paused destination's jobs look again. */
  static final Duration PAUSED_RECHECK = Duration.ofSeconds(30);
  /** How often an open circuit's jobs look again (one of them is the probe once it is due). */
  static final Duration CIRCUIT_RECHECK = Duration.ofSeconds(30);
  private static final Duration MIN_WAIT = Duration.ofMillis(50);
  /**
   * How long a job goes back to the queue when its destination already has
   * {@link #WAITING_PER_DESTINATION} jobs waiting here: a backlog drains at the destination's
   * pace, so claiming it again sooner would only repeat the refusal.
   */
  private static final Duration BACKLOG_WAIT = Duration.ofSeconds(1);
  /** Jobs claimed per partition and pass, at most. */
  static final int CLAIM_BATCH = 64;
  /**
   * Jobs of one destination this process holds (claimed, not yet settled), at most, per permit of
   * its concurrency: enough to keep its permits busy between two claims, and no backlog claimed
   * only to be put back. A destination is claimed again once it holds half of that or less, so
   * that a claim takes on several jobs rather than one at a time.
   */
  static final int HELD_PER_PERMIT = 8;
  /**
   * Claimed jobs that may wait in this process for one of their destination's concurrency
   * permits; more are put back in the queue. Waiting here costs nothing, where putting a job back
   * and claiming it again costs two scripts, over and over while a backlog drains.
   */
  static final int WAITING_PER_DESTINATION = 64;
  /**
   * Jobs sent straight from their outbox entries ({@link DeliveryJob#direct}) one destination may
   * have in this process, waiting for a permit or under way. They cost Redis nothing while they
   * wait (no job stored, no claim), so a receiver that keeps up gets every new event this way.
   * They wait behind claimed jobs (older ones, retries), so a stream of new events never starves
   * those; one that waited half the lease is stored to its queue, as any job put back is.
   */
  static final int DIRECT_PER_DESTINATION = 256;

  private final DeliveryQueue queue;
  private final DestinationDirectory directory;
  private final OutboundEvents events;
  private final DeliverySender sender;
  private final DestinationLimiter limiter;
  private final CircuitBreaker breaker;
  private final RetrySchedule retries;
  private final Duration lease;
  private final Duration retention;
  private final Clock clock;
  private final DeliveryListener listener;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Per destination key: claimed jobs waiting for a concurrency permit, oldest first. */
  private final Map<String, Deque<Parked>> waiting = new ConcurrentHashMap<>();
  /** Per destination key: direct jobs waiting for a concurrency permit, after the claimed ones. */
  private final Map<String, Deque<Parked>> waitingDirect = new ConcurrentHashMap<>();
  /** Per destination key: jobs claimed by this process and not yet settled. */
  private final Map<String, AtomicInteger> held = new ConcurrentHashMap<>();
  /** Per destination key: direct jobs this process started and has not settled. */
  private final Map<String, AtomicInteger> heldDirect = new ConcurrentHashMap<>();
  /** Per destination key: jobs reserved by claims under way. */
  private final Map<String, AtomicInteger> reserved = new ConcurrentHashMap<>();
  /** Per destination key: direct jobs reserved by dispatches under way. */
  private final Map<String, AtomicInteger> reservedDirect = new ConcurrentHashMap<>();
  /** Jobs of destinations this process does not know yet reserved by claims under way. */
  private final AtomicInteger reservedOtherwise = new AtomicInteger();
  /** Per destination key: how many jobs this process may hold (learnt from the destination). */
  private final Map<String, Integer> caps = new ConcurrentHashMap<>();
  private volatile Runnable onSettled = () -> { };

  /**
   * @param lease how long a claimed job is this worker's (twice the request timeout)
   * @param retention how long a finished job stays in the log
   * @param maxInFlight jobs claimed and not yet settled by this process, at most
   */
  public DeliveryWorker(DeliveryQueue queue, DestinationDirectory directory, OutboundEvents events,
      DeliverySender sender, DestinationLimiter limiter, CircuitBreaker breaker, RetrySchedule retries,
      Duration lease, Duration retention, Clock clock, DeliveryListener listener, int maxInFlight) {
    this.queue = queue;
    this.directory = directory;
    this.events = events;
    this.sender = sender;
    this.limiter = limiter;
    this.breaker = breaker;
    this.retries = retries;
    this.lease = lease;
    this.retention = retention;
    this.clock = clock;
    this.listener = listener;
    this.maxInFlight = maxInFlight;
  }

  /**
   * Claims the due jobs of a partition there is room for and starts them; completes once they are
   * started (not sent) with how many were claimed.
   */
  public CompletionStage<Integer> deliverDue(int partition) {
    return claim(partition, 1).thenApply(claimed -> claimed.jobs().size());
  }

  /**
   * Claims due jobs of a partition within the budgets this worker has left ({@link #reserve}d
   * for the call, so that partitions claimed at the same time share them) and starts them; completes
   * with the jobs claimed and started and the destinations left with due jobs.
   */
  public CompletionStage<DeliveryQueue.Claimed> claim(int partition, int share) {
    int room = Math.min(CLAIM_BATCH, maxInFlight - inFlight.get());
    if (room <= 0) {
      return CompletableFuture.completedFuture(new DeliveryQueue.Claimed(List.of(), null));
    }
    ClaimBudgets budgets = reserve(share);
    if (!budgets.any()) {
      release(budgets);
      return CompletableFuture.completedFuture(new DeliveryQueue.Claimed(List.of(), null));
    }
    Instant now = clock.instant();
    return queue.claimDue(partition, now, now.plus(lease), room, budgets)
        .thenApply(claimed -> {
          start(claimed.jobs());
          return claimed;
        })
        .whenComplete((x, f) -> release(budgets));
  }

  /** How long a claimed job is this worker's. */
  public Duration lease() {
    return lease;
  }

  /** When a job claimed now stops being this worker's. */
  public Instant leaseEnd() {
    return clock.instant().plus(lease);
  }

  /**
   * How many jobs this process would take on per destination now: up to its cap of held jobs,
   * counting those held and those reserved by claims under way; none once it holds more than
   * half its cap (claims then take several jobs at a time, not one per settled job).
   */
  public ClaimBudgets budgets() {
    if (inFlight.get() >= maxInFlight) {
      return ClaimBudgets.NONE;
    }
    Map<String, Integer> per = new HashMap<>();
    caps.forEach((key, cap) -> per.put(key, room(key, cap, 1)));
    return new ClaimBudgets(Math.max(0, defaultCap() - reservedOtherwise.get()), per);
  }

  /**
   * A {@code share} of {@link #budgets} (rounded up), reserved until {@link #release}d: claims
   * under way at the same time, one per partition, share the budgets instead of each taking all.
   * Every share is cut from the same whole, not from what the shares before it left: a sweep
   * reserves for all partitions before the first claim answers, and shares of the rest gave the
   * last partitions nothing at all: their jobs waited for a sweep whose first claims happened to
   * answer before its last ones reserved.
   */
  private synchronized ClaimBudgets reserve(int share) {
    Map<String, Integer> per = new HashMap<>();
    caps.forEach((key, cap) -> per.put(key, room(key, cap, share)));
    int otherwise = Math.max(0, Math.min(defaultCap() - reservedOtherwise.get(), divide(defaultCap(), share)));
    return reserved(new ClaimBudgets(otherwise, per));
  }

  /**
   * A {@code share} of a destination's room: its cap less the jobs held, within what claims under
   * way left of it; none once it holds more than half its cap. Only held jobs count towards that
   * half: jobs reserved by claims under way are the room being shared out.
   */
  private int room(String key, int cap, int share) {
    int holding = count(held, key);
    if (holding > cap / 2) {
      return 0;
    }
    return Math.max(0, Math.min(cap - holding - count(reserved, key), divide(cap - holding, share)));
  }

  /**
   * Budgets for claiming new jobs as they are created: per destination, as many of {@code jobs}
   * as this process can take on (up to its cap, whatever it holds), reserved until
   * {@link #release}d.
   */
  public synchronized ClaimBudgets reserveFor(List<DeliveryJob> jobs) {
    return reserved(new ClaimBudgets(0, roomFor(jobs, key -> caps.getOrDefault(key, defaultCap()), held, reserved)));
  }

  /**
   * Budgets for sending new jobs straight from their entries: per destination, as many of
   * {@code jobs} as it may have direct jobs here ({@link #DIRECT_PER_DESTINATION}), reserved
   * until {@link #releaseDirect}d.
   */
  public synchronized ClaimBudgets reserveDirect(List<DeliveryJob> jobs) {
    ClaimBudgets budgets = new ClaimBudgets(0, roomFor(jobs, key -> DIRECT_PER_DESTINATION, heldDirect, reservedDirect));
    adjust(reservedDirect, budgets, 1);
    return budgets;
  }

  /** Gives back a reservation of {@link #reserveDirect} once the dispatch started its jobs. */
  public synchronized void releaseDirect(ClaimBudgets budgets) {
    adjust(reservedDirect, budgets, -1);
  }

  /** Per destination of {@code jobs}: how many of them fit under its cap, less what is held and reserved. */
  private Map<String, Integer> roomFor(List<DeliveryJob> jobs, ToIntFunction<String> cap,
      Map<String, AtomicInteger> holding, Map<String, AtomicInteger> reserving) {
    int left = maxInFlight - inFlight.get();
    if (left <= 0) {
      return Map.of();
    }
    Map<String, Integer> wanted = new HashMap<>();
    for (DeliveryJob j : jobs) {
      wanted.merge(j.destinationKey(), 1, Integer::sum);
    }
    Map<String, Integer> per = new HashMap<>();
    for (Map.Entry<String, Integer> w : wanted.entrySet()) {
      String key = w.getKey();
      int n = Math.max(0, Math.min(Math.min(w.getValue(), left),
          cap.applyAsInt(key) - count(holding, key) - count(reserving, key)));
      per.put(key, n);
      left -= n;
    }
    return per;
  }

  private ClaimBudgets reserved(ClaimBudgets budgets) {
    adjust(reserved, budgets, 1);
    reservedOtherwise.addAndGet(budgets.otherwise());
    return budgets;
  }

  /** Adds {@code sign} times each destination's budget to its count: one bookkeeping for reserving and releasing. */
  private static void adjust(Map<String, AtomicInteger> counts, ClaimBudgets budgets, int sign) {
    budgets.perDestination().forEach((key, n) -> counts.computeIfAbsent(key, k -> new AtomicInteger()).addAndGet(sign * n));
  }

  private static int divide(int n, int share) {
    return n <= 0 ? 0 : (n + share - 1) / share;
  }

  /** Gives back a reservation once its claim started what it claimed. */
  public synchronized void release(ClaimBudgets budgets) {
    adjust(reserved, budgets, -1);
    reservedOtherwise.addAndGet(-budgets.otherwise());
  }

  private static int count(Map<String, AtomicInteger> counts, String key) {
    AtomicInteger n = counts.get(key);
    return n == null ? 0 : n.get();
  }

  private int defaultCap() {
    return HELD_PER_PERMIT * limiter.defaultConcurrency();
  }

  /** Starts jobs this worker claimed (by a claim, or when the dispatcher created them). */
  public void start(List<DeliveryJob> jobs) {
    for (DeliveryJob job : jobs) {
      String key = job.destinationKey();
      caps.putIfAbsent(key, defaultCap()); // until its destination is read: the default
      AtomicInteger holding = (job.direct() ? heldDirect : held).computeIfAbsent(key, k -> new AtomicInteger());
      holding.incrementAndGet();
      inFlight.incrementAndGet();
      CompletionStage<?> done;
      try {
        done = process(job);
      } catch (RuntimeException e) {
        done = CompletableFuture.failedFuture(e);
      }
      done.whenComplete((x, failure) -> {
        holding.decrementAndGet();
        inFlight.decrementAndGet();
        onSettled.run();
        if (failure != null) {
          // The lease expires and a worker tries again: nothing is lost.
          log.warn("Delivery {} failed before it was settled: {}", job.deliveryId(), failure.toString());
        }
      });
    }
  }

  /** Drops the handed-over events past their time (the delivery loop calls this on every pass). */
  public void forgetStaleEvents() {
    events.forgetStale();
  }

  /** Jobs claimed by this process and not yet settled. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Runs {@code action} whenever a claimed job was settled (room to claim another). */
  public void onSettled(Runnable action) {
    this.onSettled = action;
  }

  /**
   * Gives every destination's oldest waiting job a try: a permit released between a job's refusal
   * and its parking would otherwise wake nobody. Jobs that waited half their lease go back to the
   * queue now rather than when a permit frees (a slow receiver frees few): a direct job's entry
   * must be settled well before it may be taken over. The delivery loop calls this on every pass.
   */
  public void retryWaiting() {
    Set<String> keys = new HashSet<>(waiting.keySet());
    keys.addAll(waitingDirect.keySet());
    Instant overdue = clock.instant().minus(lease.dividedBy(2));
    for (String key : keys) {
      for (Map<String, Deque<Parked>> tier : List.of(waiting, waitingDirect)) {
        for (Parked late : takeOverdue(tier.get(key), overdue)) {
          late.next().run(); // finds its wait too long, and puts the job back
        }
      }
      unpark(key);
    }
  }

  /** Takes off every waiting job claimed before {@code overdue} (one that parked again is not at the head). */
  private static List<Parked> takeOverdue(Deque<Parked> queued, Instant overdue) {
    if (queued == null) {
      return List.of();
    }
    List<Parked> late = new ArrayList<>();
    synchronized (queued) {
      for (Iterator<Parked> it = queued.iterator(); it.hasNext(); ) {
        Parked p = it.next();
        if (p.claimed().isBefore(overdue)) {
          it.remove();
          late.add(p);
        }
      }
    }
    return late;
  }

  /** A job waiting for a permit: when it was claimed (or dispatched), and what takes the permit. */
  private record Parked(Instant claimed, Runnable next) {}

  private CompletionStage<Void> process(DeliveryJob job) {
    return directory.forAccount(job.accountId()).thenCompose(destinations -> {
      Optional<ActiveDestination> found = find(destinations, job);
      if (found.isEmpty()) {
        caps.remove(job.destinationKey());
        return done(queue.finish(job, null, DeliveryState.DELIVERY_STATE_CANCELLED, null, retention));
      }
      Destination d = found.get().destination();
      Instant now = clock.instant();
      String key = DestinationLimiter.key(d);
      caps.put(key, HELD_PER_PERMIT * limiter.concurrency(d));
      if (d.getPaused()) {
        return queue.postpone(job, now.plus(PAUSED_RECHECK));
      }
      if (d.getCircuitOpen() && !breaker.isOpen(key)) {
        breaker.restoreOpen(key, now, d.getCircuitReason());
      }
      if (!breaker.allow(key)) {
        return queue.postpone(job, now.plus(CIRCUIT_RECHECK));
      }
      // The event is read before a permit is taken: a permit stands for a request to the
      // receiver, and Redis work under it would only slow the destination down.
      return events.of(job).thenCompose(event -> {
        if (event.isEmpty()) {
          DeliveryAttempt gone = DeliveryAttempt.newBuilder()
              .setAttemptTime(timestamp(clock.instant()))
              .setError("conversion no longer stored (click erased or expired)")
              .build();
          return done(queue.finish(job, gone, DeliveryState.DELIVERY_STATE_CANCELLED, null, retention));
        }
        OutboundMessage message = new OutboundMessage(
            job.deliveryId(), d, found.get().signingSecrets(), event.get());
        return acquireAndSend(job, message, key, now);
      });
    });
  }

  /**
   * Sends the job under one of its destination's permits. Without a free concurrency permit the
   * job waits in this process for one (up to {@link #WAITING_PER_DESTINATION} claimed jobs, and
   * {@link #DIRECT_PER_DESTINATION} direct ones behind them), unless it has
   * waited half its lease: then it goes back to the queue, due at once, so that no lease ends
   * while its request is on the wire. A rate limit puts it back until the next token.
   */
  private CompletionStage<Void> acquireAndSend(DeliveryJob job, OutboundMessage message, String key, Instant claimed) {
    Instant now = clock.instant();
    if (Duration.between(claimed, now).compareTo(lease.dividedBy(2)) > 0) {
      return queue.postpone(job, now);
    }
    DestinationLimiter.Acquisition acquired = limiter.tryAcquire(message.destination());
    if (acquired instanceof DestinationLimiter.Denied denied) {
      if (!denied.rateLimited()) {
        CompletableFuture<Void> turn = new CompletableFuture<>();
        if (park(key, job.direct(), claimed, () -> acquireAndSend(job, message, key, claimed).whenComplete((x, f) -> {
          if (f != null) {
            turn.completeExceptionally(f);
          } else {
            turn.complete(null);
          }
        }))) {
          return turn;
        }
      }
      Duration floor = denied.rateLimited() ? MIN_WAIT : BACKLOG_WAIT;
      Duration wait = denied.retryIn().compareTo(floor) < 0 ? floor : denied.retryIn();
      return queue.postpone(job, now.plus(wait));
    }
    DestinationLimiter.Permit permit = ((DestinationLimiter.Granted) acquired).permit();
    CompletionStage<AttemptResult> attempt;
    try {
      attempt = sender.send(message);
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    // The permit goes back when the receiver answered; recording the attempt happens outside it.
    return attempt.whenComplete((x, f) -> {
      permit.close();
      unpark(key);
    })
        .exceptionally(this::senderFailure)
        .thenCompose(result -> settle(job, message.destination(), key, result))
        .thenApply(x -> null);
  }

  private boolean park(String key, boolean direct, Instant claimed, Runnable next) {
    Deque<Parked> queued = (direct ? waitingDirect : waiting).computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (queued) {
      if (queued.size() >= (direct ? DIRECT_PER_DESTINATION : WAITING_PER_DESTINATION)) {
        return false;
      }
      queued.add(new Parked(claimed, next));
      return true;
    }
  }

  /**
   * Runs the destination's oldest waiting job, which takes the permit just released (or parks
   * again): a claimed one first, then a direct one.
   */
  private void unpark(String key) {
    Parked next = poll(waiting.get(key));
    if (next == null) {
      next = poll(waitingDirect.get(key));
    }
    if (next != null) {
      next.next().run();
    }
  }

  private static Parked poll(Deque<Parked> queued) {
    if (queued == null) {
      return null;
    }
    synchronized (queued) {
      return queued.poll();
    }
  }

  private static Optional<ActiveDestination> find(List<ActiveDestination> destinations, DeliveryJob job) {
    return destinations.stream()
        .filter(a -> DeliveryIds.owner(a.destination()).equals(job.owner())
            && a.destination().getDestinationId().equals(job.destinationId()))
        .findFirst();
  }

  private static CompletionStage<Void> done(CompletionStage<?> stage) {
    return stage.thenApply(x -> null);
  }

  /** A sender bug is an attempt that failed and is retried, never a lost job. */
  private AttemptResult senderFailure(Throwable failure) {
    log.warn("Delivery sender failed", failure);
    return new AttemptResult(AttemptResult.Outcome.RETRY,
        DeliveryAttempt.newBuilder().setAttemptTime(timestamp(clock.instant())).setError("internal sender error").build(),
        Optional.empty());
  }

  private CompletionStage<DeliveryState> settle(DeliveryJob job, Destination d, String key, AttemptResult result) {
    listener.attempted(result.outcome());
    switch (breaker.record(key, result)) {
      case OPENED -> mark(d, true, breaker.reason(key).orElse("failing"));
      case CLOSED -> mark(d, false, "");
      case NONE -> { }
    }
    Instant now = clock.instant();
    return switch (result.outcome()) {
      case DELIVERED -> queue.finish(job, result.attempt(), DeliveryState.DELIVERY_STATE_DELIVERED, null, retention)
          .thenApply(state -> {
            listener.delivered(Duration.between(job.created(), now));
            return state;
          });
      case PERMANENT -> queue.finish(job, result.attempt(), DeliveryState.DELIVERY_STATE_DEAD_LETTERED, null, retention);
      case RETRY -> retries.nextAttempt(job.queued(), now, job.attempts() + 1, result.retryAfter())
          .map(next -> queue.finish(job, result.attempt(), DeliveryState.DELIVERY_STATE_PENDING, next, retention))
          .orElseGet(() -> queue.finish(job, result.attempt(), DeliveryState.DELIVERY_STATE_DEAD_LETTERED, null, retention));
    };
  }

  private void mark(Destination d, boolean open, String reason) {
    directory.markCircuit(d, open, reason).whenComplete((x, f) -> {
      if (f != null) {
        log.warn("Could not record the circuit of destination {}: {}", d.getDestinationId(), f.toString());
      }
    });
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
