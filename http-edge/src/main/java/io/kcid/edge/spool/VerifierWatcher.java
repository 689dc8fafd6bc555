package io.kcid.edge.spool;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.WatchClickVerifiersRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@code ClickService.WatchClickVerifiers} stream open, so the edge learns a new account
 * or a rotated click secret about a second after it is stored, not at its next full refresh.
 *
 * <p>Each (re)connected watch's first message asks for a full refresh (what changed while no watch
 * was open); each later message carries the changed accounts' verifiers. A watch that fails or
 * ends is reopened after a backoff (250 ms doubling to 5 s, with jitter; back to 250 ms once a
 * watch delivered). Everything runs on the owner's single scheduler thread, so a change is applied
 * after any full refresh that started before it.
 */
final class VerifierWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VerifierWatcher.class);
  static final Duration MIN_BACKOFF = Duration.ofMillis(250);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  /** What the watcher tells its owner; called on the scheduler thread. */
  interface Listener {
    /** A watch is (re)connected: read everything once. */
    void resync();

    /** Accounts changed. */
    void changed(WatchClickVerifiersResponse change);
  }

  private final ClickServiceGrpc.ClickServiceStub stub;
  private final ScheduledExecutorService scheduler;
  private final Listener listener;
  private volatile boolean closed;
  private volatile ClientCallStreamObserver<WatchClickVerifiersRequest> current;
  /** Touched on the scheduler thread only. */
  private Duration backoff = MIN_BACKOFF;
  private volatile boolean connected;
  private boolean warnedUnimplemented;

  VerifierWatcher(Channel channel, ScheduledExecutorService scheduler, Listener listener) {
    this.stub = ClickServiceGrpc.newStub(channel);
    this.scheduler = scheduler;
    this.listener = listener;
  }

  void start() {
    scheduler.execute(this::open);
  }

  /** Whether a watch is open and has delivered its first message. */
  boolean connected() {
    return connected;
  }

  private void open() {
    if (closed) {
      return;
    }
    stub.watchClickVerifiers(
        WatchClickVerifiersRequest.getDefaultInstance(),
        new ClientResponseObserver<WatchClickVerifiersRequest, WatchClickVerifiersResponse>() {
          private boolean first = true;

          @Override
          public void beforeStart(ClientCallStreamObserver<WatchClickVerifiersRequest> call) {
            current = call;
          }

          @Override
          public void onNext(WatchClickVerifiersResponse message) {
            boolean resync = first;
            first = false;
            scheduler.execute(() -> {
              if (closed) {
                return;
              }
              if (resync) {
                backoff = MIN_BACKOFF;
                connected = true;
                log.debug("watching click verifier changes");
                listener.resync();
              } else {
                listener.changed(message);
              }
            });
          }

          @Override
          public void onError(Throwable failure) {
            ended(Status.fromThrowable(failure));
          }

          @Override
          public void onCompleted() {
            ended(Status.UNAVAILABLE.withDescription("the watch ended"));
          }
        });
  }

  private void ended(Status status) {
    connected = false;
    if (closed) {
      return;
    }
    try {
      scheduler.execute(() -> reopenLater(status));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void reopenLater(Status status) {
    if (closed) {
      return;
    }
    if (status.getCode() == Status.Code.UNIMPLEMENTED && !warnedUnimplemented) {
      warnedUnimplemented = true;
      log.warn("the tracking-server does not offer WatchClickVerifiers (older version): click secrets are"
          + " re-read only at the full refresh interval until it does");
    } else {
      log.debug("click verifier watch ended ({}); reopening in {} ms", status.getCode(), backoff.toMillis());
    }
    long delay = backoff.toMillis() / 2 + ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2 + 1);
    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    scheduler.schedule(this::open, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    ClientCallStreamObserver<WatchClickVerifiersRequest> call = current;
    if (call != null) {
      call.cancel("edge closing", null);
    }
  }
}
