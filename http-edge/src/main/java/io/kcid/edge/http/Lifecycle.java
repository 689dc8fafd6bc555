package io.kcid.edge.http;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Shutdown state shared by all connections: whether close() began, and how many requests are still unanswered. */
public final class Lifecycle {
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean shuttingDown;

  public void beginShutdown() {
    shuttingDown = true;
  }

  public boolean shuttingDown() {
    return shuttingDown;
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestFinished() {
    inFlight.decrementAndGet();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Waits (off the event loop) until every request is answered or the timeout passes; true when idle. */
  public boolean awaitIdle(Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (inFlight.get() > 0) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
