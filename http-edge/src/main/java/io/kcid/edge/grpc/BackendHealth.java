package io.kcid.edge.grpc;

import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the backend's standard {@code grpc.health.v1.Health/Check} (service "") in the background
 * and caches the answer, so {@code /readyz} is a field read and never waits on the network.
 * The next check is scheduled only after the previous one finished: checks never pile up.
 */
public final class BackendHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackendHealth.class);

  private final HealthGrpc.HealthStub stub;
  private final Duration interval;
  private final Duration deadline;
  private final ScheduledExecutorService scheduler;
  private volatile boolean serving;
  private volatile boolean closed;

  public BackendHealth(Channel channel, Duration interval, Duration deadline) {
    this.stub = HealthGrpc.newStub(channel);
    this.interval = interval;
    this.deadline = deadline;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "kcid-edge-health");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Starts checking now, then every interval. */
  public void start() {
    scheduler.execute(this::check);
  }

  /** The last check's answer: true only when the backend said SERVING. */
  public boolean serving() {
    return serving;
  }

  private void check() {
    if (closed) {
      return;
    }
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .check(
            HealthCheckRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(HealthCheckResponse response) {
                update(response.getStatus() == HealthCheckResponse.ServingStatus.SERVING);
              }

              @Override
              public void onError(Throwable t) {
                update(false);
                scheduleNext();
              }

              @Override
              public void onCompleted() {
                scheduleNext();
              }
            });
  }

  private void update(boolean nowServing) {
    if (nowServing != serving) {
      log.info("tracking-server is {}", nowServing ? "serving: edge ready" : "not serving: edge not ready");
    }
    serving = nowServing;
  }

  private void scheduleNext() {
    if (closed) {
      return;
    }
    try {
      scheduler.schedule(this::check, interval.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed concurrently: nothing left to check
    }
  }

  @Override
  public void close() {
    closed = true;
    serving = false;
    scheduler.shutdownNow();
  }
}
