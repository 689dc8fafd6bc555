package io.kcid.edge.spool;

import io.grpc.stub.StreamObserver;
import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.http.Responses;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends spooled clicks to the tracking-server (IssueClick with their pre-minted kcid) and deletes a
 * segment once every click in it is stored. A click the server refuses for good (its signature no
 * longer verifies, its account is gone …) is dropped and counted; an unknown outcome stops the round
 * and it is retried with backoff. Inserting a pre-minted kcid is idempotent, so a click replayed twice
 * (after an edge restart, or a lost answer) is still one click.
 */
public final class ClickReplayer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClickReplayer.class);
  private static final int CONCURRENCY = 16;
  private static final long INTERVAL_MS = 200;
  private static final long MAX_BACKOFF_MS = 2_000;

  private final ClickSpool spool;
  private final ClickServiceGrpc.ClickServiceStub stub;
  private final Duration deadline;
  private final SpoolMetrics metrics;
  private final Thread thread;
  /** Records of a segment already stored, so a retried round does not resend them. */
  private final Map<Long, BitSet> done = new HashMap<>();
  private volatile boolean closed;

  public ClickReplayer(ClickSpool spool, ClickServiceGrpc.ClickServiceStub stub, Duration deadline, SpoolMetrics metrics) {
    this.spool = spool;
    this.stub = stub;
    this.deadline = deadline;
    this.metrics = metrics;
    this.thread = new Thread(this::loop, "kcid-edge-click-replayer");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void loop() {
    long backoff = INTERVAL_MS;
    while (!closed) {
      boolean clean = replayOnce();
      backoff = clean ? INTERVAL_MS : Math.min(MAX_BACKOFF_MS, backoff * 2);
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One round over the sealed segments; false when the tracking-server did not take them all. */
  boolean replayOnce() {
    List<ClickSpool.Segment> sealed = spool.sealed();
    if (sealed.isEmpty()) {
      if (spool.activeHasRecords()) {
        spool.requestRoll();
      }
      return true;
    }
    for (ClickSpool.Segment segment : sealed) {
      if (closed || !replay(segment)) {
        return false;
      }
      spool.delete(segment);
      done.remove(segment.seq());
    }
    return true;
  }

  private boolean replay(ClickSpool.Segment segment) {
    SpoolRecords.Contents contents;
    try {
      contents = segment.read();
    } catch (IOException e) {
      log.error("cannot read spool segment {}: {}", segment.path(), e.toString());
      return false;
    }
    if (contents.damagedTail()) {
      // Only the record being written when the edge died; it was never redirected (the redirect
      // waits for the write to reach the disk).
      log.warn("spool segment {} ends in a partial record; replaying the {} whole ones", segment.path(), contents.records().size());
    }
    List<IssueClickRequest> records = contents.records();
    BitSet stored = done.computeIfAbsent(segment.seq(), s -> new BitSet(records.size()));
    Semaphore permits = new Semaphore(CONCURRENCY);
    AtomicBoolean unknown = new AtomicBoolean();
    CountDownLatch sent = new CountDownLatch(records.size());
    for (int i = 0; i < records.size(); i++) {
      if (stored.get(i) || unknown.get() || closed) {
        sent.countDown();
        continue;
      }
      try {
        permits.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      int index = i;
      stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
          .issueClick(
              records.get(i),
              new StreamObserver<IssueClickResponse>() {
                @Override
                public void onNext(IssueClickResponse value) {
                  markStored(stored, index);
                  metrics.replayed();
                }

                @Override
                public void onError(Throwable t) {
                  BackendFailure failure = BackendErrors.classify(t);
                  if (Responses.mustResend(failure.reason())) {
                    unknown.set(true);
                  } else {
                    // Refused for good: replaying it again would be refused again.
                    markStored(stored, index);
                    metrics.dropped(ErrorReasons.shortName(failure.reason()));
                    log.warn("tracking-server refused a spooled click for good: {}", ErrorReasons.shortName(failure.reason()));
                  }
                  permits.release();
                  sent.countDown();
                }

                @Override
                public void onCompleted() {
                  permits.release();
                  sent.countDown();
                }
              });
    }
    try {
      sent.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    synchronized (stored) {
      return stored.cardinality() == records.size();
    }
  }

  private static void markStored(BitSet stored, int index) {
    synchronized (stored) {
      stored.set(index);
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
