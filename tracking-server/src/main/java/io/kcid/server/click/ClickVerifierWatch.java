package io.kcid.server.click;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.WatchClickVerifiersRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import io.kcid.server.common.GrpcErrors;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.VerifierChanges;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ClickService.WatchClickVerifiers}: pushes the current click verifiers of changed accounts
 * to every watching edge.
 *
 * <p>How a change reaches the edges: the server that stores it appends the account id to the
 * shared change stream ({@link VerifierChanges}) before answering the write; every server reads
 * that stream every {@value #POLL_MILLIS} ms with one non-blocking XREAD (whatever the number of
 * watchers, and nothing more while there is no change), loads the changed accounts from the store
 * and sends their verifiers to its watchers. A polled stream rather than pub/sub: no dedicated
 * connection, the same on a Cluster, and nothing lost while a server is briefly cut off from Redis
 * (it reads on from its position). Edges keep a slow full refresh as the fallback.
 */
public final class ClickVerifierWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClickVerifierWatch.class);
  static final long POLL_MILLIS = 250;
  private static final int READ_COUNT = 500;
  /** Verifiers per message: keeps each message far below any message limit. */
  private static final int CHUNK = 100;
  /** Watches per server: one per edge is expected; far more is a misbehaving caller. */
  public static final int MAX_WATCHERS = 1024;
  private static final long STORE_WAIT_MILLIS = 5000;

  private final VerifierChanges changes;
  private final AccountStore store;
  private final Clock clock;
  private final int partitions;
  private final ScheduledExecutorService timer;
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  /** The change stream position read up to; null until known. Written by the timer thread only. */
  private volatile String position;
  private volatile boolean closed;

  public ClickVerifierWatch(VerifierChanges changes, AccountStore store, Clock clock, int partitions) {
    this.changes = changes;
    this.store = store;
    this.clock = clock;
    this.partitions = partitions;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kcid-verifier-watch");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts reading the change stream. */
  public ClickVerifierWatch start() {
    timer.scheduleWithFixedDelay(this::poll, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Watches open on this server. */
  public int watchers() {
    return watchers.size();
  }

  public void watch(WatchClickVerifiersRequest request, StreamObserver<WatchClickVerifiersResponse> observer) {
    var call = (ServerCallStreamObserver<WatchClickVerifiersResponse>) observer;
    try {
      if (closed) {
        throw new KcidException(ErrorReason.ERROR_REASON_SHUTTING_DOWN, "The server is shutting down; watch another one.");
      }
      if (position == null) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, "The server cannot read the change stream yet; retry shortly.");
      }
      if (watchers.size() >= MAX_WATCHERS) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_RATE_LIMITED,
            "This server already serves " + MAX_WATCHERS + " click verifier watches; retry shortly or on another instance.");
      }
    } catch (RuntimeException e) {
      call.onError(GrpcErrors.toStatus(e));
      return;
    }
    Watcher watcher = new Watcher(call);
    call.setOnCancelHandler(() -> watchers.remove(watcher));
    // Registered before the first message: every change read after this reaches the watcher, and
    // the watcher lists everything after the first message, so nothing falls in between.
    watchers.add(watcher);
    watcher.send(List.of(WatchClickVerifiersResponse.newBuilder().setPartitions(partitions).build()));
    if (closed) {
      watcher.end();
    }
  }

  private void poll() {
    try {
      if (position == null) {
        position = changes.tail().toCompletableFuture().get(STORE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
      VerifierChanges.Batch batch =
          changes.after(position, READ_COUNT).toCompletableFuture().get(STORE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      if (batch.accountIds().isEmpty() && batch.position().equals(position)) {
        return;
      }
      if (!watchers.isEmpty()) {
        push(load(new LinkedHashSet<>(batch.accountIds())));
      }
      // Moved on only once the changed accounts were loaded: a failed load is read again.
      position = batch.position();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("click verifier changes not read: {}", e.toString());
    }
  }

  private List<ClickVerifier> load(Set<String> accountIds) throws Exception {
    List<CompletableFuture<Optional<AccountRecord>>> loads = new ArrayList<>();
    for (String id : accountIds) {
      loads.add(store.load(id).toCompletableFuture());
    }
    CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(STORE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    Instant now = clock.instant();
    List<ClickVerifier> verifiers = new ArrayList<>();
    for (CompletableFuture<Optional<AccountRecord>> load : loads) {
      load.join().ifPresent(record -> verifiers.add(ClickVerifierListing.verifier(record, now)));
    }
    return verifiers;
  }

  private void push(List<ClickVerifier> verifiers) {
    if (verifiers.isEmpty()) {
      return;
    }
    List<WatchClickVerifiersResponse> messages = new ArrayList<>();
    for (int i = 0; i < verifiers.size(); i += CHUNK) {
      messages.add(
          WatchClickVerifiersResponse.newBuilder()
              .setPartitions(partitions)
              .addAllVerifiers(verifiers.subList(i, Math.min(verifiers.size(), i + CHUNK)))
              .build());
    }
    for (Watcher watcher : watchers) {
      watcher.send(messages);
    }
  }

  /** Ends every watch with SHUTTING_DOWN (their edges watch another server) and stops reading. */
  @Override
  public void close() {
    closed = true;
    for (Watcher watcher : watchers) {
      watcher.end();
    }
    timer.shutdownNow();
  }

  private final class Watcher {
    private final ServerCallStreamObserver<WatchClickVerifiersResponse> call;
    private boolean done;
    /** Consecutive sends that found the call's outbound buffer full. */
    private int stalled;

    Watcher(ServerCallStreamObserver<WatchClickVerifiersResponse> call) {
      this.call = call;
    }

    synchronized void send(List<WatchClickVerifiersResponse> messages) {
      if (done) {
        return;
      }
      if (call.isCancelled()) {
        finish();
        return;
      }
      stalled = call.isReady() ? 0 : stalled + 1;
      if (stalled >= 3) {
        // An edge that has not read what it was sent for three changes in a row: end its watch
        // rather than buffer for it without bound; it reconnects and lists everything again.
        fail(new KcidException(ErrorReason.ERROR_REASON_RATE_LIMITED, "The watcher fell behind; watch again."));
        return;
      }
      try {
        for (WatchClickVerifiersResponse message : messages) {
          call.onNext(message);
        }
      } catch (RuntimeException e) {
        finish();
      }
    }

    synchronized void end() {
      fail(new KcidException(ErrorReason.ERROR_REASON_SHUTTING_DOWN, "The server is shutting down; watch another one."));
    }

    private void fail(KcidException reason) {
      if (done) {
        return;
      }
      finish();
      try {
        call.onError(GrpcErrors.toStatus(reason));
      } catch (RuntimeException ignored) {
        // already cancelled
      }
    }

    private void finish() {
      done = true;
      watchers.remove(this);
    }
  }
}
