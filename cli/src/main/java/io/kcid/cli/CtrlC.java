package io.kcid.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C during long work: a shutdown hook (standard API; SIGINT and SIGTERM both start the JVM's
 * shutdown) that asks the work's loop to stop between two calls and holds the exit until the
 * command has printed what it did — so the process ends with the JVM's signal status (130 for
 * Ctrl-C, 143 for SIGTERM), the results so far and a summary, never a stack trace or half a line.
 * If the loop does not stop within {@link #GRACE_SECONDS} (a call hanging on the server), the hook
 * prints what it knows itself and lets the exit go on.
 */
final class CtrlC implements AutoCloseable {
  /** Longer than a page of work normally takes; a hung call ends at its own deadline anyway. */
  static final long GRACE_SECONDS = 15;

  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;

  private CtrlC(Runnable ifStuck) {
    this.hook = new Thread(() -> {
      requested.set(true);
      try {
        if (!finished.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
          ifStuck.run();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "kcid-ctrl-c");
  }

  /** Watches for Ctrl-C until {@link #close}; {@code ifStuck} prints what was done if the loop does not stop in time. */
  static CtrlC watch(Runnable ifStuck) {
    CtrlC ctrlC = new CtrlC(ifStuck);
    try {
      Runtime.getRuntime().addShutdownHook(ctrlC.hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the work should not start.
      ctrlC.requested.set(true);
    }
    return ctrlC;
  }

  boolean requested() {
    return requested.get();
  }

  /** The command printed what it did: a pending exit goes on, otherwise the hook is removed. */
  @Override
  public void close() {
    finished.countDown();
    if (!requested.get()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Shutdown began just now: the hook has been released above.
      }
    }
  }
}
